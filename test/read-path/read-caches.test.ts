// The read path's caches end to end (memory store, real fixtures, counted store calls):
//  - stale-while-revalidate: after the revalidation interval a warm listing is still ONE tags/list on the
//    request path; the tag HEADs run in the background; a moved tag shows from the next request on;
//  - the shared tag -> index cache is used for a caller only behind the caller's own listing;
//  - memoized answers: the same object while nothing changed, recomputed after invalidateRepository
//    (publish/delete on this replica); download documents reused for a window that keeps 90 % of the
//    ticket lifetime;
//  - the per-request abort signal is not even created on a warm request.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { providerRepository } from '../../src/layout/names.js';
import { OciError } from '../../src/oci/errors.js';
import { createMemoryStore } from '../../src/oci/memory-store.js';
import type { CallOptions, OciStore } from '../../src/oci/store.js';
import type { Caller } from '../../src/core/caller.js';
import { invalidateRepository } from '../../src/read-cache/reader.js';
import { countingStore, type CountingStore } from '../support/counting-store.js';
import { requireTool } from '../support/distribution.js';
import { createTestSigner, type TestSigner } from '../support/gpg-signer.js';
import { makeFixtureRelease, pushRelease, type FixtureRelease } from '../support/provider-fixture.js';
import { buildTestApp } from '../support/test-app.js';

const HOST = 'registry.example.test';
const REPO = providerRepository('tf', HOST, 'acme', 'widget');
const LINUX = [{ os: 'linux', arch: 'amd64' }];
const TAGS_TTL = 10_000;
const REVALIDATE = 30 * TAGS_TTL;
const VERSIONS = '/v1/providers/acme/widget/versions';
const DOWNLOAD = '/v1/providers/acme/widget/1.0.0/download/linux/amd64';

/** A store whose view depends on the credential: `hidden` tags do not exist for `bob`, `eve` may not read at all. */
function perCredentialStore(inner: OciStore, hidden: Set<string>): OciStore {
  const who = (o?: CallOptions) => o?.credential?.username;
  const check = (o: CallOptions | undefined, reference?: string) => {
    if (who(o) === 'eve') throw new OciError('DENIED', 'eve may not pull');
    if (who(o) === 'bob' && reference !== undefined && hidden.has(reference)) throw new OciError('NOT_FOUND', `${reference} not found`);
  };
  return {
    ...inner,
    describe: inner.describe,
    listTags: async (r, o) => {
      check(o);
      const tags = await inner.listTags(r, o);
      return who(o) === 'bob' ? tags.filter((t) => !hidden.has(t)) : tags;
    },
    resolveManifest: async (r, ref, o) => {
      check(o, ref);
      return inner.resolveManifest(r, ref, o);
    },
    fetchManifest: async (r, ref, o) => {
      check(o, ref);
      return inner.fetchManifest(r, ref, o);
    },
  };
}

