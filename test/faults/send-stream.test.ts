// sendStream (src/http/node-io.ts), the one place a blob stream is written into a Node response: every
// way out destroys the upstream stream, so that its registry connection goes back to the pool. A client
// that stops reading is cut after `idleMs` (whatever the store does); a client gone before the stream was
// handed over, headers Node refuses, and an upstream failure mid-transfer all end with the stream
// destroyed and the socket closed. Real Node HTTP server (@hono/node-server), raw-socket clients.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import pino from 'pino';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppEnv } from '../../src/http/env.js';
import { sendStream } from '../../src/http/node-io.js';
import { accessWriter, RequestLog } from '../../src/http/pipeline/request-log.js';
import { stalledGet, waitFor } from './fault-kit.js';

/** An endless stream of 64 KiB chunks that records when it is destroyed. */
function endless(): Readable & { destroyedAt?: number } {
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  const s: Readable & { destroyedAt?: number } = new Readable({
    read() {
      this.push(chunk);
    },
    destroy(err, cb) {
      s.destroyedAt = performance.now();
      cb(err);
    },
  });
  return s;
}

describe('sendStream', () => {
  const logs: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (l: string) => logs.push(l) });
  const bodies: Array<Readable & { destroyedAt?: number }> = [];
  const app = new Hono<AppEnv>();
  app.use(async (c, next) => {
    c.set('log', new RequestLog(logger, accessWriter(logger), 'test'));
    await next();
  });
  app.get('/endless', (c) => {
    const b = endless();
    bodies.push(b);
    return sendStream(c, 200, { 'Content-Type': 'application/octet-stream' }, b, { idleMs: 500 });
  });
  app.get('/steady', (c) => {
    const b = endless();
    bodies.push(b);
    return sendStream(c, 200, { 'Content-Type': 'application/octet-stream' }, b, { idleMs: 2_000 });
  });
  app.get('/late', async (c) => {
    await sleep(300); // the client leaves while the "upstream" is being opened
    const b = endless();
    bodies.push(b);
    return sendStream(c, 200, {}, b, { idleMs: 60_000 });
  });
  app.get('/bad-header', (c) => {
    const b = endless();
    bodies.push(b);
    return sendStream(c, 200, { 'Content-Disposition': 'attachment; filename="\u202e.zip"' }, b);
  });
  app.get('/fails', (c) => {
    let n = 0;
    const b: Readable & { destroyedAt?: number } = new Readable({
      read() {
        if (++n > 3) this.destroy(new Error('registry went away'));
        else this.push(Buffer.alloc(1024));
      },
    });
    bodies.push(b);
    return sendStream(c, 200, {}, b);
  });
  app.onError((err, c) => c.text(String(err), 500));
  let server: Server | undefined;
  async function base(): Promise<string> {
    if (!server) {
      server = createServer(getRequestListener(app.fetch));
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
    }
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  after(() => {
    server?.closeAllConnections();
    server?.close();
  });
  const connections = (): Promise<number> => new Promise((r) => server?.getConnections((_e, n) => r(n)));

  it('cuts a client that stops reading after idleMs and destroys the upstream stream', async () => {
    const client = stalledGet(await base(), '/endless');
    await waitFor(() => bodies.length === 1, 5_000, 'stream opened');
    const body = bodies[0]!;
    const opened = performance.now();
    await waitFor(() => body.destroyed, 10_000, 'upstream stream destroyed');
    assert.ok(body.destroyedAt! - opened >= 400, 'not before the client had idled for idleMs');
    await waitFor(async () => (await connections()) === 0, 5_000, 'client connection closed');
    assert.ok(logs.some((l) => l.includes('client stopped reading')));
    client.socket.destroy();
  });

  it('a client that reads steadily is not cut', async () => {
    bodies.length = 0;
    const res = await fetch(`${await base()}/steady`);
    const reader = res.body!.getReader();
    let got = 0;
    const until = performance.now() + 5_000; // more than two idle limits
    while (performance.now() < until) {
      const r = await reader.read();
      got += r.value?.length ?? 0;
      await sleep(20);
    }
    assert.ok(got > 1024 * 1024, `read ${got} bytes`);
    assert.equal(bodies[0]!.destroyed, false);
    await reader.cancel();
    await waitFor(() => bodies[0]!.destroyed, 5_000, 'upstream stream destroyed after the client left');
  });

  it('a client gone before the stream is handed over: the stream is destroyed at once', async () => {
    bodies.length = 0;
    const u = new URL(await base());
    const socket = connect(Number(u.port), u.hostname);
    socket.write(`GET /late HTTP/1.1\r\nHost: ${u.host}\r\n\r\n`);
    await sleep(50);
    socket.destroy();
    await waitFor(() => bodies.length === 1, 5_000, 'stream opened');
    await waitFor(() => bodies[0]!.destroyed, 2_000, 'upstream stream destroyed');
  });

  it('headers Node refuses: the stream is destroyed and the error answered', async () => {
    bodies.length = 0;
    const res = await fetch(`${await base()}/bad-header`);
    assert.equal(res.status, 500);
    await res.arrayBuffer();
    assert.equal(bodies[0]!.destroyed, true);
  });

  it('an upstream failure mid-transfer truncates the answer and is logged', async () => {
    bodies.length = 0;
    const res = await fetch(`${await base()}/fails`);
    assert.equal(res.status, 200);
    await assert.rejects(res.arrayBuffer());
    assert.ok(logs.some((l) => l.includes('registry went away')));
  });
});
