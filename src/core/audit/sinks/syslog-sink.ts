/**
 * The syslog audit device's sink: each entry is one message at severity info in the chosen
 * `facility` (default AUTH) under `tag` (default "vault"), in the local syslog format
 * `<PRI>Mmm dd hh:mm:ss tag[pid]: entry`. Node cannot open the datagram socket /dev/log
 * usually is, so local delivery tries the stream sockets syslog daemons offer and falls back
 * to UDP on 127.0.0.1:514. `address` (host:port, UDP) is a Coffer extension to name a
 * collector directly.
 */
import { existsSync } from 'node:fs';
import type { AuditSink } from './sink.js';
import { SocketSink } from './socket-sink.js';

const FACILITIES: Record<string, number> = {
  KERN: 0, USER: 1, MAIL: 2, DAEMON: 3, AUTH: 4, SYSLOG: 5, LPR: 6, NEWS: 7, UUCP: 8, CRON: 9, AUTHPRIV: 10, FTP: 11,
  LOCAL0: 16, LOCAL1: 17, LOCAL2: 18, LOCAL3: 19, LOCAL4: 20, LOCAL5: 21, LOCAL6: 22, LOCAL7: 23,
};
const SEVERITY_INFO = 6;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const LOCAL_SOCKETS = ['/dev/log', '/var/run/syslog', '/var/run/log'];

export class SyslogSink implements AuditSink {
  private constructor(private readonly priority: number, private readonly tag: string, private readonly targets: SocketSink[]) {}

  static create(options: Record<string, string>): SyslogSink {
    const facility = (options.facility || 'AUTH').toUpperCase();
    const code = FACILITIES[facility];
    if (code === undefined) throw new Error(`invalid syslog facility "${options.facility}"`);
    const tag = options.tag || 'vault';
    const targets = options.address
      ? [SocketSink.create({ address: options.address, socket_type: 'udp' })]
      : [...LOCAL_SOCKETS.filter((p) => existsSync(p)).map((p) => SocketSink.create({ address: p, socket_type: 'unix' })),
        SocketSink.create({ address: '127.0.0.1:514', socket_type: 'udp' })];
    return new SyslogSink(code * 8 + SEVERITY_INFO, tag, targets);
  }

  format(entry: string, now = new Date()): string {
    const d = now;
    const stamp = `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${[d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':')}`;
    return `<${this.priority}>${stamp} ${this.tag}[${process.pid}]: ${entry.replace(/\n$/, '')}\n`;
  }

  async write(line: string): Promise<void> {
    const msg = this.format(line);
    let last: Error | undefined;
    for (const t of this.targets) {
      try {
        await t.write(msg);
        return;
      } catch (e) {
        last = e as Error;
      }
    }
    throw last ?? new Error('no syslog target');
  }

  async reload(): Promise<void> {
    for (const t of this.targets) await t.reload();
  }

  async close(): Promise<void> {
    for (const t of this.targets) await t.close();
  }
}
