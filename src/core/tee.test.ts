// The two-way copy used to stream a zip to the store and to a temp file at once.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Tee } from './tee.js';

function sink(opts: { slow?: boolean } = {}): { stream: Writable; bytes(): Buffer } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    highWaterMark: 1024,
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk);
      if (opts.slow) setTimeout(cb, 1);
      else cb();
    },
  });
  return { stream, bytes: () => Buffer.concat(chunks) };
}

describe('Tee', () => {
  it('copies every byte to both destinations, at the pace of the slower one', async () => {
    const data = Array.from({ length: 50 }, (_, i) => Buffer.alloc(4096, i));
    const [a, b] = [sink(), sink({ slow: true })];
    await pipeline(Readable.from(data), new Tee(a.stream, b.stream));
    assert.deepEqual(a.bytes(), Buffer.concat(data));
    assert.deepEqual(b.bytes(), Buffer.concat(data));
    assert.ok(a.stream.writableFinished && b.stream.writableFinished);
  });

  it('fails (never hangs) when a destination errors or is destroyed without an error', async () => {
    const failing = new Writable({ write: (_c, _e, cb) => cb(new Error('disk full')) });
    await assert.rejects(pipeline(Readable.from([Buffer.from('x')]), new Tee(failing, sink().stream)), /disk full/);

    const unread = new PassThrough({ highWaterMark: 1 });
    const tee = new Tee(unread, sink().stream);
    setTimeout(() => unread.destroy(), 5);
    const endless = new Readable({
      read() {
        this.push(Buffer.alloc(1024));
      },
    });
    await assert.rejects(pipeline(endless, tee), /closed early/);
  });
});
