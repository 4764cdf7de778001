/**
 * The `cubbyhole` secrets engine: a private KV v1 store per token. Each token's data lives
 * under a folder named by an HMAC of the token id (salt kept in the mount's view), so storage
 * keys never reveal a token, and no token can name another token's folder. The folder is
 * removed when the token is revoked.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { BackendContext, BackendDef } from '../../framework/backend.js';
import type { LogicalStorage, Request } from '../../framework/types.js';
import { badRequest } from '../../lib/errors.js';
import { passthroughPath } from '../kv/v1.js';

const SALT_KEY = 'salt';
const HELP = `The cubbyhole secrets engine gives every token its own private key/value store.
A token can only see what it wrote itself; nothing can be shared. When the token is revoked
(or expires), everything it stored here is deleted.`;

/** The salt per storage view: read once, or created on first use. */
const salts = new WeakMap<LogicalStorage, Promise<Buffer>>();

function salt(storage: LogicalStorage): Promise<Buffer> {
  let s = salts.get(storage);
  if (!s) {
    s = (async () => {
      const existing = await storage.get(SALT_KEY);
      if (existing) return Buffer.from(existing);
      const fresh = randomBytes(32);
      await storage.put(SALT_KEY, fresh);
      return fresh;
    })();
    s.catch(() => salts.delete(storage));
    salts.set(storage, s);
  }
  return s;
}

/** The storage folder (with trailing slash) holding one token's cubbyhole. */
export async function cubbyholeFolder(storage: LogicalStorage, tokenId: string): Promise<string> {
  return createHmac('sha256', await salt(storage)).update(tokenId).digest('hex') + '/';
}

/**
 * Deletes everything a token stored in its cubbyhole. `storage` is the cubbyhole mount's view
 * and `tokenId` the token's id (TokenEntry.id). Idempotent. Core calls it from the token
 * store's revoke hook (src/server/builtins.ts).
 */
export async function destroyCubbyhole(storage: LogicalStorage, tokenId: string): Promise<void> {
  if (!tokenId) return;
  await storage.clear(await cubbyholeFolder(storage, tokenId));
}

export function cubbyholeFactory(ctx: BackendContext): BackendDef {
  const scope = async (req: Request): Promise<string> => {
    const token = req.token;
    if (!token?.id) throw badRequest('client token empty');
    if (token.type === 'batch') throw badRequest("cubbyhole operations are only supported by 'service' type tokens");
    return cubbyholeFolder(ctx.storage, token.id);
  };
  return {
    help: HELP,
    paths: [passthroughPath({ scope, storage: ctx.storage, readResponse: (data) => ({ data }) },
      "Read and write arbitrary data in the calling token's private storage.")],
    async init() {
      await salt(ctx.storage);
    },
  };
}
