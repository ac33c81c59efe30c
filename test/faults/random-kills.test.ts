// Bounded fault injection over whole publishes (issue 17): each trial publishes a release (create + PUT of
// a two-zip tarball) through a real `serve` process on a real Distribution registry, and SIGKILLs either
// the server or the registry at a random moment of it. Both come back; then the invariants:
//   1. no visible tag without every manifest and blob it references (walked straight in the registry);
//   2. every version record in a named state, and once no upload runs: `uploaded` exactly when tagged;
//   3. the documented retry path works (GET; errored -> new upload URL + PUT; missing -> create + PUT);
//   4. no leaked spooled temp files once the retry finished;
//   5. the server alive and ready; a registry failure answered 5xx naming the registry, never 500 /
//      "internal error" / a tarball problem.
// FAULT_TRIALS trials (default 3 under CI, 100 locally); FAULT_SEED replays a run. The figures are printed.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { providerRepository } from '../../src/layout/names.js';
import { createRegistryStore } from '../../src/oci/remote/registry-store.js';
import type { OciStore } from '../../src/oci/store.js';
import type { Digest } from '../../src/oci/types.js';
import { DOCKER_REGISTRY_BIN, requireTool } from '../support/distribution.js';
import {
  type Answer,
  detailOf,
  faultTrials,
  filesIn,
  generatePgpKey,
  HOST,
  type PublishClient,
  type PublishFaultStack,
  releaseTarball,
  type ServeProcess,
  startPublishFaultStack,
  startServe,
  uploadUrlOf,
} from './publish-kit.js';

const tools = requireTool(DOCKER_REGISTRY_BIN, 'zip');
const TRIALS = faultTrials(3, 100);
const SEED = Number(process.env.FAULT_SEED) || Date.now() % 1_000_000;
const LEASE_S = 2;
const ENV = { TF_OCI_REGISTRY_PUBLISH_UPLOAD_LEASE: String(LEASE_S), TF_OCI_REGISTRY_PUBLISH_CLAIM_SETTLE_MS: '1000' };

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

const lost = (err: unknown): Answer => ({ status: 0, body: String(err) });

/** Every manifest and blob under the version tag, walked in the registry: what is missing. */
async function missingUnder(store: OciStore, repository: string, tag: string): Promise<string[] | null> {
  let index: { manifests?: Array<{ digest: Digest }> };
  try {
    index = JSON.parse((await store.fetchManifest(repository, tag)).bytes.toString('utf8'));
  } catch (err) {
    if ((err as { code?: string }).code === 'NOT_FOUND') return null; // no tag: nothing visible
    throw err;
  }
  const missing: string[] = [];
  for (const m of index.manifests ?? []) {
    let manifest: { config?: { digest: Digest }; layers?: Array<{ digest: Digest }> };
    try {
      manifest = JSON.parse((await store.fetchManifest(repository, m.digest)).bytes.toString('utf8'));
    } catch {
      missing.push(`manifest ${m.digest}`);
      continue;
    }
    for (const d of [manifest.config, ...(manifest.layers ?? [])]) {
      if (d && (await store.statBlob(repository, d.digest)) === null) missing.push(`blob ${d.digest}`);
    }
  }
  return missing;
}

