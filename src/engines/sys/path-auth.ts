/** sys/auth, sys/auth/:path(/tune): the auth method table. */
import type { Core } from '../../core/core.js';
import type { PathDef } from '../../framework/backend.js';
import { tableHandlers, tuneFields } from './path-mounts.js';

export function authPaths(core: Core): PathDef[] {
  const h = tableHandlers(core, 'auth');
  const fields = {
    path: { type: 'string' as const },
    type: { type: 'string' as const, description: 'The type of the auth method, e.g. "userpass", "kubernetes".' },
    description: { type: 'string' as const },
    config: { type: 'map' as const },
    options: { type: 'map' as const },
    local: { type: 'bool' as const },
    seal_wrap: { type: 'bool' as const },
    plugin_name: { type: 'string' as const },
  };
  return [
    { pattern: 'auth', operations: { read: h.list }, synopsis: 'List the currently enabled credential backends.' },
    { pattern: 'auth/*path/tune', fields: tuneFields, operations: { read: h.readTune, update: h.writeTune }, synopsis: 'Tune configuration parameters for a credential backend.' },
    { pattern: 'auth/*path', fields, operations: { read: h.read, update: h.enable, delete: h.disable }, synopsis: 'Enable a new credential backend with a name.' },
  ];
}
