/**
 * Vault clients send the non-standard `LIST` verb. Node's HTTP parser only knows registered
 * methods and rejects it before any handler runs, so we catch that parse error, read the
 * request head ourselves, and serve it on a one-shot response (Connection: close). Every
 * other request keeps Node's native fast path.
 */
import { IncomingMessage, ServerResponse, type Server } from 'node:http';
import type { Socket } from 'node:net';

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

const MAX_HEAD = 64 * 1024;

function parseHead(head: string): { method: string; url: string; headers: Record<string, string> } | undefined {
  const lines = head.split('\r\n');
  const m = /^([A-Z]+) (\S+) HTTP\/1\.[01]$/.exec(lines[0] ?? '');
  if (!m) return undefined;
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const name = line.slice(0, i).trim().toLowerCase();
    const value = line.slice(i + 1).trim();
    headers[name] = headers[name] !== undefined ? `${headers[name]}, ${value}` : value;
  }
  return { method: m[1]!, url: m[2]!, headers };
}

function serve(socket: Socket, buffered: Buffer, handler: Handler): void {
  const end = buffered.indexOf('\r\n\r\n');
  const parsed = parseHead(buffered.subarray(0, end).toString('latin1'));
  if (!parsed) {
    socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  const req = new IncomingMessage(socket);
  req.method = parsed.method;
  req.url = parsed.url;
  req.headers = parsed.headers;
  req.httpVersion = '1.1';
  // A LIST request carries no body. Marking it complete keeps IncomingMessage from treating
  // the end of the stream as an aborted request (which would destroy the socket).
  req.complete = true;
  req.push(null);
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket);
  res.on('finish', () => socket.end());
  void handler(req, res);
}

export function acceptListVerb(server: Server, handler: Handler): void {
  server.on('clientError', (err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Socket) => {
    const raw = err.rawPacket;
    if (err.code !== 'HPE_INVALID_METHOD' || !raw || raw.subarray(0, 5).toString('latin1') !== 'LIST ') {
      if (!socket.writable) { socket.destroy(); return; }
      if (err.code === 'HPE_INVALID_METHOD') {
        const body = JSON.stringify({ errors: ['unsupported operation'] });
        socket.end(`HTTP/1.1 405 Method Not Allowed\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
      } else {
        socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      }
      return;
    }
    let buffered = Buffer.from(raw);
    if (buffered.includes('\r\n\r\n')) {
      serve(socket, buffered, handler);
      return;
    }
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.includes('\r\n\r\n')) {
        socket.off('data', onData);
        serve(socket, buffered, handler);
      } else if (buffered.length > MAX_HEAD) {
        socket.destroy();
      }
    };
    socket.on('data', onData);
    socket.resume();
  });
}
