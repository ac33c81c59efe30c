// Refused module uploads, through the real app over the in-memory store: every bad input gets its status
// and a message naming the file and the rule, and leaves nothing behind (no tag, no blob or manifest pushed
// to the module repository, no temp file).
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createMemoryStore, type MemoryStore } from '../../src/oci/memory-store.js';
import { isOciError } from '../../src/oci/errors.js';
import type { OciStore } from '../../src/oci/store.js';
import { moduleRepository } from '../../src/layout/names.js';
import { lieAboutSize, moduleFiles, patchBytes, tarGz, zipOf } from './support/archives.js';
import { apiClient, buildModuleApp, type ModuleApp } from './support/module-app.js';

const LIMITS = { maxUploadBytes: 256 * 1024, maxUnpackedBytes: 512 * 1024, maxFileBytes: 128 * 1024, maxEntries: 20 };
const REPO = moduleRepository('tf', 'registry.example.test', 'acme', 'vpc', 'aws');
const MAIN_TF = moduleFiles('1.0.0')['main.tf']!;

describe('module uploads: refusals', () => {
  let store: MemoryStore;
  let m: ModuleApp;
  let api: ReturnType<typeof apiClient>;
  let tmp: string;
  const pushedToModule: string[] = [];

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'tfoci-modules-'));
    store = createMemoryStore();
    // The upload's lease and claim write to <prefix>/records and <prefix>/claims; the module repository
    // must get nothing from a refused upload.
    const watched: OciStore = {
      ...store,
      pushBlob: (repository, ...rest) => {
        if (repository === REPO) pushedToModule.push('blob');
        return store.pushBlob(repository, ...rest);
      },
      pushManifest: (repository, ...rest) => {
        if (repository === REPO) pushedToModule.push('manifest');
        return store.pushManifest(repository, ...rest);
      },
    };
    m = buildModuleApp(watched, { limits: LIMITS, tmpDir: tmp });
    api = apiClient(m.app);
    const created = await api.createModule({ namespace: 'acme', name: 'vpc', system: 'aws', description: 'test' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
  });
  after(() => rm(tmp, { recursive: true, force: true }));
  beforeEach(() => {
    store.resetCalls();
    pushedToModule.length = 0;
  });

  async function assertNothingBehind(): Promise<void> {
    assert.deepEqual(pushedToModule, [], 'no blob or manifest pushed to the module repository');
    try {
      const tags = await store.listTags(REPO);
      assert.deepEqual(
        tags.filter((t) => t === '1.0.0'),
        [],
        'no version tag',
      );
    } catch (err) {
      assert.ok(isOciError(err, 'NOT_FOUND'), String(err));
    }
    assert.deepEqual(await readdir(tmp), [], 'temp files removed');
  }

  async function refused(archive: Buffer, status: number, detail: RegExp, version = '1.0.0'): Promise<string[]> {
    const res = await api.upload('mod-acme.vpc.aws', version, archive);
    assert.equal(res.status, status, JSON.stringify(res.body));
    const details = (res.body.errors as Array<{ detail: string }>).map((e) => e.detail);
    assert.ok(
      details.some((d) => detail.test(d)),
      `expected ${detail} in ${JSON.stringify(details)}`,
    );
    await assertNothingBehind();
    return details;
  }

  it('refuses an archive without a .tf or .tofu file at its root (422)', async () => {
    await refused(
      await zipOf([
        { name: 'README.md', content: '# x' },
        { name: 'docs/notes.txt', content: 'x' },
      ]),
      422,
      /no \.tf or \.tofu file at its root.*\(it holds README\.md, docs\/notes\.txt\)/,
    );
    await refused(
      await tarGz([
        { name: 'a/b/main.tf', content: MAIN_TF },
        { name: 'c/x.txt', content: 'x' },
      ]),
      422,
      /no \.tf or \.tofu file at its root.*found a\/b\/main\.tf, inside a directory/,
    );
  });

  it('refuses path traversal in a tar.gz and in a zip (422, naming the entry)', async () => {
    await refused(
      await tarGz([
        { name: 'main.tf', content: MAIN_TF },
        { name: '../evil.tf', content: 'x' },
      ]),
      422,
      /"\.\.\/evil\.tf": "\.\." is not allowed in paths/,
    );
    const zip = patchBytes(
      await zipOf([
        { name: 'main.tf', content: MAIN_TF },
        { name: 'ZZ/evil.tf', content: 'x' },
      ]),
      'ZZ/evil.tf',
      '../evil.tf',
    );
    await refused(zip, 422, /"\.\.\/evil\.tf": "\.\." is not allowed/);
  });

  it('refuses absolute paths (422)', async () => {
    await refused(
      await tarGz([
        { name: 'main.tf', content: MAIN_TF },
        { name: '/etc/cron.tf', content: 'x' },
      ]),
      422,
      /"\/etc\/cron\.tf": absolute paths are not allowed/,
    );
    const zip = patchBytes(
      await zipOf([
        { name: 'main.tf', content: MAIN_TF },
        { name: 'Zetc/cron.tf', content: 'x' },
      ]),
      'Zetc/cron.tf',
      '/etc/cron.tf',
    );
    await refused(zip, 422, /"\/etc\/cron\.tf": absolute paths are not allowed/);
  });

  it('refuses symbolic links, hard links and devices (422, every problem listed)', async () => {
    const details = await refused(
      await tarGz([
        { name: 'main.tf', content: MAIN_TF },
        { name: 'passwd.tf', type: 'symlink', linkname: '/etc/passwd' },
        { name: 'hard.tf', type: 'link', linkname: 'main.tf' },
        { name: 'tty', type: 'character-device' },
      ]),
      422,
      /"passwd\.tf": symbolic links are not allowed/,
    );
    assert.ok(
      details.some((d) => /"hard\.tf": hard links are not allowed/.test(d)),
      JSON.stringify(details),
    );
    assert.ok(
      details.some((d) => /"tty": device files are not allowed/.test(d)),
      JSON.stringify(details),
    );
    await refused(
      await zipOf([
        { name: 'main.tf', content: MAIN_TF },
        { name: 'link.tf', content: '/etc/passwd', mode: 0o120777 },
      ]),
      422,
      /"link\.tf": symbolic links are not allowed/,
    );
  });

  it('refuses a file over the per-file limit, and a module over the total limit (413)', async () => {
    const big = Buffer.alloc(LIMITS.maxFileBytes + 1, 'a');
    await refused(
      await tarGz([
        { name: 'main.tf', content: MAIN_TF },
        { name: 'big.bin', content: big },
      ]),
      413,
      /big\.bin is 131073 bytes, over the per-file limit of 131072 bytes/,
    );
    await refused(
      await zipOf([
        { name: 'main.tf', content: MAIN_TF },
        { name: 'big.bin', content: big },
      ]),
      413,
      /big\.bin is 131073 bytes/,
    );
    const files = Array.from({ length: 5 }, (_, i) => ({ name: `part${i}.bin`, content: Buffer.alloc(120 * 1024, i) }));
    await refused(
      await zipOf([{ name: 'main.tf', content: MAIN_TF }, ...files]),
      413,
      /add up to more than the limit of 524288 bytes \(reached at part4\.bin\)/,
    );
  });

  it('refuses an upload over the size limit, with or without Content-Length (413)', async () => {
    const random = Buffer.from(Array.from({ length: LIMITS.maxUploadBytes + 10 }, (_, i) => (i * 7919) % 251));
    await refused(random, 413, /the upload is 262154 bytes, over the limit of 262144 bytes/);
    const res = await m.app.request('/api/v1/modules/mod-acme.vpc.aws/versions/1.0.0', {
      method: 'PUT',
      body: new ReadableStream({
        start(c) {
          c.enqueue(random);
          c.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    assert.equal(res.status, 413);
    assert.match(
      ((await res.json()) as { errors: Array<{ detail: string }> }).errors[0]!.detail,
      /the upload is larger than the limit of 262144 bytes/,
    );
    await assertNothingBehind();
  });

  it('refuses too many entries (413)', async () => {
    const entries = Array.from({ length: LIMITS.maxEntries + 1 }, (_, i) => ({ name: `f${i}.tf`, content: '' }));
    await refused(await tarGz(entries), 413, /more than 20 entries/);
    await refused(await zipOf(entries), 413, /more than 20 entries/);
  });

  it('refuses a zip bomb whose directory lies about sizes, without expanding it (422)', async () => {
    const zeros = Buffer.alloc(2 * 1024 * 1024);
    const bomb = lieAboutSize(
      await zipOf([
        { name: 'main.tf', content: MAIN_TF },
        { name: 'zeros.bin', content: zeros },
      ]),
      'zeros.bin',
      100,
    );
    assert.ok(bomb.length < LIMITS.maxUploadBytes);
    await refused(bomb, 422, /the module archive was refused: zeros\.bin: too many bytes in the stream\. expected 100/);
  });

  it('refuses a gzip bomb at the expanded-size limit (413)', async () => {
    const bomb = gzipSync(Buffer.alloc(40 * 1024 * 1024));
    assert.ok(bomb.length < LIMITS.maxUploadBytes);
    const started = Date.now();
    await refused(bomb, 413, /the unpacked archive is larger than the limit/);
    assert.ok(Date.now() - started < 5000, 'cut off early');
  });

  it('refuses what is not a zip or a tar.gz (415), an uncompressed tar (415, with a hint), an empty body (422)', async () => {
    await refused(Buffer.from('just some text, not an archive'), 415, /neither a zip archive nor a gzip-compressed tar archive/);
    const plainTar = (await import('node:zlib')).gunzipSync(await tarGz([{ name: 'main.tf', content: MAIN_TF }]));
    await refused(plainTar, 415, /uncompressed tar archive: compress it with gzip/);
    await refused(Buffer.alloc(0), 422, /the upload is empty/);
    const details = await refused(
      gzipSync(Buffer.from('not a tar at all, but long enough to fill a header block '.repeat(20))),
      422,
      /not a valid tar archive/,
    );
    assert.equal(details.length, 1, 'an unreadable archive is not judged further');
    await refused(Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(100)]), 422, /not a readable zip archive/);
  });

  it('refuses duplicate entries and names differing only in case (422)', async () => {
    await refused(
      await tarGz([
        { name: 'main.tf', content: MAIN_TF },
        { name: './main.tf', content: MAIN_TF },
      ]),
      422,
      /"\.\/main\.tf": appears more than once/,
    );
    await refused(
      await zipOf([
        { name: 'main.tf', content: MAIN_TF },
        { name: 'Main.tf', content: MAIN_TF },
      ]),
      422,
      /"Main\.tf": differs from main\.tf only in letter case/,
    );
  });

  it('refuses a version that is not canonical semver (422) and an unknown module (404)', async () => {
    const zip = await zipOf([{ name: 'main.tf', content: MAIN_TF }]);
    await refused(zip, 422, /"v1\.0\.0" is not a canonical semantic version/, 'v1.0.0');
    const res = await api.upload('mod-acme.nope.aws', '1.0.0', zip);
    assert.equal(res.status, 404);
    assert.match(res.body.errors[0].detail, /no module with id "mod-acme\.nope\.aws"/);
    await assertNothingBehind();
  });

  it('refuses the same version twice (409) and keeps the first', async () => {
    const first = await api.upload('mod-acme.vpc.aws', '2.0.0', await zipOf([{ name: 'main.tf', content: MAIN_TF }]));
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const digest = (await store.resolveManifest(REPO, '2.0.0')).digest;
    store.resetCalls();
    const second = await api.upload('mod-acme.vpc.aws', '2.0.0', await zipOf([{ name: 'main.tf', content: `${MAIN_TF}\n# changed\n` }]));
    assert.equal(second.status, 409);
    assert.match(second.body.errors[0].detail, /already has version 2\.0\.0; versions are immutable/);
    assert.equal(store.calls.pushBlob + store.calls.pushManifest, 0);
    assert.equal((await store.resolveManifest(REPO, '2.0.0')).digest, digest);
    assert.deepEqual(await readdir(tmp), []);
  });
});
