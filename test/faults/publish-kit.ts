// Publishing under faults (issue 17 items 2, 3, 5, 7, 8): a real Distribution registry behind the fault
// proxy (fault-kit.ts), the application either in this process (served by a real Node HTTP server) or as
// real `serve` processes (test/support/server-process.ts) that can be SIGKILLed, a fast OpenPGP key, real
// zips, and the JSON:API calls of the publish flow (key, provider, version, upload URL, PUT).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent } from 'undici';
import { createRegistryStore } from '../../src/oci/remote/registry-store.js';
import { type Distribution, freePort, startDistribution } from '../support/distribution.js';
import { buildTestApp, type TestAppOptions } from '../support/test-app.js';
import { generatePgpKey, type PgpKey } from '../publish/pgp.js';
import { buildRelease, entriesOf, tarGz } from '../publish/release-fixture.js';
import { type FaultProxy, serveApp, startFaultProxy, waitFor } from './fault-kit.js';

export const HOST = 'registry.example.test';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** How many trials the randomized fault tests run: FAULT_TRIALS, else `ci` under CI and `local` otherwise. */
export function faultTrials(ci: number, local: number): number {
  const n = Number(process.env.FAULT_TRIALS);
  if (Number.isInteger(n) && n > 0) return n;
  return process.env.CI ? ci : local;
}

export interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** The JSON:API calls of the publish flow against one server base URL. */
export function publishClient(base: string) {
  async function call(method: string, path: string, json?: unknown): Promise<Answer> {
    const res = await fetch(base + path, {
      method,
      ...(json !== undefined ? { body: JSON.stringify(json), headers: { 'content-type': 'application/vnd.api+json' } } : {}),
      signal: AbortSignal.timeout(120_000),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text === '' ? null : JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body };
  }
  return {
    call,
    async setup(namespace: string, type: string, key: PgpKey): Promise<{ providerId: string; keyId: string }> {
      const k = await call('POST', '/api/v1/gpg-keys', {
        data: { type: 'gpg-keys', attributes: { namespace, name: 'release key', 'ascii-armor': key.armoredPublic } },
      });
      assert.equal(k.status, 201, JSON.stringify(k.body));
      const p = await call('POST', '/api/v1/providers', { data: { type: 'providers', attributes: { namespace, name: type } } });
      assert.equal(p.status, 201, JSON.stringify(p.body));
      return { providerId: p.body.data.id as string, keyId: k.body.data.id as string };
    },
    createVersion(ids: { providerId: string; keyId: string }, version: string): Promise<Answer> {
      return call('POST', '/api/v1/provider-versions', {
        data: {
          type: 'provider-versions',
          attributes: { version },
          relationships: {
            provider: { data: { type: 'providers', id: ids.providerId } },
            'gpg-key': { data: { type: 'gpg-keys', id: ids.keyId } },
          },
        },
      });
    },
    getVersion: (id: string) => call('GET', `/api/v1/provider-versions/${id}`),
    renewUrl: (id: string) => call('POST', `/api/v1/provider-versions/${id}/upload-url`),
    /** PUTs `tarball` to the path of `uploadUrl` on this server. */
    async put(uploadUrl: string, tarball: Buffer | ReadableStream<Uint8Array>): Promise<Answer> {
      const res = await fetch(base + new URL(uploadUrl).pathname, {
        method: 'PUT',
        body: tarball,
        headers: { 'content-type': 'application/octet-stream' },
        duplex: 'half',
        signal: AbortSignal.timeout(120_000),
      } as RequestInit);
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON
      }
      return { status: res.status, body };
    },
  };
}

export type PublishClient = ReturnType<typeof publishClient>;

/** The upload URL in a version answer (create or renew). */
export function uploadUrlOf(a: Answer): string {
  const url = a.body?.data?.links?.upload ?? a.body?.data?.attributes?.['upload-url'] ?? a.body?.links?.upload;
  assert.equal(typeof url, 'string', `no upload URL in ${JSON.stringify(a.body)}`);
  return url as string;
}

/** Every error detail of an answer, joined. */
export function detailOf(a: Answer): string {
  return ((a.body?.errors ?? []) as Array<{ detail?: string }>).map((e) => e.detail ?? '').join(' | ') || JSON.stringify(a.body);
}

/**
 * A signed release .tar.gz of `type`/`version` for `platforms` zips, each carrying `zipBytes` random
 * (incompressible) bytes, so a fault can land while a given zip streams. `salt` makes two releases differ.
 */
