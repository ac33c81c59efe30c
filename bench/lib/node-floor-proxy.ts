// The "Node floor" anchor of the downloads scenario: the smallest Node.js proxy of a registry blob, with
// nothing of ours in it (no framework, no auth, no tickets, no logging, no metrics). GET <path> fetches
// <origin><path> and pipes the body to the response. What this process reaches is what the runtime and
// the HTTP client themselves allow on this machine, measured beside our server and nginx. Clients:
//   undici     undici `request`, its body piped to the response
//   node-http  node:http `get`, piped likewise
//   pooled     a bare TCP socket (one per download, no keep-alive) reading into reused 128 KiB buffers
//              (net.connect `onread`), each written to the response and reused once written: the design
//              of our download client (src/oci/remote/socket-client.ts) without any of its code (no
//              pool, limits, redirects, TLS, timeouts or error handling), so its floor.
//   node --import tsx bench/lib/node-floor-proxy.ts <origin> <port> <undici|node-http|pooled>
import { createServer, get, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { Agent, request } from 'undici';

const [origin, port, client] = process.argv.slice(2) as [string, string, 'undici' | 'node-http' | 'pooled'];
const dispatcher = new Agent({ connections: 64 });

/** The origin's response: status, length and body stream. */
async function fetchBody(path: string): Promise<{ status: number; length: string | undefined; body: NodeJS.ReadableStream }> {
  if (client === 'undici') {
    const res = await request(origin + path, { dispatcher });
    const length = res.headers['content-length'];
    return { status: res.statusCode, length: Array.isArray(length) ? length[0] : length, body: res.body };
  }
  const res = await new Promise<IncomingMessage>((resolve, reject) => get(origin + path, resolve).on('error', reject));
  return { status: res.statusCode ?? 502, length: res.headers['content-length'], body: res };
}

const free: Buffer[] = [];

/** The pooled client: GET over a new socket, head parsed from the first bytes, then Content-Length bytes. */
function pooled(path: string, res: ServerResponse): void {
  const target = new URL(path, origin);
  let head: Buffer | undefined = Buffer.alloc(0);
  let remaining = 0;
  const socket = connect({
    host: target.hostname,
    port: Number(target.port),
    onread: {
      buffer: () => free.pop() ?? Buffer.allocUnsafeSlow(128 * 1024),
      callback: (n: number, buf: Uint8Array): boolean => {
        const bytes = Buffer.from(buf.buffer, buf.byteOffset, n);
        if (head !== undefined) {
          head = Buffer.concat([head, bytes]);
          free.push(buf as Buffer);
          const end = head.indexOf('\r\n\r\n');
          if (end < 0) return true;
          const text = head.subarray(0, end).toString('latin1');
          const status = Number(text.slice(9, 12));
          const length = /\r\ncontent-length:\s*(\d+)/i.exec(text)?.[1];
          if (length === undefined) {
            res.writeHead(502).end();
            socket.destroy();
            return false;
          }
          res.writeHead(status, { 'content-length': length });
          remaining = Number(length);
          const rest = head.subarray(end + 4);
          head = undefined;
          remaining -= rest.length;
          res.write(rest);
        } else {
          remaining -= n;
          if (!res.write(bytes, () => free.push(buf as Buffer))) {
            socket.pause();
            res.once('drain', () => socket.resume());
          }
        }
        if (remaining <= 0) {
          res.end();
          socket.destroy();
          return false;
        }
        return true;
      },
    },
  });
  socket.on('error', () => res.destroy());
  res.on('close', () => socket.destroy());
  socket.write(`GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\nConnection: close\r\n\r\n`);
}

createServer((req, res) => {
  if (req.url === '/healthz') {
    res.end('ok');
    return;
  }
  if (client === 'pooled') {
    pooled(req.url ?? '/', res);
    return;
  }
  fetchBody(req.url ?? '/').then(
    async ({ status, length, body }) => {
      res.writeHead(status, length === undefined ? {} : { 'content-length': length });
      await pipeline(body, res).catch(() => res.destroy());
    },
    () => {
      res.writeHead(502).end();
    },
  );
}).listen(Number(port), '127.0.0.1');
