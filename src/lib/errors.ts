/**
 * Errors are data: a user error carries the HTTP status and the message Vault would give,
 * everything else becomes a 500 that names only the request id (no secret can leak through it).
 */
export class CofferError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Extra messages shown in Vault's `errors` array after the first. */
    readonly details: string[] = [],
  ) {
    super(message);
    this.name = 'CofferError';
  }
}

export const badRequest = (msg: string) => new CofferError(400, msg);
export const permissionDenied = () => new CofferError(403, 'permission denied');
export const notFound = (msg = '') => new CofferError(404, msg);
export const unsupportedOperation = () => new CofferError(405, 'unsupported operation');
export const sealed = () => new CofferError(503, 'Vault is sealed');
export const internal = (msg: string) => new CofferError(500, msg);

export function isCofferError(e: unknown): e is CofferError {
  return e instanceof CofferError;
}
