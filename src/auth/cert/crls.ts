/**
 * CRLs for cert auth (Vault's `crls/<name>`): the serial numbers of uploaded (or fetched) CRLs.
 * A login whose verified chain holds a listed serial is refused. As in Vault, a CRL is trusted
 * as uploaded: its signature and dates are not checked, and a stale one stays until replaced
 * or deleted.
 */
import * as asn1js from 'asn1js';
import type { PathDef } from '../../framework/backend.js';
import type { LogicalStorage } from '../../framework/types.js';
import { children, type Block } from '../../lib/asn1.js';
import { badRequest } from '../../lib/errors.js';

interface CrlEntry {
  serials: Record<string, Record<string, never>>;
  cdp: { url: string; valid_until: string } | null;
}

const isTime = (b: Block | undefined) => b instanceof asn1js.UTCTime || b instanceof asn1js.GeneralizedTime;

/** A PEM "X509 CRL" block or DER bytes. */
function crlDer(input: Uint8Array): Uint8Array {
  const text = Buffer.from(input).toString('latin1');
  const m = /-----BEGIN X509 CRL-----([\s\S]*?)-----END X509 CRL-----/.exec(text);
  return m ? Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64') : input;
}

/** The revoked serials (decimal, as Vault keys them) and nextUpdate of a CRL. */
export function parseCrl(input: Uint8Array): { serials: string[]; nextUpdate: Date | undefined } {
  const der = crlDer(input);
  const { offset, result } = asn1js.fromBER(new Uint8Array(der).buffer);
  const tbs = children(result)[0];
  const f = children(tbs);
  if (offset === -1 || !(result instanceof asn1js.Sequence) || !(tbs instanceof asn1js.Sequence) || f.length < 3) {
    throw badRequest('failed to parse CRL: not a DER or PEM encoded X.509 CRL');
  }
  let i = f[0] instanceof asn1js.Integer ? 1 : 0;
  i += 2; // signature algorithm, issuer
  if (!isTime(f[i])) throw badRequest('failed to parse CRL: missing thisUpdate');
  i++;
  let nextUpdate: Date | undefined;
  if (isTime(f[i])) nextUpdate = (f[i++] as asn1js.UTCTime).toDate();
  const serials: string[] = [];
  if (f[i] instanceof asn1js.Sequence) {
    for (const revoked of children(f[i])) {
      const serial = children(revoked)[0];
      if (!(serial instanceof asn1js.Integer)) throw badRequest('failed to parse CRL: a revoked entry has no serial number');
      serials.push(serial.toBigInt().toString(10));
    }
  }
  return { serials, nextUpdate };
}

const crlKey = (name: string) => `crls/${name}`;

/** The CRLs of one mount, kept in memory once read; every write and delete goes through here. */
export class CrlStore {
  private cache: Map<string, CrlEntry> | undefined;

  constructor(private readonly storage: LogicalStorage) {}

  private async all(): Promise<Map<string, CrlEntry>> {
    if (!this.cache) {
      const loaded = new Map<string, CrlEntry>();
      for (const name of await this.storage.list('crls/')) {
        const e = await this.storage.getJSON<CrlEntry>(crlKey(name));
        if (e) loaded.set(name, e);
      }
      this.cache = loaded;
    }
    return this.cache;
  }

  /** True when any CRL lists one of these serials (decimal strings). */
  async anyRevoked(serials: string[]): Promise<boolean> {
    for (const e of (await this.all()).values()) if (serials.some((s) => s in e.serials)) return true;
    return false;
  }

  async put(name: string, der: Uint8Array, cdp: CrlEntry['cdp']): Promise<void> {
    const { serials, nextUpdate } = parseCrl(der);
    const entry: CrlEntry = { serials: Object.fromEntries(serials.map((s) => [s, {}])), cdp: cdp && { ...cdp, valid_until: nextUpdate?.toISOString() ?? '' } };
    const all = await this.all();
    await this.storage.putJSON(crlKey(name), entry);
    all.set(name, entry);
  }

  async get(name: string): Promise<CrlEntry | undefined> {
    return (await this.all()).get(name);
  }

  async delete(name: string): Promise<boolean> {
    const all = await this.all();
    if (!all.has(name)) return false;
    await this.storage.delete(crlKey(name));
    all.delete(name);
    return true;
  }

  async names(): Promise<string[]> {
    return [...(await this.all()).keys()].sort();
  }
}

async function fetchCrl(url: string): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  } catch (e) {
    throw badRequest(`error fetching CRL from ${url}: ${(e as Error).message}`);
  }
  if (!res.ok) throw badRequest(`error fetching CRL from ${url}: status ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

export function crlPaths(crls: CrlStore): PathDef[] {
  const nameOf = (v: string) => {
    const name = v.toLowerCase();
    if (!name) throw badRequest("'name' parameter cannot be empty");
    return name;
  };
  return [
    {
      pattern: 'crls',
      operations: { list: async () => ({ data: { keys: await crls.names() } }) },
      synopsis: 'Lists the CRLs checked during authentication.',
    },
    {
      pattern: 'crls/:name',
      fields: {
        name: { type: 'string' },
        crl: { type: 'string', description: 'The CRL, PEM or DER encoded.' },
        url: { type: 'string', description: 'The URL of a CRL distribution point to fetch the CRL from.' },
      },
      operations: {
        read: async (_r, d) => {
          const name = nameOf(d.str('name'));
          const e = await crls.get(name);
          if (!e) throw badRequest(`no such CRL ${name}`);
          const data: Record<string, unknown> = {};
          if (Object.keys(e.serials).length > 0) data.serials = e.serials;
          if (e.cdp) data.cdp = e.cdp;
          return { data };
        },
        update: async (_r, d) => {
          const name = nameOf(d.str('name'));
          if (d.has('crl')) await crls.put(name, Buffer.from(d.str('crl'), 'latin1'), null);
          else if (d.has('url')) {
            const url = d.str('url');
            if (!url) throw badRequest('empty CRL url');
            try { new URL(url); } catch { throw badRequest(`invalid CRL url: ${url}`); }
            await crls.put(name, await fetchCrl(url), { url, valid_until: '' });
          } else throw badRequest("one of 'crl' or 'url' must be provided");
          return null;
        },
        delete: async (_r, d) => {
          const name = nameOf(d.str('name'));
          if (!(await crls.delete(name))) throw badRequest(`no such CRL ${name}`);
          return null;
        },
      },
      synopsis: 'Manage Certificate Revocation Lists checked during authentication.',
    },
  ];
}
