/** sys/audit (list), sys/audit/<path> (enable, disable), sys/audit-hash/<path>. */
import { AuditBroker } from '../../core/audit/broker.js';
import type { Core } from '../../core/core.js';
import type { PathDef } from '../../framework/backend.js';
import type { Response } from '../../framework/types.js';
import { badRequest, CofferError } from '../../lib/errors.js';

function broker(core: Core): AuditBroker {
  const b = core.services.audit;
  if (!(b instanceof AuditBroker)) throw new CofferError(500, 'the audit broker is not running');
  return b;
}

function stringOptions(raw: unknown): Record<string, string> {
  if (raw === undefined || raw === null || raw === '') return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw badRequest('error converting input for field "options": expected a map');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return out;
}

export function auditPaths(core: Core): PathDef[] {
  return [
    {
      pattern: 'audit',
      synopsis: 'List the enabled audit devices.',
      operations: { read: async (): Promise<Response> => ({ data: broker(core).list(), legacyTopLevel: true }) },
    },
    {
      pattern: 'audit/*path',
      fields: {
        path: { type: 'string', description: 'The name of the audit device, e.g. "file" or "prod-audit".' },
        type: { type: 'string', description: 'The type of the device: file, socket or syslog.' },
        description: { type: 'string', description: 'User-friendly description of the device.' },
        options: { type: 'map', description: 'Configuration options for the device, e.g. file_path.' },
        local: { type: 'bool', default: false, description: 'Mark the device as local (not replicated).' },
      },
      synopsis: 'Enable or disable an audit device.',
      operations: {
        update: async (_r, d) => {
          const type = d.str('type');
          if (!type) throw badRequest('missing type');
          await broker(core).enable(d.str('path'), type, d.str('description'), stringOptions(d.raw.options), d.bool('local'));
          return null;
        },
        delete: async (_r, d) => {
          await broker(core).disable(d.str('path'));
          return null;
        },
      },
    },
    {
      pattern: 'audit-hash/*path',
      fields: {
        path: { type: 'string', description: 'The name of the audit device.' },
        input: { type: 'string', description: 'The input string to hash.' },
      },
      synopsis: 'Hash a string with an audit device\'s salt, to find it in the audit log.',
      operations: {
        update: async (_r, d) => {
          const input = d.str('input');
          if (!input) throw badRequest('the "input" parameter is empty');
          return { data: { hash: broker(core).hash(d.str('path'), input) } };
        },
      },
    },
  ];
}
