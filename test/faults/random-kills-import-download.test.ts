// Bounded fault injection over mirror imports and downloads (issue 17): a real `serve` process on a real
// Distribution registry (through the fault proxy), importing from an upstream tf-oci-registry on loopback
// (POST /api/v1/mirror-imports) and serving the imported zips (network mirror documents, then the zips).
// Each trial picks an operation (import or downloads) and a fault: SIGKILL of the server or of the
// registry, SIGSTOP of the server, or a hung registry (the proxy holds every byte), at a random moment of
// it. Then the invariants:
//   1. no visible tag without every manifest and blob it references (walked straight in the registry);
//   2. every import record in a named state (running, succeeded, failed, interrupted);
//   3. the retry works: the import again succeeds, every zip downloads byte-correct (sha256 of the document);
//   4. no leaked temp files (mirror-*.zip, publish-*) within two leases after the retry finished;
//   5. the server alive: /healthz and /readyz answer 200, no answer 500.
// FAULT_TRIALS trials (default 4 under CI, 100 locally); FAULT_SEED replays a run. The figures are printed.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { providerRepository } from '../../src/layout/names.js';
import { createRegistryStore } from '../../src/oci/remote/registry-store.js';
import type { OciStore } from '../../src/oci/store.js';
import type { Digest } from '../../src/oci/types.js';
import { DOCKER_REGISTRY_BIN, requireTool } from '../support/distribution.js';
import { startUpstream, type Upstream } from '../mirror/support.js';
import { faultTrials, type PublishFaultStack, type ServeProcess, startPublishFaultStack, startServe } from './publish-kit.js';

const tools = requireTool(DOCKER_REGISTRY_BIN, 'zip');
const TRIALS = faultTrials(4, 100);
const SEED = Number(process.env.FAULT_SEED) || Date.now() % 1_000_000;
const UP = 'upstream.example.test';
const PLATFORMS = ['linux_amd64', 'darwin_arm64'];
const FAULTS = ['server-kill', 'registry-kill', 'server-stop', 'registry-hang'] as const;
type Fault = (typeof FAULTS)[number];
/** The upload lease of the server under test (s): also the age at which its temp files are swept. */
const LEASE_S = 2;
const NAMED = new Set(['running', 'succeeded', 'failed', 'interrupted']);

/** mulberry32: a small seeded PRNG, so a failing run can be replayed with FAULT_SEED. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function json(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  try {
    const res = await fetch(base + path, {
      method,
      ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/vnd.api+json' } } : {}),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, body: parsed };
  } catch (err) {
    return { status: 0, body: String(err) };
  }
}

/** The temp files (mirror-*, publish-*) still in `spool` after waiting up to `ms` for them to go. */
async function leftAfter(spool: string, ms: number): Promise<string[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = (await readdir(spool).catch(() => [] as string[])).filter((f) => f.startsWith('mirror-') || f.startsWith('publish-'));
    if (left.length === 0 || Date.now() > deadline) return left;
    await sleep(250);
  }
}

/** Every manifest and blob under the tag, walked in the registry: what is missing (null: no tag). */
async function missingUnder(store: OciStore, repository: string, tag: string): Promise<string[] | null> {
  let index: { manifests?: Array<{ digest: Digest }> };
  try {
    index = JSON.parse((await store.fetchManifest(repository, tag)).bytes.toString('utf8'));
  } catch (err) {
    if ((err as { code?: string }).code === 'NOT_FOUND') return null;
    throw err;
  }
  const missing: string[] = [];
  for (const m of index.manifests ?? []) {
    try {
      const manifest = JSON.parse((await store.fetchManifest(repository, m.digest)).bytes.toString('utf8')) as {
        config?: { digest: Digest };
        layers?: Array<{ digest: Digest }>;
      };
      for (const d of [manifest.config, ...(manifest.layers ?? [])])
        if (d && (await store.statBlob(repository, d.digest)) === null) missing.push(`blob ${d.digest}`);
    } catch {
      missing.push(`manifest ${m.digest}`);
    }
  }
  return missing;
}

