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
    refuse(socket, 400, 'Bad Request', 'malformed HTTP request');
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

/** A protocol-level refusal still speaks the API's language: a JSON `errors` array, then close. */
function refuse(socket: Socket, status: number, reason: string, message: string): void {
  const body = JSON.stringify({ errors: [message] });
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

export function acceptListVerb(server: Server, handler: Handler): void {
  // Node's parser keeps reading a socket after its first error and fails again on every later
  // chunk; once a LIST head is ours, those errors are not the client's and must not answer it.
  const claimed = new WeakSet<Socket>();
  server.on('clientError', (err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Socket) => {
    if (claimed.has(socket)) return;
    const raw = err.rawPacket;
    if (err.code !== 'HPE_INVALID_METHOD' || !raw || raw.subarray(0, 5).toString('latin1') !== 'LIST ') {
      if (!socket.writable) { socket.destroy(); return; }
      if (err.code === 'HPE_INVALID_METHOD') refuse(socket, 405, 'Method Not Allowed', 'unsupported operation');
      else if (err.code === 'HPE_HEADER_OVERFLOW') refuse(socket, 431, 'Request Header Fields Too Large', 'request header fields too large');
      else refuse(socket, 400, 'Bad Request', 'malformed HTTP request');
      return;
    }
    claimed.add(socket);
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
        socket.off('data', onData);
        refuse(socket, 431, 'Request Header Fields Too Large', 'request header fields too large');
      }
    };
    socket.on('data', onData);
    socket.resume();
  });
}
