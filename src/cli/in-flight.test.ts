// The in-flight set of `serve` (in-flight.ts) on a real node:http server: what counts as in flight, so that
// a graceful shutdown waits for every response whose bytes are not all with the kernel yet.
import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { createInFlight } from './in-flight.js';

async function listen(listener: RequestListener): Promise<{ server: Server; url: string }> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function get(url: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => request(url, resolve).on('error', reject).end());
}

describe('in-flight requests', () => {
  const servers: Server[] = [];
  after(() => {
    for (const s of servers) s.closeAllConnections();
    for (const s of servers) s.close();
  });

  it('a small answer written in the listener is not in flight once the listener returns', async () => {
    const inFlight = createInFlight();
    let sizeAfter = -1;
    const { server, url } = await listen((req, res) => {
      inFlight.track((_req, r) => r.end('ok'))(req, res);
      sizeAfter = inFlight.size;
    });
    servers.push(server);
    const res = await get(url);
    res.resume();
    assert.equal(sizeAfter, 0);
    assert.equal(await inFlight.drain(10), true);
  });

  it('an answer still being written (the client does not read) stays in flight until its response closes', async () => {
    const inFlight = createInFlight();
    let sizeAfter = -1;
    let closed: Promise<void> | undefined;
    const { server, url } = await listen((req, res) => {
      // 64 MiB ended at once: more than the socket buffers take, so bytes wait in Node's stream.
      inFlight.track((_req, r) => r.end(Buffer.alloc(64 << 20)))(req, res);
      sizeAfter = inFlight.size;
      closed = new Promise((resolve) => res.once('close', () => resolve()));
    });
    servers.push(server);
    const res = await get(url);
    res.pause();
    assert.equal(sizeAfter, 1);
    assert.equal(await inFlight.drain(50), false, 'drain waits for the unsent bytes');
    res.resume();
    await closed;
    assert.equal(await inFlight.drain(1000), true);
  });

  it('an answer not yet written stays in flight until it is', async () => {
    const inFlight = createInFlight();
    let answer: (() => void) | undefined;
    const { server, url } = await listen(
      inFlight.track((_req, res) => {
        answer = () => res.end('late');
      }),
    );
    servers.push(server);
    const pending = get(url);
    while (answer === undefined) await new Promise((r) => setTimeout(r, 5));
    assert.equal(inFlight.size, 1);
    const drained = inFlight.drain(5000);
    answer();
    (await pending).resume();
    assert.equal(await drained, true);
    assert.equal(inFlight.size, 0);
  });
});
