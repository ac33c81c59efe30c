// One publish through our HTTP API for bench/publish.ts: a dedicated server process, then key, provider and
// version in a fresh namespace, the release tarball streamed to the upload URL, what the server, its main
// thread, its other threads and the registry spent meanwhile (/proc), and a check that the version is served.
import { randomUUID } from 'node:crypto';
import { createReadStream, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import type { BenchSigner } from './fixtures.js';
import { readProcStat, threadCpuMs } from './proc-stat.js';
import { PLATFORMS, type Release, TYPE, VERSION } from './publish-release.js';
import { startServer } from './server.js';

/** One JSON:API call; throws with the status and body unless 2xx. Returns the parsed document (read freely by the caller). */
async function api(base: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await request(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/vnd.api+json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new Error(`${method} ${path} -> ${res.statusCode}: ${text}`);
  return JSON.parse(text);
}

export interface Upload {
  ms: number;
  /** CPU time (user + system) the server process spent during the upload. */
  cpuMs: number;
  /** Of which its main thread (the JavaScript event loop), user and system. */
  mainUserMs: number;
  mainSysMs: number;
  /** The registry's CPU time during the upload. */
  registryMs: number;
  /** Minor page faults of the server process during the upload (fresh memory touched: buffers not reused). */
  minorFaults: number;
  /** CPU ms of the 4 busiest threads other than the main one (libuv pool, worker, V8 helpers), highest first. */
  busiestOthers: number[];
  status: string;
}

/**
 * Streams a tarball as the body of one PUT, as a CI job's client would: the publish's upload URL and the
 * work floor (publish-floor.ts) receive it the same way. Returns the answer once read; closes its client.
 */
export async function putTarball(url: string, file: string): Promise<{ status: number; text: string }> {
  const dispatcher = new Agent({ bodyTimeout: 0, headersTimeout: 0 });
  try {
    const res = await request(url, {
      method: 'PUT',
      body: createReadStream(file),
      headers: { 'content-length': String(statSync(file).size) },
      dispatcher,
    });
    return { status: res.statusCode, text: await res.body.text() };
  } finally {
    await dispatcher.close();
  }
}

/** A dedicated server process (`src/main.ts serve`, as in production) for the publish alone. */
export async function startPublishServer(root: string, logDir: string, registryUrl: string, cpuProfileDir?: string) {
  const dir = join(logDir, `publish-server-${randomUUID().slice(0, 8)}`);
  mkdirSync(dir, { recursive: true });
  const server = await startServer({ root, registryUrl, logDir: dir, ...(cpuProfileDir ? { cpuProfileDir } : {}) });
  return { base: server.url, pid: server.pid, stop: () => server.stop() };
}

/** Creates key, provider and version in a fresh namespace, streams the tarball to the upload URL, checks it is served. */
export async function publishOnce(base: string, pid: number, signer: BenchSigner, release: Release, registryPid?: number): Promise<Upload> {
  const ns = `b${randomUUID().slice(0, 8)}`;
  const key = await api(base, 'POST', '/api/v1/gpg-keys', {
    data: { type: 'gpg-keys', attributes: { namespace: ns, name: 'bench', 'ascii-armor': signer.publicKeyArmored } },
  });
  const provider = await api(base, 'POST', '/api/v1/providers', { data: { type: 'providers', attributes: { namespace: ns, name: TYPE } } });
  const version = await api(base, 'POST', '/api/v1/provider-versions', {
    data: {
      type: 'provider-versions',
      attributes: { version: VERSION },
      relationships: {
        provider: { data: { type: 'providers', id: provider.data.id } },
        'gpg-key': { data: { type: 'gpg-keys', id: key.data.id } },
      },
    },
  });
  const upload = new URL(version.data.links.upload as string);
  const cpu0 = readProcStat(pid);
  const main0 = readProcStat(pid, pid);
  const threads0 = threadCpuMs(pid);
  const reg0 = registryPid === undefined ? 0 : readProcStat(registryPid).cpuMs;
  const started = performance.now();
  const res = await putTarball(`${base}${upload.pathname}`, release.tarball);
  const text = res.text;
  const ms = performance.now() - started;
  const cpu1 = readProcStat(pid);
  const main = readProcStat(pid, pid);
  const threads = [...threadCpuMs(pid)].map(([tid, ms]) => [tid, ms - (threads0.get(tid) ?? 0)] as const);
  const registryMs = registryPid === undefined ? Number.NaN : readProcStat(registryPid).cpuMs - reg0;
  if (res.status !== 200) throw new Error(`upload -> ${res.status}: ${text}`);
  const listed = await request(`${base}/v1/providers/${ns}/${TYPE}/versions`);
  const versions = (await listed.body.json()) as { versions: Array<{ platforms: unknown[] }> };
  if (versions.versions[0]?.platforms.length !== PLATFORMS.length)
    throw new Error(`published version not served: ${JSON.stringify(versions)}`);
  return {
    ms,
    cpuMs: cpu1.cpuMs - cpu0.cpuMs,
    mainUserMs: main.userMs - main0.userMs,
    mainSysMs: main.sysMs - main0.sysMs,
    minorFaults: cpu1.minflt - cpu0.minflt,
    registryMs,
    busiestOthers: threads
      .filter(([tid]) => tid !== pid)
      .map(([, ms]) => ms)
      .sort((a, b) => b - a)
      .slice(0, 4),
    status: JSON.parse(text).data.attributes.status as string,
  };
}
