// The "Node floor" anchor of the downloads scenario: the smallest Node.js proxy of a registry blob, with
// nothing of ours in it (no framework, no auth, no tickets, no logging, no metrics). GET <path> fetches
// <origin><path> and pipes the body to the response. What this process reaches is what the runtime and
// the HTTP client themselves allow on this machine, measured beside our server and nginx.
//   node --import tsx bench/lib/node-floor-proxy.ts <origin> <port> <undici|node-http>
import { createServer, get, type IncomingMessage } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { Agent, request } from 'undici';

const [origin, port, client] = process.argv.slice(2) as [string, string, 'undici' | 'node-http'];
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

createServer((req, res) => {
  if (req.url === '/healthz') {
    res.end('ok');
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
