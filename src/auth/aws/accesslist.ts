/**
 * The identity access list: one entry per EC2 instance that logged in with the ec2 type, holding
 * the client nonce, the document's pendingTime and whether reauthentication is disallowed. A
 * later login from the same instance must present the same nonce (or, with
 * allow_instance_migration, a newer pendingTime). Deleting an entry is how an operator lets an
 * instance log in again. Paths: identity-accesslist (and Vault's older name identity-whitelist),
 * tidy/identity-accesslist.
 */
import { timingSafeEqual } from 'node:crypto';
import type { PathDef } from '../../framework/backend.js';
import type { LogicalStorage } from '../../framework/types.js';
import { badRequest } from '../../lib/errors.js';
import type { Clock } from '../../lib/clock.js';
import type { AwsRole } from './role.js';

export const REAUTH_DISABLED_NONCE = 'reauthentication-disabled-nonce';

export interface AccessListEntry {
  role: string;
  client_nonce: string;
  creation_time: number;
  disallow_reauthentication: boolean;
  pending_time: string;
  expiration_time: number;
  last_updated_time: number;
}

const PREFIX = 'accesslist/identity/';

export const readAccessEntry = (s: LogicalStorage, instanceId: string) => s.getJSON<AccessListEntry>(PREFIX + instanceId);
export const writeAccessEntry = (s: LogicalStorage, instanceId: string, e: AccessListEntry) => s.putJSON(PREFIX + instanceId, e);

const sameSecret = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** Vault's checks of a returning instance: nonce, reauthentication, pendingTime. Throws the reason. */
export function checkReturningInstance(clientNonce: string, pendingTime: string, stored: AccessListEntry, role: AwsRole): void {
  if (!stored.disallow_reauthentication && !stored.client_nonce) throw badRequest('client nonce missing in stored identity');
  if (stored.disallow_reauthentication || sameSecret(clientNonce, REAUTH_DISABLED_NONCE)) throw badRequest('reauthentication is disabled');
  const given = Date.parse(pendingTime);
  const before = Date.parse(stored.pending_time);
  if (Number.isNaN(given)) throw badRequest(`parsing time "${pendingTime}" as RFC 3339 failed`);
  if (Number.isNaN(before)) throw badRequest(`parsing time "${stored.pending_time}" as RFC 3339 failed`);
  if (!sameSecret(clientNonce, stored.client_nonce)) {
    if (!role.allow_instance_migration) throw badRequest('client nonce mismatch');
    if (!(given > before)) throw badRequest('client nonce mismatch and instance meta-data incorrect');
  }
  if (given < before) throw badRequest('instance meta-data is older than the one used for previous login');
}

const iso = (ms: number) => new Date(ms).toISOString();

export function accessListPaths(storage: LogicalStorage, clock: Clock): PathDef[] {
  const paths: PathDef[] = [];
  for (const name of ['identity-accesslist', 'identity-whitelist']) {
    paths.push(
      {
        pattern: name,
        synopsis: 'Lists the items present in the identity access list.',
        operations: { list: async () => ({ data: { keys: (await storage.list(PREFIX)).sort() } }) },
      },
      {
        pattern: `${name}/:instance_id`,
        fields: { instance_id: { type: 'string', description: 'EC2 instance ID. A successful login operation from an EC2 instance gets cached in this access list, keyed off of instance ID.' } },
        synopsis: 'Read or delete entries in the identity access list.',
        operations: {
          read: async (_r, d) => {
            const e = await readAccessEntry(storage, d.str('instance_id'));
            if (!e) return null;
            return {
              data: {
                role: e.role, client_nonce: e.client_nonce, creation_time: iso(e.creation_time),
                disallow_reauthentication: e.disallow_reauthentication, pending_time: e.pending_time,
                expiration_time: iso(e.expiration_time), last_updated_time: iso(e.last_updated_time),
              },
            };
          },
          delete: async (_r, d) => {
            if (!d.str('instance_id')) throw badRequest('missing instance_id');
            await storage.delete(PREFIX + d.str('instance_id'));
            return null;
          },
        },
      },
    );
  }
  for (const name of ['tidy/identity-accesslist', 'tidy/identity-whitelist']) {
    paths.push({
      pattern: name,
      fields: { safety_buffer: { type: 'duration', default: 259200, description: 'The amount of extra time that must have passed beyond the identity\'s expiration, before it is removed from the backend storage.' } },
      synopsis: 'Clean-up the access list instance identity entries.',
      operations: {
        update: async (_r, d) => {
          const buffer = d.int('safety_buffer') * 1000;
          for (const id of await storage.list(PREFIX)) {
            const e = await readAccessEntry(storage, id);
            if (!e || clock.now() > e.expiration_time + buffer) await storage.delete(PREFIX + id);
          }
          // Vault runs this in the background and answers 202; here it is done by the time we answer.
          return { status: 202, warnings: ["Tidy operation successfully started. Any information from the operation will be printed to Vault's server logs."] };
        },
      },
    });
  }
  return paths;
}
