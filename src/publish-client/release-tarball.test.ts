// The release .tar.gz made on the fly: every file at the root with its exact bytes, and the progress
// callback accounting for every byte read.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { describe, it } from 'node:test';
import tar from 'tar-stream';
import { releaseTarball } from './release-tarball.js';

describe('releaseTarball', () => {
  it('packs the files at the root, byte for byte, reporting the bytes read', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tfoci-tarball-'));
    try {
      const contents = new Map([
        ['terraform-provider-widget_1.0.0_linux_amd64.zip', randomBytes(300_000)],
        ['terraform-provider-widget_1.0.0_SHA256SUMS', Buffer.from('abc  x\n')],
        ['terraform-provider-widget_1.0.0_SHA256SUMS.sig', randomBytes(100)],
      ]);
      const files = [];
      for (const [name, bytes] of contents) {
        await writeFile(join(dir, name), bytes);
        files.push({ filename: name, path: join(dir, name), size: bytes.length });
      }
      let reported = 0;
      const extract = tar.extract();
      releaseTarball(files, (n) => {
        reported += n;
      })
        .pipe(createGunzip())
        .pipe(extract);
      const got = new Map<string, Buffer>();
      for await (const entry of extract) {
        const chunks: Buffer[] = [];
        for await (const c of entry) chunks.push(c as Buffer);
        got.set(entry.header.name, Buffer.concat(chunks));
      }
      assert.deepEqual([...got.keys()], [...contents.keys()]);
      for (const [name, bytes] of contents) assert.ok(got.get(name)?.equals(bytes), name);
      assert.equal(reported, 300_000 + 7 + 100);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a file that cannot be read fails the stream', async () => {
    const stream = releaseTarball([{ filename: 'x.zip', path: '/nonexistent/x.zip', size: 1 }], () => undefined);
    await assert.rejects(async () => {
      for await (const _ of stream) {
        // drain
      }
    }, /ENOENT/);
  });
});
