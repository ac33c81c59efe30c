// Fault-injection kit for test/faults/: a TCP proxy in front of the real registry that can forward,
// hang (accept and never answer) or stall responses after some bytes, and counts its live connections
// (the server's connections to the "registry"); the real application served by a real Node HTTP server;
// clients that stop reading; a provider release with a large zip published straight into the registry.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer as createHttpServer, type Server } from 'node:http';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { getRequestListener } from '@hono/node-server';
import type { ListenerWrapper } from '../../src/http/pipeline/node-front.js';
import { providerRepository } from '../../src/layout/names.js';
import type { OciStore } from '../../src/oci/store.js';
import { pushForeignRelease } from '../support/provider-fixture.js';
import { createRegistryStore, type RegistryStoreOptions } from '../../src/oci/remote/registry-store.js';
import { type Distribution, startDistribution } from '../support/distribution.js';
import { buildTestApp } from '../support/test-app.js';

export type ProxyMode = { kind: 'forward' } | { kind: 'hang' } | { kind: 'stall-after'; bytes: number };

/** A fault at one request: cut the connection before forwarding it, or after `bytes` more bytes of it. */
export type RequestFault = 'reset' | { resetAfterBytes: number };

export interface FaultProxy {
  url: string;
  /** Connections from the server that are open now (client side of the proxy). */
  readonly open: number;
  /** Open connections whose latest request line contains `text` (e.g. a blob digest). */
  openWith(text: string): number;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** The mode for connections accepted from now on. */
  mode: ProxyMode;
  /** Called with every request line the server sends; a fault it returns is applied to that connection. */
  onRequest: ((line: string) => RequestFault | undefined) | undefined;
  /** Destroys every connection, whatever its mode. */
  reset(): void;
  close(): Promise<void>;
}