describe(`random faults of the server or the registry mid-import and mid-download (${TRIALS} trials, seed ${SEED})`, {
  skip: tools.skip ?? false,
}, () => {
  let stack: PublishFaultStack;
  let upstream: Upstream;
  let server: ServeProcess;
  let env: Record<string, string>;
  let direct: OciStore;
  const repository = providerRepository('tf', UP, 'acme', 'widget');

  before(async () => {
    upstream = await startUpstream(UP);
    stack = await startPublishFaultStack();
    env = {
      TF_OCI_REGISTRY_MIRROR_UPSTREAM: JSON.stringify([{ hostname: UP, url: upstream.url }]),
      // Also the age of a stale temp file: a restarted server sweeps what the killed one left.
      TF_OCI_REGISTRY_PUBLISH_UPLOAD_LEASE: String(LEASE_S),
    };
    server = await startServe(stack, env);
    direct = createRegistryStore({ url: stack.reg.url, plainHttp: true, retries: 3 });
  });
  after(async () => {
    await server?.stop();
    await stack?.close();
    await upstream?.stop();
  });

  const startImport = (version: string) =>
    json(server.base, 'POST', '/api/v1/mirror-imports', {
      data: { type: 'mirror-imports', attributes: { providers: [`${UP}/acme/widget`], version, platforms: PLATFORMS } },
    });

  /** Polls an import until it is no longer running (or 60 s passed); its last status. */
  async function settle(id: string): Promise<string> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const r = await json(server.base, 'GET', `/api/v1/mirror-imports/${id}`);
      const status = r.body?.data?.attributes?.status as string | undefined;
      if ((status !== undefined && status !== 'running') || Date.now() > deadline) return status ?? `HTTP ${r.status}`;
      await sleep(200);
    }
  }

  /** Downloads every platform's zip of `version` through the network mirror; problems found. */
  async function downloadAll(version: string, copies: number): Promise<string[]> {
    const doc = await json(server.base, 'GET', `/mirror/${UP}/acme/widget/${version}.json`);
    if (doc.status !== 200) return [`${version}.json: ${doc.status} ${JSON.stringify(doc.body).slice(0, 300)}`];
    const archives = doc.body.archives as Record<string, { url: string; hashes: string[] }>;
    const docUrl = new URL(`${server.base}/mirror/${UP}/acme/widget/${version}.json`);
    const jobs = Object.entries(archives).flatMap(([platform, a]) => Array.from({ length: copies }, () => ({ platform, a })));
    const problems = await Promise.all(
      jobs.map(async ({ platform, a }) => {
        try {
          // The document's URLs are on the public URL (https://registry.example.test/): the same path here.
          const u = new URL(a.url, docUrl);
          const res = await fetch(`${server.base}${u.pathname}${u.search}`, { signal: AbortSignal.timeout(60_000) });
          const bytes = Buffer.from(await res.arrayBuffer());
          if (res.status !== 200) return `${platform}: ${res.status} ${bytes.toString('utf8').slice(0, 200)}`;
          const zh = `zh:${createHash('sha256').update(bytes).digest('hex')}`;
          return a.hashes.includes(zh) ? null : `${platform}: ${zh} not in ${a.hashes.join(', ')}`;
        } catch (err) {
          return `${platform}: ${String(err)}`;
        }
      }),
    );
    return problems.filter((p): p is string => p !== null);
  }

  async function inject(fault: Fault, delay: number): Promise<void> {
    await sleep(delay);
    if (fault === 'server-kill') await server.kill();
    else if (fault === 'registry-kill') await stack.reg.kill();
    else if (fault === 'server-stop') {
      server.child.kill('SIGSTOP');
      await sleep(1500);
      server.child.kill('SIGCONT');
    } else {
      stack.proxy.mode = { kind: 'hang' };
      await sleep(1500);
      stack.proxy.mode = { kind: 'forward' };
      stack.proxy.reset();
    }
  }

  async function recover(fault: Fault): Promise<void> {
    if (fault === 'server-kill') server = await startServe(stack, env);
    else if (fault === 'registry-kill') await stack.reg.restart();
  }

  it('keeps every invariant', async () => {
    const random = prng(SEED);
    const spool = join(stack.tmp, 'tf-oci-registry');
    // Calibration: one clean import and one clean round of downloads give the spans the faults hit.
    await upstream.publish('widget', '0.0.1', [
      { os: 'linux', arch: 'amd64' },
      { os: 'darwin', arch: 'arm64' },
    ]);
    let t0 = performance.now();
    const cal = await startImport('0.0.1');
    assert.equal(cal.status, 202, JSON.stringify(cal.body));
    assert.equal(await settle(cal.body.data.id), 'succeeded');
    const importSpan = performance.now() - t0;
    t0 = performance.now();
    assert.deepEqual(await downloadAll('0.0.1', 4), []);
    const downloadSpan = performance.now() - t0;

    const violations: string[] = [];
    const counts = new Map<string, number>();
    for (let trial = 1; trial <= TRIALS; trial++) {
      const version = `1.${trial}.0`;
      await upstream.publish('widget', version, [
        { os: 'linux', arch: 'amd64' },
        { os: 'darwin', arch: 'arm64' },
      ]);
      const operation = random() < 0.5 ? 'import' : 'download';
      const fault = FAULTS[Math.floor(random() * FAULTS.length)]!;
      counts.set(`${operation}/${fault}`, (counts.get(`${operation}/${fault}`) ?? 0) + 1);
      if (operation === 'download') {
        const pre = await startImport(version);
        if (pre.status !== 202 || (await settle(pre.body.data.id)) !== 'succeeded') {
          violations.push(`trial ${trial}: clean import before the downloads failed: ${JSON.stringify(pre.body).slice(0, 300)}`);
          continue;
        }
      }
      const delay = Math.floor(random() * (operation === 'import' ? importSpan : downloadSpan));
      const where = `trial ${trial} (${operation}, ${fault} at ${delay} ms)`;
      const work =
        operation === 'import'
          ? (async () => {
              const r = await startImport(version);
              return r.status === 202 ? [] : r.status === 500 ? [`import answered 500: ${JSON.stringify(r.body)}`] : [];
            })()
          : downloadAll(version, 4).then((p) => p.filter((x) => / 500 /.test(x)).map((x) => `download answered 500: ${x}`));
      await inject(fault, delay);
      violations.push(...(await work).map((v) => `${where}: ${v}`));
      await recover(fault);

      const early = await missingUnder(direct, repository, version);
      if (early !== null && early.length > 0) violations.push(`${where}: tag visible without ${early.join(', ')}`);
      const list = await json(server.base, 'GET', '/api/v1/mirror-imports');
      for (const d of list.body?.data ?? [])
        if (!NAMED.has(d.attributes?.status)) violations.push(`${where}: import ${d.id} in state ${JSON.stringify(d.attributes?.status)}`);

      // The retry: the import again, then every zip byte-correct.
      const again = await startImport(version);
      const status = again.status === 202 ? await settle(again.body.data.id) : `HTTP ${again.status}`;
      if (status !== 'succeeded') violations.push(`${where}: retried import ${status}: ${JSON.stringify(again.body).slice(0, 300)}`);
      const late = await missingUnder(direct, repository, version);
      if (late === null || late.length > 0)
        violations.push(`${where}: after the retry, tag ${late === null ? 'absent' : `without ${late.join(', ')}`}`);
      const bad = await downloadAll(version, 2);
      if (bad.length > 0) violations.push(`${where}: downloads after the retry: ${bad.join('; ')}`);
      // What a killed server left is swept once it is a lease old: at start, after uploads, and every lease.
      const leaked = await leftAfter(spool, 2 * LEASE_S * 1000 + 5_000);
      if (leaked.length > 0) violations.push(`${where}: leaked ${leaked.join(', ')}`);
      for (const path of ['/healthz', '/readyz']) {
        const res = await fetch(server.base + path).catch(() => null);
        if (res?.status !== 200) violations.push(`${where}: ${path} answered ${res?.status ?? 'nothing'}`);
      }
    }
    console.log(
      `# fault injection (imports, downloads): ${TRIALS} trials (${[...counts].map(([k, n]) => `${k} ${n}`).join(', ')}), ${violations.length} violations, seed ${SEED}`,
    );
    assert.deepEqual(violations, []);
  });
});
