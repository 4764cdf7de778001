/** Where a device's formatted entries go. A write that throws means "this device did not record it". */
export interface AuditSink {
  write(line: string): Promise<void>;
  /** SIGHUP: reopen files, reconnect sockets. */
  reload(): Promise<void>;
  close(): Promise<void>;
}

export function parseBool(name: string, v: string | undefined, dflt: boolean): boolean {
  if (v === undefined || v === '') return dflt;
  const s = v.trim().toLowerCase();
  if (['true', '1', 't'].includes(s)) return true;
  if (['false', '0', 'f'].includes(s)) return false;
  throw new Error(`strconv.ParseBool: parsing "${v}": invalid syntax (option ${name})`);
}

/** Rejects after ms: a socket that neither accepts nor fails must not hold requests forever. */
export function timeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => { t = setTimeout(() => reject(new Error(`${what}: i/o timeout after ${ms} ms`)), ms); }),
  ]).finally(() => clearTimeout(t));
}