/** A TCP proxy to 127.0.0.1:`targetPort`. */
export async function startFaultProxy(targetPort: number): Promise<FaultProxy> {
  const sockets = new Set<Socket>();
  const lastRequest = new WeakMap<Socket, string>();
  let accepted = 0;
  const state = {
    mode: { kind: 'forward' } as ProxyMode,
    onRequest: undefined as ((line: string) => RequestFault | undefined) | undefined,
  };
  const server = createServer((client) => {
    accepted++;
    sockets.add(client);
    const mode = state.mode;
    let upstream: Socket | undefined;
    const done = (): void => {
      sockets.delete(client);
      client.destroy();
      upstream?.destroy();
    };
    client.on('error', done);
    client.on('close', done);
    let cutAfter = Number.POSITIVE_INFINITY;
    // Registered before the pipe below: a reset decided here happens before the chunk is forwarded.
    client.on('data', (chunk: Buffer) => {
      const line = /^(GET|HEAD|POST|PUT|PATCH|DELETE) [^\r\n]*/m.exec(chunk.toString('latin1'));
      if (line) {
        lastRequest.set(client, line[0]);
        const fault = state.onRequest?.(line[0]);
        if (fault === 'reset') return done();
        if (fault !== undefined) cutAfter = fault.resetAfterBytes;
      }
      cutAfter -= chunk.length;
      if (cutAfter < 0) done();
    });
    if (mode.kind === 'hang') {
      client.resume(); // read and drop the requests, never answer
      return;
    }
    upstream = connect(targetPort, '127.0.0.1');
    upstream.on('error', done);
    upstream.on('close', done);
    client.pipe(upstream);
    if (mode.kind === 'forward') {
      upstream.pipe(client);
      return;
    }
    let left = mode.bytes;
    upstream.on('data', (chunk: Buffer) => {
      if (left <= 0) return; // stalled: the rest is swallowed, the connection stays open
      const part = chunk.subarray(0, left);
      left -= part.length;
      client.write(part);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    get open() {
      return sockets.size;
    },
    openWith(text: string) {
      let n = 0;
      for (const s of sockets) if (lastRequest.get(s)?.includes(text)) n++;
      return n;
    },
    get accepted() {
      return accepted;
    },
    get mode() {
      return state.mode;
    },
    set mode(m: ProxyMode) {
      state.mode = m;
    },
    get onRequest() {
      return state.onRequest;
    },
    set onRequest(f) {
      state.onRequest = f;
    },
    reset() {
      for (const s of sockets) s.destroy();
    },
    async close() {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

/** Serves a built application the way `serve` does (the pipeline's Node front before Hono). */
export async function serveApp(t: {
  app: { fetch: Parameters<typeof getRequestListener>[0] };
  nodeFront: ListenerWrapper;
}): Promise<{ server: Server; base: string; close(): Promise<void> }> {
  const server = createHttpServer(t.nodeFront(getRequestListener(t.app.fetch)));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    server,
    base,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/**
 * A client that sends one GET and then reads nothing at all (its socket stays paused). A paused socket
 * does not notice the server closing it; count the server's connections instead.
 */
export interface StalledClient {
  socket: Socket;
  /** Resolves when the server closed or reset the connection. */
  closed: Promise<void>;
  readonly isClosed: boolean;
}

export function stalledGet(base: string, path: string): StalledClient {
  const u = new URL(base);
  const socket = connect(Number(u.port), u.hostname);
  let isClosed = false;
  socket.on('error', () => undefined);
  const closed = once(socket, 'close').then(() => {
    isClosed = true;
  });
  socket.write(`GET ${path} HTTP/1.1\r\nHost: ${u.host}\r\nConnection: close\r\n\r\n`);
  socket.pause();
  return {
    socket,
    closed,
    get isClosed() {
      return isClosed;
    },
  };
}

/** Waits until `ok()` holds, polling; throws with `what` after `ms`. Returns the time waited. */
export async function waitFor(ok: () => boolean | Promise<boolean>, ms: number, what: string): Promise<number> {
  const t0 = performance.now();
  while (!(await ok())) {
    if (performance.now() - t0 > ms) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(50);
  }
  return performance.now() - t0;
}

/** Publishes acme/widget 1.0.0 (linux_amd64) with a zip of `size` random bytes straight into `store`. */
export async function publishLargeRelease(store: OciStore, size: number, prefix = 'tf'): Promise<Buffer> {
  const bytes = randomBytes(size);
  await pushForeignRelease(store, providerRepository(prefix, 'registry.example.test', 'acme', 'widget'), '1.0.0', [
    { os: 'linux', arch: 'amd64', filename: 'terraform-provider-widget_1.0.0_linux_amd64.zip', bytes, sha256: '', h1: '' },
  ]);
  return bytes;
}

/** The path of the zip's download URL, as the mirror protocol lists it. */
export async function downloadPath(base: string): Promise<string> {
  const res = await fetch(`${base}/mirror/registry.example.test/acme/widget/1.0.0.json`);
  if (res.status !== 200) throw new Error(`mirror listing: ${res.status} ${await res.text()}`);
  const doc = (await res.json()) as { archives: Record<string, { url: string }> };
  return new URL(doc.archives['linux_amd64']!.url).pathname;
}

/** The real registry behind a fault proxy, a zip published in it, the real application served over the proxy. */
export interface FaultStack {
  reg: Distribution;
  proxy: FaultProxy;
  app: ReturnType<typeof buildTestApp>;
  served: Awaited<ReturnType<typeof serveApp>>;
  zip: Buffer;
  /** The zip's download path on `served`. */
  path: string;
  close(): Promise<void>;
}

/** Starts a FaultStack; `store` options shape the application's registry client (timeouts, pools). */
export async function startFaultStack(zipBytes: number, store: Omit<RegistryStoreOptions, 'url' | 'plainHttp'>): Promise<FaultStack> {
  const reg = await startDistribution();
  const proxy = await startFaultProxy(reg.port);
  const zip = await publishLargeRelease(createRegistryStore({ url: reg.url, plainHttp: true }), zipBytes);
  const app = buildTestApp(createRegistryStore({ url: proxy.url, plainHttp: true, ...store }), { tagsTtlMs: 1 });
  const served = await serveApp(app);
  const path = await downloadPath(served.base);
  return {
    reg,
    proxy,
    app,
    served,
    zip,
    path,
    async close() {
      await served.close();
      await proxy.close();
      await reg.stop();
    },
  };
}
