/**
 * Vault's transit secrets engine: encryption as a service. Keys never leave storage unless
 * made exportable; clients send plaintext or ciphertext and get the other back. This file is
 * the table and the auto-rotation timer; each group of paths lives in its own file.
 */
import type { BackendDef, BackendFactory } from '../../framework/backend.js';
import type { TransitEnv } from './env.js';
import { backupPaths } from './path-backup.js';
import { configPaths } from './path-config.js';
import { datakeyPaths } from './path-datakey.js';
import { encryptPaths } from './path-encrypt.js';
import { exportPaths } from './path-export.js';
import { hmacPaths } from './path-hmac.js';
import { keyPaths } from './path-keys.js';
import { signPaths } from './path-sign.js';
import { toolPaths } from './path-tools.js';
import { rotate } from './policy.js';
import { TransitStore } from './store.js';

export interface TransitOptions {
  /** Injected clock (ms); tests move time. */
  now?: () => number;
  /** How often keys due for auto-rotation are looked for (Vault's periodic function: about once a minute). */
  periodicMs?: number;
}

/** Rotates every key whose auto_rotate_period has passed since its latest version was made. */
export async function autoRotate(env: TransitEnv): Promise<string[]> {
  const rotated: string[] = [];
  for (const name of await env.store.list()) {
    await env.store.exclusive(name, async () => {
      const p = await env.store.get(name);
      if (!p || p.auto_rotate_period <= 0) return;
      const latest = p.keys[String(p.latest_version)];
      if (!latest || env.now() - latest.time < p.auto_rotate_period * 1000) return;
      await rotate(p, env.now());
      await env.store.put(p);
      rotated.push(name);
    });
  }
  return rotated;
}

export function makeTransitFactory(opts: TransitOptions = {}): BackendFactory {
  return (ctx): BackendDef => {
    const env: TransitEnv = { store: new TransitStore(ctx.storage), storage: ctx.storage, now: opts.now ?? (() => Date.now()) };
    let timer: NodeJS.Timeout | undefined;
    return {
      help: 'The transit backend provides encryption and decryption as a service: it never stores the data it handles.',
      paths: [
        ...keyPaths(env),
        ...encryptPaths(env),
        ...datakeyPaths(env),
        ...hmacPaths(env),
        ...signPaths(env),
        ...exportPaths(env),
        ...backupPaths(env),
        ...toolPaths(),
        ...configPaths(ctx.storage),
      ],
      async init() {
        timer = setInterval(() => {
          autoRotate(env).catch((e: Error) => ctx.logger.error({ err: e.message }, 'transit: auto-rotation failed'));
        }, opts.periodicMs ?? 60_000);
        timer.unref();
      },
      async cleanup() {
        if (timer) clearInterval(timer);
        timer = undefined;
      },
    };
  };
}

export const transitFactory: BackendFactory = makeTransitFactory();
