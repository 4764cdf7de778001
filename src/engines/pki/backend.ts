/**
 * Vault's PKI secrets engine: CAs (generated, imported, signed elsewhere), roles, issuing and
 * signing, revocation with CRLs and an OCSP responder, tidy. This file is the table; each
 * group of paths lives in its own file.
 */
import type { BackendDef, BackendFactory } from '../../framework/backend.js';
import { CrlBuilder } from './crl-builder.js';
import type { PkiEnv } from './env.js';
import { configPaths } from './path-config.js';
import { crlPaths } from './path-crl.js';
import { fetchPaths } from './path-fetch.js';
import { intermediatePaths } from './path-intermediate.js';
import { issuePaths } from './path-issue.js';
import { issuerPaths } from './path-issuers.js';
import { keyPaths } from './path-keys.js';
import { ocspPaths } from './path-ocsp.js';
import { revokePaths, revokeSerial } from './path-revoke.js';
import { rolePaths } from './path-roles.js';
import { rootPaths } from './path-root.js';
import { maybeAutoTidy, Tidy, tidyPaths } from './path-tidy.js';
import { PkiStore } from './store.js';

const PERIODIC_MS = 60_000;

export interface PkiOptions {
  /** Injected clock (ms); tests move time. */
  now?: () => number;
  /** How often CRL auto-rebuild, delta CRLs and auto-tidy are looked after (Vault: once a minute). */
  periodicMs?: number;
}

export function makePkiFactory(opts: PkiOptions = {}): BackendFactory {
  return (ctx): BackendDef => {
    const now = opts.now ?? (() => Date.now());
    const store = new PkiStore(ctx.storage);
    const crl = new CrlBuilder(store, now, ctx.logger);
    const env: PkiEnv = { store, ctx, now, crl };
    const tidy = new Tidy(env);
    const startedAt = now();
    let timer: NodeJS.Timeout | undefined;
    const periodic = async () => {
      try {
        await crl.periodic();
        await maybeAutoTidy(env, tidy, startedAt);
      } catch (e) {
        ctx.logger.error({ err: (e as Error).message }, 'pki: periodic CRL/tidy work failed');
      }
    };
    return {
      help: 'The PKI backend dynamically generates X509 server and client certificates.',
      unauthenticatedPaths: [
        'cert/*', 'ca/pem', 'ca_chain', 'ca', 'crl/delta', 'crl/delta/pem', 'crl/pem', 'crl', 'issuer/+/crl/der', 'issuer/+/crl/pem',
        'issuer/+/crl', 'issuer/+/crl/delta/der', 'issuer/+/crl/delta/pem', 'issuer/+/crl/delta', 'issuer/+/pem', 'issuer/+/der',
        'issuer/+/json', 'issuers', 'issuers/', 'ocsp', 'ocsp/*',
      ],
      rootPaths: ['root', 'root/sign-self-issued'],
      paths: [
        ...rolePaths(store),
        ...issuePaths(env),
        ...rootPaths(env),
        ...intermediatePaths(env),
        ...issuerPaths(env),
        ...keyPaths(env),
        ...fetchPaths(env, crl),
        ...revokePaths(env),
        ...crlPaths(env, crl),
        ...ocspPaths(env),
        ...tidyPaths(env, tidy),
        ...configPaths(env),
      ],
      secrets: [{
        type: 'pki',
        // Leased certificates are revoked with their lease (Vault's secret_certs.go).
        revoke: async (req) => {
          const serial = String(req.secret?.internal.serial_number ?? '');
          if (!serial) return;
          try {
            await revokeSerial(env, serial);
          } catch (e) {
            // A certificate tidied away or already expired has nothing left to revoke.
            ctx.logger.warn({ serial_number: serial, err: (e as Error).message }, 'pki: lease revocation found nothing to revoke');
          }
        },
      }],
      async init() {
        timer = setInterval(() => void periodic(), opts.periodicMs ?? PERIODIC_MS);
        timer.unref();
      },
      async cleanup() {
        if (timer) clearInterval(timer);
        await tidy.running;
      },
    };
  };
}

export const pkiFactory: BackendFactory = makePkiFactory();
