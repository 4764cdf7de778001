/**
 * The socket audit device's sink: one connection (tcp, udp or unix) kept open; a failed
 * write reconnects and retries once, as Vault does. `write_timeout` (default 2s) bounds
 * connecting and writing, so a stuck collector fails the write instead of the server.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createConnection, type Socket } from 'node:net';
import { parseDuration } from '../../../lib/duration.js';
import { timeout, type AuditSink } from './sink.js';

type Kind = 'tcp' | 'udp' | 'unix';

export class SocketSink implements AuditSink {
  private tcp: Socket | undefined;
  private udp: UdpSocket | undefined;

  private constructor(readonly address: string, readonly kind: Kind, private readonly timeoutMs: number) {}

  static create(options: Record<string, string>): SocketSink {
    const address = options.address;
    if (!address) throw new Error('address is required');
    const kind = (options.socket_type || 'tcp') as Kind;
    if (!['tcp', 'udp', 'unix'].includes(kind)) throw new Error(`unsupported socket_type "${kind}"`);
    let ms = 2000;
    if (options.write_timeout) {
      try { ms = parseDuration(options.write_timeout) * 1000; } catch { throw new Error(`invalid write_timeout "${options.write_timeout}"`); }
    }
    if (kind !== 'unix') splitHostPort(address);
    return new SocketSink(address, kind, ms);
  }

  private async connect(): Promise<void> {
    if (this.kind === 'udp') {
      if (this.udp) return;
      const [host, port] = splitHostPort(this.address);
      const s = createSocket(host.includes(':') ? 'udp6' : 'udp4');
      s.on('error', () => this.reset());
      await timeout(new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.connect(port, host, () => { s.off('error', reject); resolve(); });
      }), this.timeoutMs, `dial udp ${this.address}`);
      this.udp = s;
      return;
    }
    if (this.tcp && !this.tcp.destroyed) return;
    const s = this.kind === 'unix' ? createConnection({ path: this.address }) : (() => {
      const [host, port] = splitHostPort(this.address);
      return createConnection({ host, port });
    })();
    s.on('error', () => this.reset());
    s.on('close', () => { if (this.tcp === s) this.tcp = undefined; });
    try {
      await timeout(new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.once('connect', () => { s.off('error', reject); resolve(); });
      }), this.timeoutMs, `dial ${this.kind} ${this.address}`);
    } catch (e) {
      s.destroy();
      throw e;
    }
    s.setNoDelay(true);
    this.tcp = s;
  }

  private async send(line: string): Promise<void> {
    await this.connect();
    if (this.udp) {
      const u = this.udp;
      await timeout(new Promise<void>((resolve, reject) => u.send(Buffer.from(line), (e) => (e ? reject(e) : resolve()))), this.timeoutMs, 'write');
      return;
    }
    const s = this.tcp!;
    await timeout(new Promise<void>((resolve, reject) => s.write(line, (e) => (e ? reject(e) : resolve()))), this.timeoutMs, 'write');
  }

  async write(line: string): Promise<void> {
    try {
      await this.send(line);
    } catch {
      this.reset();
      await this.send(line);
    }
  }

  private reset(): void {
    this.tcp?.destroy();
    this.tcp = undefined;
    try { this.udp?.close(); } catch { /* closed already */ }
    this.udp = undefined;
  }

  async reload(): Promise<void> {
    this.reset();
  }

  async close(): Promise<void> {
    this.reset();
  }
}

export function splitHostPort(address: string): [string, number] {
  const i = address.lastIndexOf(':');
  if (i <= 0) throw new Error(`address ${address}: missing port in address`);
  const host = address.slice(0, i).replace(/^\[|\]$/g, '');
  const port = Number(address.slice(i + 1));
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`address ${address}: invalid port`);
  return [host, port];
}
