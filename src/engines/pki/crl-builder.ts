/**
 * Building the mount's CRLs. Issuers that share a subject and key share one CRL (Vault's
 * CRL-ID); a revoked certificate goes on the CRL of the issuer that signed it, or the
 * default issuer's when that issuer is gone; a revoked issuer goes on its parent's CRL.
 * Complete and delta CRLs share one number sequence per CRL, as RFC 5280 requires.
 */
import { createHash } from 'node:crypto';
import { parseDuration } from '../../lib/duration.js';
import type { Logger } from '../../lib/logger.js';
import type { CrlRebuilder } from './env.js';
import type { LoadedIssuer, PkiStore } from './store.js';
import type { IssuerEntry } from './types.js';
import { createCRL, type CrlEntry } from './x509/crl.js';
import { publicKeyFromSpki, verifySignature } from './x509/keys.js';

export function crlIdOf(issuer: IssuerEntry, subjectDer: Buffer): string {
  if (!issuer.key_id) return '';
  return createHash('sha256').update(issuer.key_id).update(subjectDer).digest('hex').slice(0, 32);
}

interface Group { id: string; issuers: LoadedIssuer[]; signer?: LoadedIssuer }

export class CrlBuilder implements CrlRebuilder {
  private dirty = false;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly store: PkiStore, private readonly now: () => number, private readonly logger: Logger) {}

  /** Runs builds one at a time: CRL numbers must never be handed out twice. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async groups(): Promise<Map<string, Group>> {
    const out = new Map<string, Group>();
    for (const entry of await this.store.listIssuers()) {
      const li = await this.store.loadIssuer(entry.id);
      if (!li || !li.key) continue;
      const id = crlIdOf(entry, li.cert.subject.der);
      const g = out.get(id) ?? { id, issuers: [] };
      g.issuers.push(li);
      out.set(id, g);
    }
    for (const g of out.values()) {
      const able = g.issuers.filter((i) => i.entry.usage.includes('crl-signing')).sort((a, b) => b.cert.notAfter - a.cert.notAfter);
      g.signer = able[0];
    }
    return out;
  }

  private async entriesByGroup(groups: Map<string, Group>): Promise<Map<string, (CrlEntry & { at: number })[]>> {
    const byIssuer = new Map<string, string>();
    for (const g of groups.values()) for (const i of g.issuers) byIssuer.set(i.entry.id, g.id);
    const defaultId = await this.store.resolveIssuerRef('default');
    const fallback = defaultId ? byIssuer.get(defaultId) : undefined;
    const out = new Map<string, (CrlEntry & { at: number })[]>();
    const add = (gid: string | undefined, e: CrlEntry) => {
      if (!gid) return;
      out.set(gid, [...(out.get(gid) ?? []), { ...e, at: e.revokedAt }]);
    };
    const issuerSerials = new Set((await this.store.listIssuers()).map((i) => i.serial_number.replace(/:/g, '-')));
    for (const key of await this.store.listRevoked()) {
      // Revoked issuers are placed below, on their parent's CRL only.
      if (issuerSerials.has(key)) continue;
      const r = await this.store.getRevoked(key);
      if (!r) continue;
      const serial = Buffer.from(key.replace(/-/g, ''), 'hex');
      add(byIssuer.get(r.issuer_id) ?? fallback, { serial, revokedAt: r.revocation_time * 1000 });
    }
    // Revoked issuers appear on the CRL of whichever issuer signed them.
    for (const entry of await this.store.listIssuers()) {
      if (!entry.revoked) continue;
      const li = await this.store.loadIssuer(entry.id);
      if (!li) continue;
      for (const g of groups.values()) {
        const parent = g.issuers[0]!;
        if (parent.entry.id === entry.id || !li.cert.issuer.der.equals(parent.cert.subject.der)) continue;
        if (!verifySignature(li.cert.sigAlg, li.cert.tbs, li.cert.signature, publicKeyFromSpki(parent.cert.spki))) continue;
        add(g.id, { serial: li.cert.serial, revokedAt: entry.revocation_time * 1000 });
      }
    }
    return out;
  }

  rebuild(): Promise<string[]> {
    return this.serial(async () => {
      const cfg = await this.store.crlConfig();
      const groups = await this.groups();
      const entries = await this.entriesByGroup(groups);
      const state = structuredClone(await this.store.crlState());
      const now = this.now();
      const expiry = parseDuration(cfg.expiry) * 1000;
      const warnings: string[] = [];
      for (const g of groups.values()) {
        if (!g.signer) {
          warnings.push(`Issuer equivalency set with associated keys lacked an issuer with CRL Signing capabilities; unable to build CRL for issuers: ${g.issuers.map((i) => i.entry.id).join(',')}`);
          continue;
        }
        const number = (state.numbers[g.id] ?? 0) + 1;
        const list = cfg.disable ? [] : (entries.get(g.id) ?? []);
        const der = await createCRL({
          issuerName: g.signer.cert.subject.der, issuerKeyId: g.signer.cert.skid, thisUpdate: now, nextUpdate: now + expiry, number,
          entries: list.sort((a, b) => a.at - b.at),
        }, g.signer.crlSigner());
        await this.store.putCrl(g.id, der);
        state.numbers[g.id] = number;
        state.built[g.id] = now;
        state.next[g.id] = now + expiry;
        if (cfg.enable_delta) await this.buildDelta(g, [], number, state, now);
      }
      await this.store.putCrlState(state);
      this.dirty = false;
      return warnings;
    });
  }

  private async buildDelta(g: Group, list: CrlEntry[], base: number, state: { numbers: Record<string, number>; deltaBuilt: Record<string, number> }, now: number): Promise<void> {
    const cfg = await this.store.crlConfig();
    const number = (state.numbers[g.id] ?? base) + 1;
    const der = await createCRL({
      issuerName: g.signer!.cert.subject.der, issuerKeyId: g.signer!.cert.skid, thisUpdate: now,
      nextUpdate: now + parseDuration(cfg.expiry) * 1000, number, entries: list, deltaBase: base,
    }, g.signer!.crlSigner());
    await this.store.putCrl(`${g.id}-delta`, der);
    state.numbers[g.id] = number;
    state.deltaBuilt[g.id] = now;
  }

  /** Delta CRLs: the revocations since the last complete CRL. */
  rebuildDeltas(): Promise<void> {
    return this.serial(async () => {
      const cfg = await this.store.crlConfig();
      if (!cfg.enable_delta) return;
      const groups = await this.groups();
      const entries = await this.entriesByGroup(groups);
      const state = structuredClone(await this.store.crlState());
      const now = this.now();
      for (const g of groups.values()) {
        if (!g.signer || state.built[g.id] === undefined) continue;
        const since = state.built[g.id]!;
        const list = cfg.disable ? [] : (entries.get(g.id) ?? []).filter((e) => e.at >= Math.floor(since / 1000) * 1000);
        const base = state.numbers[g.id] ?? 0;
        await this.buildDelta(g, list, base, state, now);
      }
      await this.store.putCrlState(state);
    });
  }

  async onRevocation(): Promise<string[]> {
    const cfg = await this.store.crlConfig();
    if (cfg.auto_rebuild) {
      this.dirty = true;
      if (cfg.enable_delta) await this.rebuildDeltas();
      return [];
    }
    return this.rebuild();
  }

  /** Called once a minute: auto-rebuild before expiry (or after revocations), and delta CRLs. */
  async periodic(): Promise<void> {
    const cfg = await this.store.crlConfig();
    const now = this.now();
    if (cfg.auto_rebuild) {
      const state = await this.store.crlState();
      const grace = parseDuration(cfg.auto_rebuild_grace_period) * 1000;
      const due = Object.values(state.next).some((n) => n - now <= grace);
      const missing = (await this.groups()).size > Object.keys(state.built).length;
      if (this.dirty || due || missing) await this.rebuild();
    }
    if (cfg.enable_delta) {
      const state = await this.store.crlState();
      const interval = parseDuration(cfg.delta_rebuild_interval) * 1000;
      if (Object.values(state.deltaBuilt).some((t) => now - t >= interval)) await this.rebuildDeltas();
    }
  }

  /** The stored CRL for an issuer (DER), if one was built. */
  async crlFor(issuer: IssuerEntry, delta = false): Promise<Uint8Array | undefined> {
    const li = await this.store.loadIssuer(issuer.id);
    if (!li) return undefined;
    const id = crlIdOf(issuer, li.cert.subject.der);
    if (!id) return undefined;
    return this.store.getCrl(delta ? `${id}-delta` : id);
  }
}