describe('read caches', requireTool('gpg', 'zip'), () => {
  let signer: TestSigner;
  let v1: FixtureRelease;
  let v2: FixtureRelease;
  let v3: FixtureRelease;

  before(async () => {
    signer = await createTestSigner();
    v1 = await makeFixtureRelease({ type: 'widget', version: '1.0.0', platforms: LINUX, signer });
    v2 = await makeFixtureRelease({ type: 'widget', version: '1.1.0', platforms: LINUX, signer });
    v3 = await makeFixtureRelease({ type: 'widget', version: '2.0.0', platforms: LINUX, signer });
  });
  after(async () => signer?.cleanup());

  async function fixture(): Promise<{ base: ReturnType<typeof createMemoryStore>; counted: CountingStore }> {
    const base = createMemoryStore();
    await pushRelease(base, REPO, v1);
    await pushRelease(base, REPO, v2);
    return { base, counted: countingStore(base) };
  }

  const versionsOf = async (res: Response) =>
    ((await res.json()) as { versions: Array<{ version: string; protocols: string[] }> }).versions;

  it('after the revalidation interval a warm listing costs one tags/list on the request path; HEADs run in the background', async () => {
    const { counted } = await fixture();
    const { app, clock, deps } = buildTestApp(counted, { tagsTtlMs: TAGS_TTL });
    assert.equal((await app.request(VERSIONS)).status, 200);
    assert.deepEqual(counted.counts, { listTags: 1, fetchManifest: 2 }, 'cold: tags/list + one GET per version');

    counted.reset();
    clock.now += REVALIDATE + 1;
    const res = await app.request(VERSIONS);
    assert.equal(res.status, 200);
    assert.deepEqual(
      (await versionsOf(res)).map((v) => v.version),
      ['1.0.0', '1.1.0'],
    );
    assert.deepEqual(counted.counts, { listTags: 1 }, 'no manifest GET on the request path');
    await deps.revalidator.idle();
    assert.deepEqual(counted.counts, { listTags: 1, resolveManifest: 2 }, 'one background HEAD per version');
    assert.equal(deps.revalidator.stats.confirmed, 2);

    counted.reset();
    await app.request(VERSIONS);
    await deps.revalidator.idle();
    assert.equal(counted.total(), 0, 'confirmed entries are fresh again');
  });

  it('a tag moved by another tool is served stale once, then from the next request on, moved', async () => {
    const { base, counted } = await fixture();
    const { app, clock, deps } = buildTestApp(counted, { tagsTtlMs: TAGS_TTL });
    assert.deepEqual((await versionsOf(await app.request(VERSIONS)))[0]!.protocols, ['5.0']);
    await pushRelease(base, REPO, v1, ['6.0']); // 1.0.0 now points at another index
    clock.now += REVALIDATE + 1;
    assert.deepEqual((await versionsOf(await app.request(VERSIONS)))[0]!.protocols, ['5.0'], 'stale while revalidating');
    await deps.revalidator.idle();
    assert.equal(deps.revalidator.stats.moved, 1);
    assert.deepEqual((await versionsOf(await app.request(VERSIONS)))[0]!.protocols, ['6.0'], 'the memoized listing was invalidated');
  });

  it("shares tag -> index across principals only behind each caller's own listing", async () => {
    const { base } = await fixture();
    const counted = countingStore(perCredentialStore(base, new Set(['1.0.0'])));
    const { services } = buildTestApp(counted, { tagsTtlMs: TAGS_TTL });
    const as = (username: string): Caller => ({ principal: `p-${username}`, credential: { username, password: 'x' } });
    const input = { namespace: 'acme', type: 'widget', version: '1.0.0', os: 'linux', arch: 'amd64' };

    assert.equal((await services.findProviderPackage(input, as('alice'))).filename, v1.zips[0]!.filename);
    assert.equal((await services.listProviderVersions('acme', 'widget', as('alice'))).versions.length, 2);

    // carol may read everything: alice's entries serve her, after her OWN tags/list.
    counted.reset();
    assert.equal((await services.listProviderVersions('acme', 'widget', as('carol'))).versions.length, 2);
    assert.deepEqual(counted.counts, { listTags: 1 }, 'no manifest GET: the shared entries were used');

    // bob's listing does not hold 1.0.0: the shared entry is not his, the registry answers him.
    counted.reset();
    await assert.rejects(
      async () => services.findProviderPackage(input, as('bob')),
      (e: unknown) => (e as { code?: string }).code === 'VERSION_NOT_FOUND',
    );
    assert.deepEqual(counted.counts, { listTags: 1, fetchManifest: 1 }, 'asked upstream as bob');
    assert.deepEqual(
      (await services.listProviderVersions('acme', 'widget', as('bob'))).versions.map((v) => v.version),
      ['1.1.0'],
    );

    // eve cannot list: nothing cached by others reaches her.
    for (const call of [
      () => services.findProviderPackage(input, as('eve')),
      () => services.listProviderVersions('acme', 'widget', as('eve')),
      () => services.mirrorVersion({ hostname: HOST, namespace: 'acme', type: 'widget', version: '1.0.0' }, as('eve')),
    ]) {
      await assert.rejects(
        async () => call(),
        (e: unknown) => (e as { code?: string }).code === 'FORBIDDEN',
      );
    }
  });

  it("a tag gone from the caller's listing is not found, although its entry is still cached", async () => {
    const { base, counted } = await fixture();
    const { app, clock, deps } = buildTestApp(counted, { tagsTtlMs: TAGS_TTL });
    assert.equal((await app.request(DOWNLOAD)).status, 200);
    const index = await base.fetchManifest(REPO, '1.0.0');
    await base.deleteManifest(REPO, index.descriptor.digest); // another replica deleted 1.0.0
    assert.ok(deps.tagDigests.get(REPO, '1.0.0'), 'still cached here');
    clock.now += TAGS_TTL + 1;
    assert.equal((await app.request(DOWNLOAD)).status, 404);
    assert.equal((await app.request(`/mirror/${HOST}/acme/widget/1.0.0.json`)).status, 404);
    assert.deepEqual(
      (await versionsOf(await app.request(VERSIONS))).map((v) => v.version),
      ['1.1.0'],
    );
  });

  it('memoized answers: the same object while nothing changed; recomputed at once after invalidateRepository', async () => {
    const { base, counted } = await fixture();
    const { services, deps } = buildTestApp(counted, { tagsTtlMs: TAGS_TTL });
    const caller: Caller = { principal: 'service' };
    const first = await services.listProviderVersions('acme', 'widget', caller);
    assert.equal(await services.listProviderVersions('acme', 'widget', caller), first);
    const index = await services.mirrorIndex(HOST, 'acme', 'widget', caller);
    assert.equal(await services.mirrorIndex(HOST, 'acme', 'widget', caller), index);
    const input = { namespace: 'acme', type: 'widget', version: '1.0.0', os: 'linux', arch: 'amd64' };
    const doc = await services.findProviderPackage(input, caller);
    assert.equal(await services.findProviderPackage(input, caller), doc, 'no new tickets sealed');

    await pushRelease(base, REPO, v3); // published on this replica:
    invalidateRepository(deps, REPO);
    const after = await services.listProviderVersions('acme', 'widget', caller);
    assert.deepEqual(
      after.versions.map((v) => v.version),
      ['1.0.0', '1.1.0', '2.0.0'],
    );
    assert.deepEqual([...(await services.mirrorIndex(HOST, 'acme', 'widget', caller))], ['1.0.0', '1.1.0', '2.0.0']);
    assert.notEqual(await services.findProviderPackage(input, caller), doc, 'a new document after the repository changed');

    const deleted = await base.fetchManifest(REPO, '2.0.0');
    await base.deleteManifest(REPO, deleted.descriptor.digest);
    invalidateRepository(deps, REPO);
    assert.deepEqual(
      (await services.listProviderVersions('acme', 'widget', caller)).versions.map((v) => v.version),
      ['1.0.0', '1.1.0'],
    );
  });

  it('reuses a download document for a window that leaves at least 90 % of the ticket lifetime', async () => {
    const { counted } = await fixture();
    const { app, clock } = buildTestApp(counted, { tagsTtlMs: 60_000, downloadTtl: 300 });
    const url = async () => ((await (await app.request(DOWNLOAD)).json()) as { download_url: string }).download_url;
    const start = clock.now;
    const first = await url();
    clock.now += 29_000;
    assert.equal(await url(), first, 'same document within 30 s');
    // Handed out again 29 s after sealing, the URL still has 0.9 × 300 s to live (less the second
    // rounding of the ticket's expiry).
    clock.now = start + 29_000 + 270_000 - 1_000;
    assert.equal((await app.request(new URL(first).pathname)).status, 200);
    assert.notEqual(await url(), first, 'new tickets after the window');
  });

  it('checks proxied zips by size only (the client verifies them), and everything else by digest', async () => {
    const { base } = await fixture();
    const seen: Array<{ digest: string; verify: string | undefined }> = [];
    const recording: OciStore = {
      ...base,
      describe: base.describe,
      fetchBlob: (r, d, o) => {
        seen.push({ digest: d, verify: o?.verify });
        return base.fetchBlob(r, d, o);
      },
    };
    const { app } = buildTestApp(recording, { tagsTtlMs: TAGS_TTL });
    const doc = (await (await app.request(DOWNLOAD)).json()) as {
      download_url: string;
      shasums_url: string;
      shasums_signature_url: string;
      shasum: string;
    };
    seen.length = 0;
    for (const u of [doc.download_url, doc.shasums_url, doc.shasums_signature_url])
      assert.equal((await app.request(new URL(u).pathname)).status, 200);
    assert.deepEqual(
      seen.map((s) => s.verify),
      ['size', 'digest', 'digest'],
    );
    assert.equal(seen[0]!.digest, `sha256:${doc.shasum}`, 'the zip');
  });

  it("does not create the request's abort signal unless an upstream call is made", async () => {
    const { counted } = await fixture();
    const { app } = buildTestApp(counted, { tagsTtlMs: TAGS_TTL });
    const get = async (path: string) => {
      const req = new Request(`https://${HOST}${path}`);
      let reads = 0;
      const ac = new AbortController();
      Object.defineProperty(req, 'signal', {
        get: () => {
          reads++;
          return ac.signal;
        },
      });
      const res = await app.fetch(req);
      await res.arrayBuffer();
      return { status: res.status, reads };
    };
    const cold = await get(VERSIONS);
    assert.equal(cold.status, 200);
    assert.ok(cold.reads > 0, 'an upstream call takes the signal');
    for (const path of [VERSIONS, DOWNLOAD, DOWNLOAD, `/mirror/${HOST}/acme/widget/index.json`]) await get(path);
    const warm = await get(VERSIONS);
    assert.deepEqual(warm, { status: 200, reads: 0 });
    assert.deepEqual(await get(DOWNLOAD), { status: 200, reads: 0 });
  });
});
