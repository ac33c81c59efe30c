// How often a lent body pauses its connection (lent-body.ts, #lendBlocked): not once per chunk when the
// sink writes each chunk at once (a Node HTTP response, whose write() is false for any chunk above its
// high-water mark), but whenever a chunk is still unwritten once the sink had its turn. The
// connection is a counting fake that hands over a pooled buffer per turn while not paused; the sinks are
// a real HTTP response read by a real client, and a Writable that takes 20 ms per chunk.
import assert from 'node:assert/strict';
import { createServer, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { type BodySource, LentBody } from './lent-body.js';

const CHUNK = 128 * 1024;

/** A connection that delivers `chunks` pooled buffers, one per event-loop turn while not paused. */
function fakeConnection(chunks: number) {
  const stats = { pauses: 0, given: 0, delivered: 0, maxOutstanding: 0 };
  let paused = true;
  let body: LentBody | undefined;
  const pump = (): void => {
    if (paused || body === undefined || stats.delivered === chunks) return;
    stats.delivered++;
    stats.maxOutstanding = Math.max(stats.maxOutstanding, stats.delivered - stats.given);
    body.onData(Buffer.alloc(CHUNK, stats.delivered % 251), CHUNK);
    setImmediate(pump);
  };
  const src: BodySource = {
    pause() {
      if (!paused) stats.pauses++;
      paused = true;
    },
    resume() {
      if (!paused) return;
      paused = false;
      setImmediate(pump);
    },
    idleLimit() {},
    give() {
      stats.given++;
    },
    release() {},
    destroy() {},
  };
  body = new LentBody(src, { method: 'GET', url: 'http://registry.test/blob' }, chunks * CHUNK, Buffer.alloc(0), true, 10_000);
  // The constructor paused the fake before any reader came; that is not a pause of a transfer.
  stats.pauses = 0;
  return { body, stats };
}

/** Lends `body` to a real HTTP response that a real client reads as fast as it can; returns the bytes received. */
async function lendToHttpClient(body: LentBody, length: number): Promise<number> {
  const server = createServer((_req, res: ServerResponse) => {
    res.writeHead(200, { 'content-length': String(length) });
    body.lendTo(res, { stalled() {}, flowing() {} }).then(
      () => res.end(),
      () => res.destroy(),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const port = (server.address() as AddressInfo).port;
    return await new Promise<number>((resolve, reject) => {
      request(`http://127.0.0.1:${port}/`, (res) => {
        let n = 0;
        res.on('data', (c: Buffer) => {
          n += c.length;
        });
        res.on('end', () => resolve(n));
        res.on('error', reject);
      })
        .on('error', reject)
        .end();
    });
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

describe('LentBody: when the connection pauses', () => {
  it('a fast HTTP client: far fewer pauses than chunks (was one per chunk), every byte delivered', async () => {
    const chunks = 96;
    const { body, stats } = fakeConnection(chunks);
    const received = await lendToHttpClient(body, chunks * CHUNK);
    assert.equal(received, chunks * CHUNK);
    assert.equal(stats.given, chunks, 'every buffer came back once written');
    assert.ok(stats.pauses < chunks / 4, `${stats.pauses} pauses for ${chunks} chunks`);
    assert.ok(stats.maxOutstanding <= 2, `at most ${stats.maxOutstanding} buffers unwritten at once`);
  });

  it('a slow sink: paused for every chunk, never more than one chunk held (as before)', async () => {
    const chunks = 12;
    const { body, stats } = fakeConnection(chunks);
    let taken = 0;
    const slow = new Writable({
      write(chunk: Buffer, _enc, cb) {
        taken += chunk.length;
        setTimeout(cb, 20);
      },
    });
    await body.lendTo(slow, { stalled() {}, flowing() {} });
    await new Promise<void>((r) => slow.end(r));
    assert.equal(taken, chunks * CHUNK);
    assert.equal(stats.given, chunks);
    assert.ok(stats.pauses >= chunks - 1, `${stats.pauses} pauses for ${chunks} chunks`);
    assert.equal(stats.maxOutstanding, 1, 'one buffer unwritten at a time');
  });
});