describe(`random SIGKILLs of the server or the registry mid-publish (${TRIALS} trials, seed ${SEED})`, {
  skip: tools.skip ?? false,
}, () => {
  let stack: PublishFaultStack;
  let server: ServeProcess;
  let key: Awaited<ReturnType<typeof generatePgpKey>>;
  let ids: { providerId: string; keyId: string };
  let direct: OciStore;
  const repository = providerRepository('tf', HOST, 'acme', 'widget');

  before(async () => {
    stack = await startPublishFaultStack();
    server = await startServe(stack, ENV);
    key = await generatePgpKey();
    ids = await server.client.setup('acme', 'widget', key);
    direct = createRegistryStore({ url: stack.reg.url, plainHttp: true, retries: 3 });
  });
  after(async () => {
    await server?.stop();
    await stack?.close();
  });

  /** The documented way back: read the version, then create / renew + PUT until it is uploaded. */
  async function retryToUploaded(client: PublishClient, version: string, tarball: Buffer): Promise<string | null> {
    const id = `ver-acme.widget.${version}`;
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      const read = await client.getVersion(id).catch(lost);
      if (read.status === 404) {
        const created = await client.createVersion(ids, version);
        if (created.status === 201) {
          const put = await client.put(uploadUrlOf(created), tarball);
          if (put.status !== 200) return `retry PUT after create: ${put.status} ${detailOf(put)}`;
        } else if (created.status !== 409) return `retry create: ${created.status} ${detailOf(created)}`;
        continue;
      }
      if (read.status !== 200) return `GET version: ${read.status} ${detailOf(read)}`;
      const status = read.body.data.attributes.status as string;
      if (!['pending', 'uploaded', 'errored'].includes(status)) return `unnamed state ${JSON.stringify(status)}`;
      if (status === 'uploaded') return null;
      const renewed = await client.renewUrl(id);
      if (renewed.status === 409) {
        await sleep(300); // an upload holds the lease (it may still run): wait for it to end
        continue;
      }
      if (renewed.status !== 200) return `renew: ${renewed.status} ${detailOf(renewed)}`;
      const put = await client.put(uploadUrlOf(renewed), tarball);
      if (put.status !== 200) return `retry PUT: ${put.status} ${detailOf(put)}`;
    }
    return 'not uploaded within 120 s of retries';
  }

  it('keeps every invariant', async () => {
    const random = prng(SEED);
    const spool = join(stack.tmp, 'tf-oci-registry');
    // Calibration: one clean publish gives the span the kills are spread over.
    const t0 = performance.now();
    const cal = await releaseTarball(key, {
      type: 'widget',
      version: '0.0.1',
      platforms: ['darwin_arm64', 'linux_amd64'],
      zipBytes: 400_000,
    });
    const calCreated = await server.client.createVersion(ids, '0.0.1');
    assert.equal(calCreated.status, 201, detailOf(calCreated));
    const calPut = await server.client.put(uploadUrlOf(calCreated), cal);
    assert.equal(calPut.status, 200, detailOf(calPut));
    const span = performance.now() - t0;

    const violations: string[] = [];
    const kills = { server: 0, registry: 0 };
    for (let trial = 1; trial <= TRIALS; trial++) {
      const version = `1.${trial}.0`;
      const tarball = await releaseTarball(key, { type: 'widget', version, platforms: ['darwin_arm64', 'linux_amd64'], zipBytes: 400_000 });
      const target = random() < 0.5 ? 'server' : 'registry';
      const delay = Math.floor(random() * span);
      kills[target]++;
      const client = server.client;
      const attempt = (async (): Promise<{ stage: string; answer: Answer }> => {
        const created = await client.createVersion(ids, version).catch(lost);
        if (created.status !== 201) return { stage: 'create', answer: created };
        return { stage: 'upload', answer: await client.put(uploadUrlOf(created), tarball).catch(lost) };
      })();
      await sleep(delay);
      if (target === 'server') await server.kill();
      else await stack.reg.kill();
      const { stage, answer } = await attempt;
      const where = `trial ${trial} (${target} killed at ${delay} ms, ${stage} answered ${answer.status})`;
      if (answer.status === 500 || /internal error|tar archive|gzip stream/.test(detailOf(answer)))
        violations.push(`${where}: ${detailOf(answer)}`);
      if (target === 'server') server = await startServe(stack, ENV);
      else await stack.reg.restart();

      const early = await missingUnder(direct, repository, version);
      if (early !== null && early.length > 0) violations.push(`${where}: tag visible without ${early.join(', ')}`);
      const stuck = await retryToUploaded(server.client, version, tarball);
      if (stuck) violations.push(`${where}: ${stuck}`);
      const late = await missingUnder(direct, repository, version);
      if (late === null || late.length > 0)
        violations.push(`${where}: after the retry, tag ${late === null ? 'absent' : `without ${late.join(', ')}`}`);
      const record = (await server.client.getVersion(`ver-acme.widget.${version}`)).body?.data?.attributes;
      const served = await server.client.call('GET', `/v1/providers/acme/widget/${version}/download/linux/amd64`);
      const recorded = record?.platforms?.find((p: { os: string }) => p.os === 'linux')?.shasum;
      if (record?.status !== 'uploaded' || served.status !== 200 || served.body.shasum !== recorded)
        violations.push(`${where}: record ${record?.status} ${recorded}, served ${served.status} ${served.body?.shasum}`);
      const leaked = await filesIn(spool);
      if (leaked.length > 0) violations.push(`${where}: leaked ${leaked.join(', ')}`);
      for (const path of ['/healthz', '/readyz']) {
        const res = await fetch(server.base + path).catch(() => null);
        if (res?.status !== 200) violations.push(`${where}: ${path} answered ${res?.status ?? 'nothing'}`);
      }
    }
    console.log(
      `# fault injection: ${TRIALS} trials (${kills.server} server kills, ${kills.registry} registry kills), ${violations.length} violations, seed ${SEED}`,
    );
    assert.deepEqual(violations, []);
  });
});
