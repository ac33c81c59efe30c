// The chunk joiner in front of the pull-through relay: same bytes, fewer chunks, nothing held back.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import fc from 'fast-check';
import { Coalesce } from './coalesce.js';

function collect(): { stream: Writable; chunks: Buffer[] } {
  const chunks: Buffer[] = [];
  return {
    chunks,
    stream: new Writable({
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk);
        cb();
      },
    }),
  };
}

describe('Coalesce', () => {
  it('passes every byte in order and never splits a chunk', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 3000 }), { maxLength: 40 }),
        fc.integer({ min: 1, max: 8192 }),
        fc.integer({ min: 1, max: 4096 }),
        async (parts, limit, large) => {
          const input = parts.map((p) => Buffer.from(p));
          const out = collect();
          await pipeline(Readable.from(input), new Coalesce(limit, large), out.stream);
          assert.deepEqual(Buffer.concat(out.chunks), Buffer.concat(input));
          assert.ok(out.chunks.length <= input.length);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('joins the reads of one burst: 384 chunks of 16 KiB become 24 of 256 KiB', async () => {
    const input = Array.from({ length: 384 }, (_, i) => Buffer.alloc(16 * 1024, i));
    const out = collect();
    await pipeline(Readable.from(input), new Coalesce(), out.stream);
    assert.deepEqual(
      out.chunks.map((c) => c.length),
      Array.from({ length: 24 }, () => 256 * 1024),
    );
    assert.deepEqual(Buffer.concat(out.chunks), Buffer.concat(input));
  });

  it('passes large chunks on as they are (no copy), after the small ones held before them', async () => {
    const big = Buffer.alloc(64 * 1024, 7);
    const input = [Buffer.from('a'), Buffer.from('b'), big, Buffer.from('c')];
    const out = collect();
    await pipeline(Readable.from(input), new Coalesce(), out.stream);
    assert.deepEqual(Buffer.concat(out.chunks), Buffer.concat(input));
    assert.ok(out.chunks.includes(big), 'the 64 KiB chunk is the same buffer');
    assert.equal(Buffer.concat(out.chunks.slice(0, out.chunks.indexOf(big))).toString(), 'ab');
  });

  it('does not wait for more bytes: a chunk from a source that then stalls goes out in the same turn', async () => {
    const source = new PassThrough();
    const joiner = new Coalesce();
    source.pipe(joiner);
    source.write(Buffer.from('first bytes'));
    const [chunk] = (await once(joiner, 'data')) as [Buffer];
    assert.equal(chunk.toString(), 'first bytes');
    source.end();
    joiner.resume();
    await once(joiner, 'end');
  });

  it('stops with its source: an error or a destroy releases nothing more', async () => {
    const failing = new Readable({
      read() {
        this.push(Buffer.alloc(10));
        this.destroy(new Error('connection reset'));
      },
    });
    const out = collect();
    await assert.rejects(pipeline(failing, new Coalesce(), out.stream), /connection reset/);
    const joiner = new Coalesce();
    joiner.write(Buffer.alloc(10));
    joiner.destroy();
    await once(joiner, 'close');
    let pushed = false;
    joiner.on('data', () => {
      pushed = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(pushed, false);
  });
});
