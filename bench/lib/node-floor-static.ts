// The "Node floor" anchor of the metadata scenario: the smallest Node.js server of the same response
// bodies with an access log, and nothing of ours in it (no framework, routing, access control, caches,
// tickets, metrics or usage). GET <path> answers the body stored for that path (404 otherwise) and writes
// one JSON access line per request with pino to stdout (a file, as for our server and nginx), the fields
// of our access line and of nginx's log_format (request id, method, path, status, duration, bytes, user
// agent). What this process reaches is what the runtime allows on this machine with an access log on.
// pino writes through the server's own log destination (src/wiring/log-destination.ts: one write(2) per
// event-loop turn), so the floor has the cheapest pino output we know, not a worse one.
//   node --import tsx bench/lib/node-floor-static.ts <files.json> <port>
// files.json: [{ "path": "/v1/...", "file": "/abs/path/of/the/body" }, ...]
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import pino from 'pino';
import { createLogDestination } from '../../src/wiring/log-destination.js';

const [manifest, port] = process.argv.slice(2) as [string, string];
const bodies = new Map<string, Buffer>();
for (const { path, file } of JSON.parse(readFileSync(manifest, 'utf8')) as { path: string; file: string }[]) {
  bodies.set(path, readFileSync(file));
}
const log = pino({ base: undefined }, createLogDestination() as pino.DestinationStream);

createServer((req, res) => {
  const started = performance.now();
  const path = req.url ?? '/';
  const body = path === '/healthz' ? Buffer.from('ok') : bodies.get(path);
  const status = body ? 200 : 404;
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': body?.length ?? 0 });
  res.end(body);
  log.info(
    {
      reqId: randomUUID(),
      method: req.method,
      path,
      status,
      ms: Math.round((performance.now() - started) * 1000) / 1000,
      bytes: body?.length ?? 0,
      ua: req.headers['user-agent'],
    },
    'request',
  );
}).listen(Number(port), '127.0.0.1');
