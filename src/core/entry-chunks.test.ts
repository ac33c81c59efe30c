// tar-stream entries through Node's pipeline(): every byte when all is well, and a rejection (never a wait
// without end) when the tarball failed before the entry was read: the stall that hung a refused gzip bomb.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import tar from 'tar-stream';
import { entryChunks } from './entry-chunks.js';

type Entry = ReturnType<typeof tar.extract> extends AsyncIterable<infer S> ? S : never;

/** A tarball of one file of `size` bytes, cut after `sent` bytes of its content (the rest never comes). */
async function firstEntry(size: number, sent: number): Promise<{ extract: ReturnType<typeof tar.extract>; entry: Entry }> {
  const pack = tar.pack();
  const extract = tar.extract();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => chunks.push(c as Buffer));
  pack.entry({ name: 'terraform-provider-widget_1.0.0_linux_amd64.zip', size }, Buffer.alloc(size, 7));
  pack.finalize();
  await once(pack, 'end');
  const bytes = Buffer.concat(chunks);
  const iterator = extract[Symbol.asyncIterator]();
  extract.write(bytes.subarray(0, 512 + sent));
  const next = await iterator.next();
  return { extract, entry: next.value as Entry };
}

function counter(): { sink: Writable; bytes(): number } {
  let n = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      n += chunk.length;
      cb();
    },
  });
  return { sink, bytes: () => n };
}

describe('entryChunks', () => {
  it('passes every byte of an entry to pipeline()', async () => {
    const { extract, entry } = await firstEntry(4096, 4096);
    const c = counter();
    const done = pipeline(entryChunks(entry), c.sink);
    extract.end(Buffer.alloc(1024));
    await done;
    assert.equal(c.bytes(), 4096);
  });

  it('rejects when the tarball failed before the entry was read (pipeline(entry) would wait forever)', async () => {
    const { extract, entry } = await firstEntry(1 << 20, 1000);
    extract.on('error', () => undefined);
    entry.on('error', () => undefined);
    extract.destroy(new Error('the unpacked tarball is larger than the limit'));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(entry.destroyed, true, 'the entry is destroyed with its tarball');
    // Nothing else keeps this process alive: a pipeline that never settles fails the test at once
    // ("Promise resolution is still pending but the event loop has already resolved").
    await assert.rejects(pipeline(entryChunks(entry), counter().sink));
  });

  it('rejects when the tarball fails while the entry is being read', async () => {
    const { extract, entry } = await firstEntry(1 << 20, 1000);
    extract.on('error', () => undefined);
    const c = counter();
    const done = pipeline(entryChunks(entry), c.sink);
    setImmediate(() => extract.destroy(new Error('the client closed the connection')));
    await assert.rejects(done);
  });
});
