/**
 * `batch_input` as Vault handles it: each item succeeds or carries its own `error`, and the
 * status says whether any item failed (400 for a user error, 500 for an internal one, or the
 * client's `partial_failure_response_code` when some items did succeed).
 */
import type { FieldData, FieldSchema } from '../../framework/fields.js';
import type { Request, Response } from '../../framework/types.js';
import { CofferError, badRequest } from '../../lib/errors.js';

export type BatchItem = Record<string, string | number>;

export const batchFields: Record<string, FieldSchema> = {
  batch_input: { type: 'any', description: 'A list of items, each with the fields of a single request.' },
  partial_failure_response_code: { type: 'int', description: 'HTTP status to answer with when some items failed and some succeeded.' },
};

/** Parses batch_input: a list of objects whose listed fields are strings or integers as declared. */
export function parseBatch(raw: unknown, kinds: Record<string, 'string' | 'int'>): BatchItem[] {
  let v = raw;
  if (typeof v === 'string') {
    try { v = JSON.parse(v); } catch { throw badRequest('failed to parse batch input: expected a JSON list'); }
  }
  if (!Array.isArray(v)) throw badRequest('failed to parse batch input: expected a list');
  return v.map((item, i) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) throw badRequest(`failed to parse batch input: '[${i}]' expected a map`);
    const out: BatchItem = {};
    for (const [k, val] of Object.entries(item as Record<string, unknown>)) {
      const kind = kinds[k];
      if (kind === 'int') {
        const n = typeof val === 'string' && /^-?\d+$/.test(val) ? Number(val) : val;
        if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw badRequest(`failed to parse batch input: '[${i}].${k}' expected an integer`);
        out[k] = n;
      } else if (kind === 'string' || k === 'reference') {
        if (typeof val !== 'string' && typeof val !== 'number' && typeof val !== 'boolean') throw badRequest(`failed to parse batch input: '[${i}].${k}' expected a string`);
        out[k] = String(val);
      }
    }
    return out;
  });
}

export const str = (item: BatchItem, k: string) => (typeof item[k] === 'string' ? (item[k] as string) : '');
export const int = (item: BatchItem, k: string) => (typeof item[k] === 'number' ? (item[k] as number) : 0);

/** The message an item's failure shows and whether it was the client's fault. */
export function itemError(e: unknown): { message: string; user: boolean } {
  if (e instanceof CofferError) return { message: e.message, user: e.status < 500 };
  // Anything unexpected: no detail (it could carry key material), as core does for 500s.
  return { message: 'internal error', user: false };
}

export class BatchOutcome {
  user = false;
  internal = false;
  successes = false;

  fail(e: unknown): string {
    const { message, user } = itemError(e);
    if (user) this.user = true; else this.internal = true;
    return message;
  }

  /**
   * Applies Vault's status rules to a batch reply. A failing batch is, as in Vault, a raw JSON
   * reply with the status and the usual envelope around the results; it also carries the items'
   * messages in `errors`, so every 4xx from Coffer has the errors array clients look for.
   */
  respond(resp: Response, d: FieldData, req: Request): Response {
    if (!this.user && !this.internal) return resp;
    let status = this.user ? 400 : 500;
    const override = d.getOk<number>('partial_failure_response_code');
    if (override !== undefined && this.successes) {
      if (override < 1 || override > 599) {
        resp.warnings = [...(resp.warnings ?? []), `invalid HTTP response code override from partial_failure_response_code, reverting to ${status}`];
      } else {
        status = override;
      }
    }
    const results = ((resp.data?.batch_results ?? []) as { error?: unknown }[]);
    const errors = [...new Set(results.map((r) => r.error).filter((e): e is string => typeof e === 'string' && e !== ''))];
    const body = {
      request_id: req.id, lease_id: '', renewable: false, lease_duration: 0, data: resp.data ?? null, wrap_info: null,
      warnings: resp.warnings?.length ? resp.warnings : null, auth: null, mount_type: req.mountType ?? '', errors,
    };
    return { raw: { status, contentType: 'application/json', body: JSON.stringify(body) }, data: resp.data, status };
  }
}
