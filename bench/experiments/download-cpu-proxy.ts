// The proxies of bench/experiments/download-cpu.ts that use the project's own code (run with tsx):
//   store-pump   the registry store's fetchBlob (verify = size, the download pool) written to a bare
//                node:http response chunk by chunk with backpressure
//   hono         the same through Hono, @hono/node-server and src/http/node-io.ts sendStream
//   hono-signal  the same with the request's abort signal passed to fetchBlob (as the server does)
//   hono-own-signal  the same with an AbortController's signal of our own instead of c.req.raw.signal
//   hono-heavy   'hono' in a process that also built (and keeps) the whole server application, idle
// Usage: node --import tsx download-cpu-proxy.ts <blob URL> <port> <variant>
import { createServer } from 'node:http';
import { Hono } from 'hono';
import { getRequestListener } from '@hono/node-server';
import { Agent, request } from 'undici';
import { createRegistryStore } from '../../src/oci/remote/registry-store.js';
import { sendStream } from '../../src/http/node-io.js';
const [upstream = '', port = '0', kind = ''] = process.argv.slice(2);
const u = new URL(upstream!);
const m = /^\/v2\/(.+)\/blobs\/(sha256:[a-f0-9]+)$/.exec(u.pathname)!;
const store = createRegistryStore({ url: u.origin, plainHttp: true, userAgent: 'x' });
const dispatcher = new Agent({ keepAliveTimeout: 30000, connections: 64 });
const app = new Hono();
const log = { logger: { warn() {} } };
app.get('/blob', async (c) => {
  (c as any).set('log', log);
  const blob = await store.fetchBlob(m[1]!, m[2] as never, {
    verify: 'size',
    purpose: 'download',
    ...(kind === 'hono-signal' ? { signal: c.req.raw.signal } : kind === 'hono-own-signal' ? { signal: new AbortController().signal } : {}),
  });
  return sendStream(c as never, 200, { 'content-length': String(blob.size), 'content-type': 'application/zip' }, blob.body);
});
const honoListener = getRequestListener(app.fetch);
// The whole application, built and kept but never asked: what its heap does to the download path.
const kept: unknown[] = [];
if (kind === 'hono-heavy') {
  const { loadConfig } = await import('../../src/config/load.js');
  const wiring = await import('../../src/wiring/server-app.js');
  const config = loadConfig({
    env: { TF_OCI_REGISTRY_STORAGE_KIND: 'registry', TF_OCI_REGISTRY_STORAGE_URL: u.origin, TF_OCI_REGISTRY_STORAGE_PLAIN_HTTP: 'true' },
    readFile: () => '',
    randomSecret: () => 'bench-secret-0123456789abcdef',
  });
  const logger = wiring.createLogger('info');
  kept.push(wiring.createServerApp(config, logger, wiring.createStore(config, logger)));
}
process.on('uncaughtException', (e) => console.error('uncaught', e));
process.on('unhandledRejection', (e) => console.error('unhandled', e));
createServer(async (req, res) => {
  if (kind.startsWith('hono')) return honoListener(req, res);
  if (kind === 'bare') {
    const up = await request(upstream!, { dispatcher });
    res.writeHead(200, { 'content-length': String(up.headers['content-length']), 'content-type': 'application/zip' });
    up.body.pipe(res);
    return;
  }
  const blob = await store.fetchBlob(m[1]!, m[2] as never, { verify: 'size', purpose: 'download' });
  res.writeHead(200, { 'content-length': String(blob.size), 'content-type': 'application/zip' });
  if (kind === 'store-pipe') {
    blob.body.pipe(res);
    return;
  }
  const body = blob.body;
  body.on('data', (chunk: Buffer) => {
    if (res.write(chunk) || res.destroyed) return;
    body.pause();
    res.once('drain', () => body.resume());
  });
  body.once('end', () => res.end());
  body.on('error', () => res.destroy());
  res.once('close', () => {
    if (!body.readableEnded) body.destroy();
  });
}).listen(Number(port), '127.0.0.1');