export async function releaseTarball(
  key: PgpKey,
  o: { type: string; version: string; platforms: string[]; zipBytes: number; salt?: string },
): Promise<Buffer> {
  const rel = await buildRelease({
    type: o.type,
    version: o.version,
    platforms: o.platforms.map((p) => {
      const [os = 'linux', arch = 'amd64'] = p.split('_');
      return { os, arch };
    }),
    sign: (data) => key.sign(data),
    zipExtras: { LICENSE: randomBytes(o.zipBytes).toString('base64') + (o.salt ?? '') },
  });
  return tarGz(entriesOf(rel));
}

/** A Node readable web stream over `bytes` that sends `first` bytes, then waits for `go` before the rest. */
export function heldBody(bytes: Buffer, first: number, go: Promise<void>): ReadableStream<Uint8Array> {
  let sent = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!sent) {
        sent = true;
        controller.enqueue(bytes.subarray(0, first));
        return;
      }
      await go;
      controller.enqueue(bytes.subarray(first));
      controller.close();
    },
  });
}

/** Files left in a directory (none once every upload ended). */
export async function filesIn(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [])).filter((f) => f.startsWith('publish-'));
}

/** The real registry, the fault proxy in front of it, a private temp dir for the server(s). */
export interface PublishFaultStack {
  reg: Distribution;
  proxy: FaultProxy;
  tmp: string;
  close(): Promise<void>;
}

export async function startPublishFaultStack(): Promise<PublishFaultStack> {
  const reg = await startDistribution();
  const proxy = await startFaultProxy(reg.port);
  const tmp = await mkdtemp(join(tmpdir(), 'tfoci-faults-'));
  return {
    reg,
    proxy,
    tmp,
    async close() {
      await proxy.close();
      await reg.stop();
      await rm(tmp, { recursive: true, force: true });
    },
  };
}

/** The application in this process over the proxy, served by a Node HTTP server; its temp dir is `stack.tmp/app`. */
export async function serveInProcess(stack: PublishFaultStack, opts: TestAppOptions = {}) {
  const dispatcher = new Agent({ keepAliveTimeout: 10_000 });
  const store = createRegistryStore({ url: stack.proxy.url, plainHttp: true, dispatcher, timeoutMs: 10_000, retries: 1, backoffMs: 20 });
  const tmpDir = join(stack.tmp, 'app');
  const app = buildTestApp(store, { publicUrl: `https://${HOST}/`, tmpDir, ...opts });
  const served = await serveApp(app);
  return {
    app,
    tmpDir,
    base: served.base,
    client: publishClient(served.base),
    async close() {
      await served.close();
      await dispatcher.destroy();
    },
  };
}

/** A `serve` process that can be SIGKILLed (startServerProcess only stops gracefully). */
export interface ServeProcess {
  base: string;
  client: PublishClient;
  logs: string[];
  child: ChildProcess;
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts `serve` over the proxy, with TMPDIR = `tmp` (its temp files are `tmp`/tf-oci-registry/publish-*). */
export async function startServe(stack: PublishFaultStack, env: Record<string, string> = {}): Promise<ServeProcess> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      TMPDIR: stack.tmp,
      TF_OCI_REGISTRY_SERVER_LISTEN: `127.0.0.1:${port}`,
      TF_OCI_REGISTRY_SERVER_PUBLIC_URL: `https://${HOST}/`,
      TF_OCI_REGISTRY_SERVER_SECRETS: 'fault-test-secret-0123456789abcdef',
      TF_OCI_REGISTRY_STORAGE_KIND: 'registry',
      TF_OCI_REGISTRY_STORAGE_URL: stack.proxy.url,
      TF_OCI_REGISTRY_STORAGE_PLAIN_HTTP: 'true',
      TF_OCI_REGISTRY_STORAGE_PREFIX: 'tf',
      TF_OCI_REGISTRY_AUTH_MODE: 'none',
      TF_OCI_REGISTRY_SERVER_REQUEST_TIMEOUT: '10',
      TF_OCI_REGISTRY_CACHE_TAGS_TTL: '0',
      TF_OCI_REGISTRY_LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  child.stdout!.on('data', (d: Buffer) => logs.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => logs.push(d.toString()));
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`serve exited with ${child.exitCode}:\n${logs.join('')}`);
      return fetch(`${base}/healthz`).then(
        (r) => r.status === 200,
        () => false,
      );
    },
    180_000, // tsx compiles the server at start: slow on a loaded machine
    'serve answering /healthz',
  );
  const exited = once(child, 'exit');
  return {
    base,
    client: publishClient(base),
    logs,
    child,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export { generatePgpKey, waitFor };
