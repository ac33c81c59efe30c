// The download client (src/oci/remote/socket-client.ts, socket-pool.ts, http-head.ts, lent-body.ts)
// against real servers: node:http, and raw TCP servers that break the protocol on purpose. Bytes read and
// bytes lent to a socket, keep-alive reuse and a stale kept-alive connection, framing it must refuse or
// hand to undici, short and overlong bodies, both idle limits, the connection limit and its queue.
// TLS and the registry store's use of it: socket-downloads.test.ts.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { isOciError } from '../../src/oci/errors.js';
import { isLending } from '../../src/oci/lending.js';
import { parseHead } from '../../src/oci/remote/http-head.js';
import { SocketClientUnsupported } from '../../src/oci/remote/socket-client.js';
import { collect } from './contract-fixtures.js';
import { client, closers, httpServer, lendThroughSocket, rawServer, sha } from './socket-fixtures.js';

describe('socket client: bytes', () => {
  const blob = randomBytes(24 * 1024 * 1024 + 17);

  it('reads a Content-Length body exactly, and reuses the connection for the next request', async () => {
    const origin = await httpServer((req, res) => {
      assert.equal(req.headers['x-test'], 'yes');
      res.writeHead(200, { 'content-length': String(blob.length), 'docker-content-digest': 'sha256:x' });
      res.end(blob);
    });
    const c = client();
    for (let i = 0; i < 3; i++) {
      const res = await c.get(new URL(`${origin.url}/v2/a/blobs/x`), { headers: { 'x-test': 'yes' }, idleMs: 10_000 });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['docker-content-digest'], 'sha256:x');
      assert.equal(sha(await collect(res.body)), sha(blob));
    }
    assert.equal(origin.connections(), 1, 'one keep-alive connection for three requests');
  });

  it('lends the bytes to a socket unchanged (the buffers are reused only after the socket wrote them)', async () => {
    const origin = await httpServer((_req, res) => {
      res.writeHead(200, { 'content-length': String(blob.length) });
      // Small writes, so that the client gets many reads and reuses its buffers many times.
      let at = 0;
      const next = (): void => {
        while (at < blob.length) {
          const end = Math.min(blob.length, at + 10_000 + (at % 7_919));
          const more = res.write(blob.subarray(at, end));
          at = end;
          if (!more) {
            res.once('drain', next);
            return;
          }
        }
        res.end();
      };
      next();
    });
    // The default sizes, then small ones of two sizes (16 KiB while a request streams, 8 KiB while idle).
    const clients = [
      client({ maxFreeBuffers: 2 }),
      client({ maxFreeBuffers: 2, bufferSize: 16 * 1024, smallBufferSize: 8 * 1024, largeBelow: 1 }),
    ];
    for (let i = 0; i < 4; i++) {
      const c = clients[i % 2]!;
      const res = await c.get(new URL(`${origin.url}/blob`), { headers: {}, idleMs: 10_000 });
      assert.ok(isLending(res.body));
      const got = await lendThroughSocket((out) => res.body.lendTo(out), true);
      assert.equal(got.error, undefined);
      assert.equal(got.bytes.length, blob.length);
      assert.equal(sha(got.bytes), sha(blob));
    }
  });

  it('a body that came whole with the head is read and lent too', async () => {
    const origin = await httpServer((_req, res) => {
      res.writeHead(200, { 'content-length': '5' });
      res.end('hello');
    });
    const c = client();
    assert.equal((await collect((await c.get(new URL(`${origin.url}/`), { headers: {}, idleMs: 5_000 })).body)).toString(), 'hello');
    const res = await c.get(new URL(`${origin.url}/`), { headers: {}, idleMs: 5_000 });
    assert.equal((await lendThroughSocket((out) => res.body.lendTo(out))).bytes.toString(), 'hello');
  });

  it('a kept-alive connection that the server closes instead of answering is replaced without an error', async () => {
    // Each connection answers its first request and drops the second without a byte: what a client sees
    // when the server closed an idle connection just as the next request went out.
    let connections = 0;
    const server = createNetServer((socket) => {
      connections++;
      let requests = 0;
      socket.on('error', () => undefined);
      socket.on('data', () => {
        requests++;
        if (requests === 1) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
        else socket.destroy();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise((r) => server.close(r)));
    const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    const c = client();
    for (let i = 0; i < 3; i++) assert.equal((await collect((await c.get(url, { headers: {}, idleMs: 5_000 })).body)).toString(), 'ok');
    assert.equal(connections, 3, 'each dropped request was sent again on a new connection');
  });

  it('answers without a body (redirect, 404) come back with their status and headers; dump keeps the connection', async () => {
    const origin = await httpServer((req, res) => {
      if (req.url === '/moved') {
        res.writeHead(307, { location: 'https://storage.example/x', 'content-length': '0' });
        res.end();
        return;
      }
      res.writeHead(404, { 'content-type': 'application/json', 'content-length': '2' });
      res.end('{}');
    });
    const c = client();
    const moved = await c.get(new URL(`${origin.url}/moved`), { headers: {}, idleMs: 5_000 });
    assert.equal(moved.statusCode, 307);
    assert.equal(moved.headers['location'], 'https://storage.example/x');
    await moved.body.dump();
    const missing = await c.get(new URL(`${origin.url}/missing`), { headers: {}, idleMs: 5_000 });
    assert.equal(missing.statusCode, 404);
    await missing.body.dump();
    assert.equal(origin.connections(), 1);
  });
});

describe('socket client: what it refuses', () => {
  it('hands chunked and close-delimited answers back as SocketClientUnsupported', async () => {
    const chunked = await httpServer((_req, res) => {
      res.writeHead(200, { 'transfer-encoding': 'chunked' });
      res.end('x');
    });
    const closeDelimited = await rawServer((s) => s.end('HTTP/1.1 200 OK\r\n\r\nabc'));
    const c = client();
    for (const url of [chunked.url, closeDelimited]) {
      await assert.rejects(
        c.get(new URL(`${url}/`), { headers: {}, idleMs: 5_000 }),
        (err: unknown) => err instanceof SocketClientUnsupported,
      );
    }
  });

  it('fails a body that ends early, read or lent, as an OciError naming the byte counts', async () => {
    const origin = await rawServer((s) => {
      s.write('HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n');
      s.write(Buffer.alloc(70_000));
      setTimeout(() => s.destroy(), 50);
    });
    const c = client();
    const read = await c.get(new URL(`${origin}/`), { headers: {}, idleMs: 5_000 });
    await assert.rejects(
      collect(read.body),
      (err: unknown) => isOciError(err, 'UNAVAILABLE') && /after \d+ of 100000 bytes/.test(String(err)),
    );
    const lent = await c.get(new URL(`${origin}/`), { headers: {}, idleMs: 5_000 });
    const got = await lendThroughSocket((out) => lent.body.lendTo(out));
    assert.ok(isOciError(got.error, 'UNAVAILABLE'), String(got.error));
    assert.ok(got.bytes.length < 100_000, 'the client never sees a complete-looking answer');
  });

  it('fails a body longer than its Content-Length, and a malformed head, as PROTOCOL', async () => {
    const overlong = await rawServer((s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcdef'));
    const c = client();
    await assert.rejects(
      (async () => collect((await c.get(new URL(`${overlong}/`), { headers: {}, idleMs: 5_000 })).body))(),
      (err: unknown) => isOciError(err, 'PROTOCOL') && /more than its Content-Length/.test(String(err)),
    );
    const garbage = await rawServer((s) => s.end('SSH-2.0-OpenSSH\r\n\r\n'));
    await assert.rejects(c.get(new URL(`${garbage}/`), { headers: {}, idleMs: 5_000 }), (err: unknown) => isOciError(err, 'PROTOCOL'));
    const twoLengths = await rawServer((s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd'));
    await assert.rejects(c.get(new URL(`${twoLengths}/`), { headers: {}, idleMs: 5_000 }), (err: unknown) => isOciError(err, 'PROTOCOL'));
  });

  it('refuses header values that would split the request', async () => {
    const c = client();
    await assert.rejects(
      c.get(new URL('http://127.0.0.1:9/'), { headers: { authorization: 'Bearer x\r\nX-Evil: 1' }, idleMs: 1_000 }),
      TypeError,
    );
  });

  it('parses repeated fields as arrays and refuses obsolete line folding', () => {
    const head = parseHead('HTTP/1.1 200 OK\r\nWWW-Authenticate: Basic\r\nwww-authenticate: Bearer realm="x"\r\nContent-Length: 0');
    assert.deepEqual(head.headers['www-authenticate'], ['Basic', 'Bearer realm="x"']);
    assert.throws(
      () => parseHead('HTTP/1.1 200 OK\r\nX-A: 1\r\n folded'),
      (err: unknown) => isOciError(err, 'PROTOCOL'),
    );
  });
});

describe('socket client: time and limits', () => {
  it('a registry that goes quiet fails the body after idleMs: "the registry sent nothing"', async () => {
    const origin = await rawServer((s) => s.write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'));
    const res = await client().get(new URL(`${origin}/`), { headers: {}, idleMs: 300 });
    await assert.rejects(
      collect(res.body),
      (err: unknown) => isOciError(err, 'TIMEOUT') && /the registry sent nothing for 300 ms/.test(String(err)),
    );
  });

  it('a body nobody reads closes its connection after idleMs: "the reader took no data"', async () => {
    let closed = false;
    const origin = await rawServer((s) => {
      s.on('close', () => {
        closed = true;
      });
      s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${8 * 1024 * 1024}\r\n\r\n`);
      s.write(Buffer.alloc(8 * 1024 * 1024));
    });
    const res = await client().get(new URL(`${origin}/`), { headers: {}, idleMs: 300 });
    const failure = new Promise<unknown>((resolve) => res.body.once('error', resolve));
    res.body.once('data', () => res.body.pause()); // read once, then stop reading
    const err = await failure;
    assert.ok(isOciError(err, 'TIMEOUT') && /the reader took no data/.test(String(err)), String(err));
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(closed, 'the registry connection is closed, not held');
  });

  it("a lender that watches its sink owns the reader's stall: only the registry's silence counts meanwhile", async () => {
    const size = 4 * 1024 * 1024;
    const origin = await rawServer((s) => {
      s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${size}\r\n\r\n`);
      s.write(Buffer.alloc(size, 7));
    });
    // A sink that holds its first chunk for 3 idle limits, then takes everything.
    const sink = (): Writable & { got: number } => {
      let first = true;
      const w = new Writable({
        highWaterMark: 1024,
        write(chunk: Buffer, _enc, cb) {
          w.got += chunk.length;
          if (first) {
            first = false;
            setTimeout(cb, 900);
          } else cb();
        },
      }) as Writable & { got: number };
      w.got = 0;
      return w;
    };
    const watched = sink();
    const events: string[] = [];
    const res = await client().get(new URL(`${origin}/`), { headers: {}, idleMs: 300 });
    assert.ok(isLending(res.body));
    await res.body.lendTo(watched, { stalled: () => events.push('stalled'), flowing: () => events.push('flowing') });
    assert.equal(watched.got, size);
    assert.ok(events.includes('stalled') && events.at(-1) === 'flowing', events.join());
    // Without hooks nobody watches the sink: the body's own limit closes the connection.
    const unwatched = await client().get(new URL(`${origin}/`), { headers: {}, idleMs: 300 });
    assert.ok(isLending(unwatched.body));
    await assert.rejects(
      unwatched.body.lendTo(sink()),
      (err: unknown) => isOciError(err, 'TIMEOUT') && /the reader took no data for 300 ms/.test(String(err)),
    );
  });

  it('waits for a free connection at the limit; an abort while waiting rejects with its reason', async () => {
    let release: (() => void) | undefined;
    const origin = await httpServer((req, res) => {
      res.writeHead(200, { 'content-length': '2' });
      if (req.url === '/slow') {
        res.flushHeaders();
        release = () => res.end('ok');
      } else res.end('ok');
    });
    const c = client({ maxConnections: 1 });
    const slow = await c.get(new URL(`${origin.url}/slow`), { headers: {}, idleMs: 5_000 });
    const queued = c.get(new URL(`${origin.url}/fast`), { headers: {}, idleMs: 5_000 });
    const controller = new AbortController();
    const aborted = c.get(new URL(`${origin.url}/fast`), { headers: {}, idleMs: 5_000, signal: controller.signal });
    controller.abort(new Error('gave up'));
    await assert.rejects(aborted, /gave up/);
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(release, 'the slow answer started');
    release!();
    assert.equal((await collect(slow.body)).toString(), 'ok');
    assert.equal((await collect((await queued).body)).toString(), 'ok');
    assert.equal(origin.connections(), 1);
  });
});
