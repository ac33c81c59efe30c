// An upstream registry for mirror tests: a real tf-oci-registry application (the one wiring) over a
// memory store, served over HTTP on 127.0.0.1, with signed releases published through its own API
// (real OpenPGP keys, GoReleaser-named zips). Counts the requests it answers per route, so tests can
// assert how often the mirror went upstream, and can be stopped and restarted on the same port.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { createMemoryStore } from '../../src/oci/memory-store.js';
import type { OciStore } from '../../src/oci/store.js';
import type { RequestRecord } from '../../src/http/pipeline/pipeline.js';
import { createLogger, createServerApp } from '../../src/wiring/server-app.js';
import { Writable } from 'node:stream';
import { generatePgpKey, type PgpKey } from '../publish/pgp.js';
import { buildRelease, entriesOf, tarGz, type Platform } from '../publish/release-fixture.js';
import { buildTestApp, testConfig } from '../support/test-app.js';

export interface Upstream {
  url: string;
  hostname: string;
  store: OciStore;
  key: PgpKey;
  /** Requests answered, by route template. */
  hits: Map<string, number>;
  publish(type: string, version: string, platforms: Platform[], opts?: { key?: PgpKey }): Promise<void>;
  stop(): Promise<void>;
  start(): Promise<void>;
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}

