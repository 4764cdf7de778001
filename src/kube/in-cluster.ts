/**
 * What a pod knows about its cluster: the projected service-account token and CA under
 * /var/run/secrets/kubernetes.io/serviceaccount, and KUBERNETES_SERVICE_HOST/PORT. The token file is
 * rotated by the kubelet, so it is re-read at most every minute (the CA every hour) and never stored.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Where the files are; tests point it elsewhere (in a pod it is this fixed path). */
export const serviceAccountMount = { dir: '/var/run/secrets/kubernetes.io/serviceaccount' };

export const localTokenPath = () => join(serviceAccountMount.dir, 'token');
export const localCAPath = () => join(serviceAccountMount.dir, 'ca.crt');

/** A file read at most once per `ttlMs`; a failed read is not cached. */
export class CachingFileReader {
  private cached?: { at: number; value: string };

  constructor(private readonly path: () => string, private readonly ttlMs: number, private readonly now: () => number = Date.now) {}

  async read(): Promise<string> {
    if (this.cached && this.now() - this.cached.at < this.ttlMs) return this.cached.value;
    const value = (await readFile(this.path(), 'utf8')).trim();
    this.cached = { at: this.now(), value };
    return value;
  }
}

export function localReaders(now: () => number = Date.now): { token: CachingFileReader; ca: CachingFileReader } {
  return { token: new CachingFileReader(localTokenPath, 60_000, now), ca: new CachingFileReader(localCAPath, 3_600_000, now) };
}

/** https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT_HTTPS, or undefined outside a pod. */
export function inClusterHost(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT_HTTPS;
  if (!host || !port) return undefined;
  return `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
