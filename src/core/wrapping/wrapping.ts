/**
 * Response wrapping: a response is stored (encrypted) behind a single-use token and the
 * client gets only `wrap_info`. Whoever unwraps first gets the data; a second unwrap, or
 * an unwrap after the TTL, fails — so interception is detectable (secret-zero delivery).
 */
import { createHash } from 'node:crypto';
import { LogicalView } from '../../framework/logical.js';
import type { Request, Response, WrapInfo } from '../../framework/types.js';
import { badRequest } from '../../lib/errors.js';
import type { Core } from '../core.js';
import { envelope } from '../request/response-json.js';
import type { WrappingService } from '../services.js';
import type { TokenEntry } from '../tokens/token-entry.js';

interface WrapRecord {
  body: Record<string, unknown>;
  creation_path: string;
  creation_time: string;
  creation_ttl: number;
  wrapped_accessor?: string;
}

export const DEFAULT_WRAP_TTL = 300;

export class Wrapping implements WrappingService {
  private readonly view: LogicalView;
  constructor(private readonly core: Core) {
    this.view = new LogicalView(core.barrier, 'sys/wrapping/');
  }

  private key(token: string): string {
    return createHash('sha256').update(token).digest('hex');
  }

  async wrapBody(body: Record<string, unknown>, ttl: number, creationPath: string, wrappedAccessor?: string): Promise<WrapInfo> {
    const token = await this.core.tokens.create({
      policies: ['response-wrapping'], orphan: true, ttl, numUses: 1, renewable: false,
      path: creationPath, displayName: 'response-wrapping',
    });
    const creation = new Date(token.creation_time * 1000).toISOString();
    await this.view.putJSON(this.key(token.id), { body, creation_path: creationPath, creation_time: creation, creation_ttl: ttl, wrapped_accessor: wrappedAccessor } satisfies WrapRecord);
    return { token: token.id, accessor: token.accessor, ttl, creation_time: creation, creation_path: creationPath, ...(wrappedAccessor ? { wrapped_accessor: wrappedAccessor } : {}) };
  }

  async wrap(req: Request, resp: Response, ttl: number): Promise<Response> {
    const body = envelope(req, resp);
    const wrapInfo = await this.wrapBody(body, ttl, req.fullPath, resp.auth?.accessor);
    return { wrapInfo, mountType: resp.mountType };
  }

  private async live(token: string): Promise<{ entry: TokenEntry; record: WrapRecord }> {
    const entry = await this.core.tokens.lookup(token);
    const record = entry && entry.policies.includes('response-wrapping') ? await this.view.getJSON<WrapRecord>(this.key(token)) : undefined;
    if (!entry || !record) throw badRequest('wrapping token is not valid or does not exist');
    return { entry, record };
  }

  async lookup(token: string): Promise<Record<string, unknown>> {
    const { record } = await this.live(token);
    return { creation_path: record.creation_path, creation_time: record.creation_time, creation_ttl: record.creation_ttl };
  }

  /** Returns the wrapped envelope and destroys the wrapping token. */
  async unwrap(token: string): Promise<Record<string, unknown>> {
    const { entry, record } = await this.live(token);
    await this.view.delete(this.key(token));
    await this.core.tokens.revokeTree(entry);
    return record.body;
  }

  async rewrap(token: string): Promise<WrapInfo> {
    const { entry, record } = await this.live(token);
    const info = await this.wrapBody(record.body, record.creation_ttl, record.creation_path, record.wrapped_accessor);
    await this.view.delete(this.key(token));
    await this.core.tokens.revokeTree(entry);
    return info;
  }
}