export async function startUpstream(hostname = 'upstream.example.test'): Promise<Upstream> {
  const store = createMemoryStore();
  const hits = new Map<string, number>();
  const observer = (r: RequestRecord) => hits.set(r.route ?? '(none)', (hits.get(r.route ?? '(none)') ?? 0) + 1);
  // The port first: the upstream's download URLs are absolute on its public URL.
  let port = await freePort();
  const config = testConfig({ publicUrl: `http://127.0.0.1:${port}/`, registryHostname: hostname, prefix: 'up' });
  const logger = createLogger('silent', new Writable({ write: (_c, _e, cb) => cb() }));
  const built = createServerApp(config, logger, store, { observers: [observer] });
  const key = await generatePgpKey({ name: 'upstream' });
  let server: Server | undefined;
  const request = async (method: string, path: string, body?: unknown, raw?: Buffer) => {
    const res = await built.app.request(path, {
      method,
      ...(raw ? { body: raw, headers: { 'content-type': 'application/octet-stream' } } : {}),
      ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/vnd.api+json' } } : {}),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text === '' ? null : (JSON.parse(text) as any);
  };
  const keyIds = new Map<string, string>();
  const up: Upstream = {
    url: '',
    hostname,
    store,
    key,
    hits,
    async publish(type, version, platforms, opts = {}) {
      const k = opts.key ?? key;
      let keyId = keyIds.get(k.fingerprint);
      if (!keyId) {
        keyId = (
          await request('POST', '/api/v1/gpg-keys', {
            data: { type: 'gpg-keys', attributes: { namespace: 'acme', name: k.fingerprint.slice(-8), 'ascii-armor': k.armoredPublic } },
          })
        ).data.id as string;
        keyIds.set(k.fingerprint, keyId);
      }
      const providerId = `prv-acme.${type}`;
      await request('POST', '/api/v1/providers', { data: { type: 'providers', attributes: { namespace: 'acme', name: type } } }).catch(
        () => undefined,
      );
      const created = await request('POST', '/api/v1/provider-versions', {
        data: {
          type: 'provider-versions',
          attributes: { version },
          relationships: {
            provider: { data: { type: 'providers', id: providerId } },
            'gpg-key': { data: { type: 'gpg-keys', id: keyId } },
          },
        },
      });
      const release = await buildRelease({ type, version, platforms, sign: (d) => k.sign(d), protocols: ['6.0'] });
      const upload = new URL(created.data.links.upload as string);
      await request('PUT', upload.pathname, undefined, await tarGz(entriesOf(release)));
    },
    async start() {
      server = createServer(built.nodeFront(getRequestListener(built.app.fetch)));
      await new Promise<void>((r) => server!.listen(port, '127.0.0.1', r));
      port = (server.address() as AddressInfo).port;
      up.url = `http://127.0.0.1:${port}/`;
    },
    async stop() {
      const s = server;
      server = undefined;
      if (!s) return;
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    },
  };
  await up.start();
  return up;
}

/** A mirror (the one wiring over `store`, with `upstreams`) served over HTTP on loopback through its Node front. */
export async function serveMirror(
  store: OciStore,
  opts: Parameters<typeof buildTestApp>[1],
): Promise<{ app: ReturnType<typeof buildTestApp>; base: string; close(): void }> {
  const app = buildTestApp(store, opts);
  const server = createServer(app.nodeFront(getRequestListener(app.app.fetch)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { app, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

/** What faultyProxy does with package downloads: pass, cut after half the bytes, flip a byte, or stall. */
export type ProxyMode = 'pass' | 'cut' | 'flip' | 'stall';

export interface FaultyProxy {
  url: string;
  mode: ProxyMode;
  server: Server;
  /** Package downloads seen. */
  downloads: number;
  /** In 'stall' mode: resolves when a download has sent half its bytes and waits for `resume()`. */
  stalled: Promise<void>;
  /** Sends the rest of every stalled download. */
  resume(): void;
}

/**
 * An HTTP proxy to `target` that, for package downloads, passes, cuts after half the bytes, flips a byte,
 * or sends half the bytes and waits for resume() ('stall': a fetch held in flight as long as a test needs).
 */
export async function faultyProxy(target: () => string): Promise<FaultyProxy> {
  let stalledNow: () => void = () => undefined;
  let resumed: Promise<void> = Promise.resolve();
  let resumeNow: () => void = () => undefined;
  const armStall = () => {
    state.stalled = new Promise((r) => (stalledNow = r));
    resumed = new Promise((r) => (resumeNow = r));
  };
  const state: FaultyProxy = {
    url: '',
    mode: 'pass',
    server: undefined as unknown as Server,
    downloads: 0,
    stalled: Promise.resolve(),
    resume: () => resumeNow(),
  };
  armStall();
  state.server = createServer(async (req, res) => {
    const upstream = await fetch(new URL(req.url ?? '/', target()), { method: req.method ?? 'GET' });
    const body = Buffer.from(await upstream.arrayBuffer());
    const isZip = (req.url ?? '').includes('.zip');
    const headers: Record<string, string> = {};
    upstream.headers.forEach((v, k) => {
      if (k !== 'content-length' && k !== 'transfer-encoding' && k !== 'connection') headers[k] = v;
    });
    // Download URLs inside JSON documents point at the upstream itself: rewrite them to this proxy.
    const text = (upstream.headers.get('content-type') ?? '').includes('json')
      ? body.toString('utf8').replaceAll(target(), state.url)
      : undefined;
    if (isZip) state.downloads++;
    const half = Math.floor(body.length / 2);
    if (isZip && state.mode === 'cut') {
      res.writeHead(upstream.status, { ...headers, 'content-length': String(body.length) });
      res.write(body.subarray(0, half));
      setTimeout(() => res.destroy(), 20);
      return;
    }
    if (isZip && state.mode === 'stall') {
      res.writeHead(upstream.status, { ...headers, 'content-length': String(body.length) });
      res.write(body.subarray(0, half));
      stalledNow();
      await resumed;
      res.end(body.subarray(half));
      armStall();
      return;
    }
    const out = text !== undefined ? Buffer.from(text) : Buffer.from(body);
    if (isZip && state.mode === 'flip') out[out.length - 10] = (out[out.length - 10] ?? 0) ^ 0xff;
    res.writeHead(upstream.status, { ...headers, 'content-length': String(out.length) });
    res.end(out);
  });
  await new Promise<void>((r) => state.server.listen(0, '127.0.0.1', r));
  state.url = `http://127.0.0.1:${(state.server.address() as AddressInfo).port}/`;
  return state;
}
