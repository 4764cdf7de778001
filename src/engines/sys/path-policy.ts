/** sys/policy (legacy) and sys/policies/acl: read, write, delete, list ACL policies. */
import type { Core } from '../../core/core.js';
import type { PolicyStore } from '../../core/policy/policy-store.js';
import type { PathDef } from '../../framework/backend.js';
import type { FieldData } from '../../framework/fields.js';
import { badRequest } from '../../lib/errors.js';

function store(core: Core): PolicyStore {
  const s = core.registry.get('policies') as PolicyStore | undefined;
  if (!s) throw new Error('policy store not available');
  return s;
}

const policyText = (d: FieldData): string => {
  const text = d.str('policy') || d.str('rules');
  if (!text) throw badRequest("'policy' parameter not supplied or empty");
  // Vault accepts a base64-encoded policy too.
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(text.trim()) && text.trim().length % 4 === 0) {
    const decoded = Buffer.from(text.trim(), 'base64').toString('utf8');
    if (/path\s|"path"/.test(decoded)) return decoded;
  }
  return text;
};

export function policyPaths(core: Core): PathDef[] {
  const fields = { name: { type: 'string' as const }, policy: { type: 'string' as const, description: 'The rules of the policy.' }, rules: { type: 'string' as const, deprecated: true } };
  return [
    {
      pattern: 'policy',
      synopsis: 'List the configured access control policies.',
      operations: {
        read: async () => {
          const names = (await store(core).list()).filter((n) => n !== 'response-wrapping');
          return { data: { policies: names, keys: names }, legacyTopLevel: true };
        },
        list: async () => ({ data: { keys: await store(core).list() } }),
      },
    },
    {
      pattern: 'policy/*name',
      fields,
      synopsis: 'Read, Modify, or Delete an access control policy.',
      operations: {
        read: async (_r, d) => {
          const name = d.str('name').toLowerCase();
          if (name === 'root') return { data: { name: 'root', rules: '' }, legacyTopLevel: true };
          const p = await store(core).get(name);
          return p ? { data: { name: p.name, rules: p.raw }, legacyTopLevel: true } : null;
        },
        update: async (_r, d) => { await store(core).set(d.str('name'), policyText(d)); return null; },
        delete: async (_r, d) => { await store(core).delete(d.str('name')); return null; },
      },
    },
    {
      pattern: 'policies/acl',
      operations: { list: async () => ({ data: { keys: (await store(core).list()).filter((n) => n !== 'root').concat('root').sort() } }) },
    },
    {
      pattern: 'policies/acl/*name',
      fields,
      operations: {
        read: async (_r, d) => {
          const name = d.str('name').toLowerCase();
          if (name === 'root') return { data: { name: 'root', policy: '' } };
          const p = await store(core).get(name);
          return p ? { data: { name: p.name, policy: p.raw } } : null;
        },
        update: async (_r, d) => { await store(core).set(d.str('name'), policyText(d)); return null; },
        delete: async (_r, d) => { await store(core).delete(d.str('name')); return null; },
      },
    },
  ];
}
