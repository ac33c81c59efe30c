import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isVerifyError } from './errors.js';
import { Sha256Stream, sha256File } from './sha256-stream.js';

const chunks = [Buffer.from('hello '), Buffer.alloc(100_000, 1), Buffer.from('world')];
const whole = Buffer.concat(chunks);
const expectedHex = createHash('sha256').update(whole).digest('hex');

function collector(): { sink: Writable; received: () => Buffer } {
  const parts: Buffer[] = [];
  return {
    sink: new Writable({
      write(chunk: Buffer, _enc, cb) {
        parts.push(chunk);
        cb();
      },
    }),
    received: () => Buffer.concat(parts),
  };
}

test('Sha256Stream hashes and counts while passing bytes through unchanged', async () => {
  const hasher = new Sha256Stream({ maxBytes: whole.length });
  assert.throws(() => hasher.result(), /before the stream finished/);
  const { sink, received } = collector();
  await pipeline(Readable.from(chunks), hasher, sink);
  assert.deepEqual(hasher.result(), { digest: `sha256:${expectedHex}`, hex: expectedHex, size: whole.length });
  assert.equal(hasher.bytes, whole.length);
  assert.ok(received().equals(whole));
});

test('Sha256Stream fails with TOO_LARGE one byte past the cap', async () => {
  const hasher = new Sha256Stream({ maxBytes: whole.length - 1, label: 'upload.zip' });
  await assert.rejects(
    pipeline(Readable.from(chunks), hasher, collector().sink),
    (e) => isVerifyError(e, 'TOO_LARGE') && /upload\.zip is larger than the limit of 100010 bytes/.test(e.message),
  );
});

test('Sha256Stream of nothing is the sha256 of the empty string', async () => {
  const hasher = new Sha256Stream();
  await pipeline(Readable.from([]), hasher, collector().sink);
  assert.equal(hasher.result().hex, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(hasher.result().size, 0);
});

test('sha256File', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sha256-'));
  try {
    const path = join(dir, 'f');
    writeFileSync(path, whole);
    assert.equal((await sha256File(path)).digest, `sha256:${expectedHex}`);
    await assert.rejects(sha256File(path, { maxBytes: 10 }), (e) => isVerifyError(e, 'TOO_LARGE'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
