// The download client over TLS (a throwaway CA), and the registry store using it: for downloads only,
// undici for what it hands back, and across a redirect to another origin without the credential.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { RequestListener } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { describe, it } from 'node:test';
import { isOciError } from '../../src/oci/errors.js';
import { isLending } from '../../src/oci/lending.js';
import { createRegistryStore } from '../../src/oci/remote/registry-store.js';
import { sha256Digest } from '../../src/oci/store-support.js';
import { createTestTls } from '../support/tls.js';
import { collect } from './contract-fixtures.js';
import { client, closers, httpServer, lendThroughSocket, sha } from './socket-fixtures.js';

/** An https server on 127.0.0.1 with a test CA's certificate (for localhost and 127.0.0.1), closed after the file. */
async function httpsServer(handler: RequestListener): Promise<{ port: number; ca: string }> {
  const tls = await createTestTls();
  closers.push(() => tls.cleanup());
  const server = createHttpsServer({ cert: tls.cert, key: tls.key }, handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => {
    server.closeAllConnections();
    return new Promise((r) => server.close(r));
  });
  return { port: (server.address() as AddressInfo).port, ca: tls.ca };
}

describe('socket client: TLS', () => {
  it('downloads over https from a server its CA vouches for, and refuses one it does not', async () => {
    const blob = randomBytes(1024 * 1024);
    const { port, ca } = await httpsServer((_req, res) => {
      res.writeHead(200, { 'content-length': String(blob.length) });
      res.end(blob);
    });
    const trusting = client({ tlsCa: ca });
    for (const host of ['localhost', '127.0.0.1']) {
      const res = await trusting.get(new URL(`https://${host}:${port}/`), { headers: {}, idleMs: 5_000 });
      assert.equal(sha((await lendThroughSocket((out) => res.body.lendTo(out))).bytes), sha(blob));
    }
    await assert.rejects(client().get(new URL(`https://localhost:${port}/`), { headers: {}, idleMs: 5_000 }), /certificate/);
  });

  it('a new connection to the same origin resumes the TLS session of the last one (no full handshake)', async () => {
    const resumed: boolean[] = [];
    const { port, ca } = await httpsServer((req, res) => {
      resumed.push((req.socket as TLSSocket).isSessionReused());
      res.writeHead(200, { 'content-length': '2' });
      res.end('ok');
    });
    const c = client({ tlsCa: ca });
    for (let i = 0; i < 3; i++) {
      const res = await c.get(new URL(`https://localhost:${port}/`), { headers: {}, idleMs: 5_000 });
      assert.equal(sha((await lendThroughSocket((out) => res.body.lendTo(out))).bytes), sha(Buffer.from('ok')));
      // Its connection is idle now: closing it makes the next request open a new one.
      c.close();
    }
    assert.deepEqual(resumed, [false, true, true]);
  });
});

describe('registry store: downloads through the socket client', () => {
  it("a download (verify 'size') gets a lending body; a digest-checked read does not; chunked answers still work", async () => {
    const blob = Buffer.from('zip bytes of a provider');
    const digest = sha256Digest(blob);
    let chunked = false;
    const origin = await httpServer((_req, res) => {
      if (chunked) res.writeHead(200, { 'transfer-encoding': 'chunked' });
      else res.writeHead(200, { 'content-length': String(blob.length) });
      res.end(blob);
    });
    const store = createRegistryStore({ url: origin.url, plainHttp: true });
    const download = await store.fetchBlob('a/b', digest, { verify: 'size' });
    assert.ok(isLending(download.body), 'downloads lend their buffers');
    assert.equal((await collect(download.body)).toString(), blob.toString());
    const read = await store.fetchBlob('a/b', digest);
    assert.ok(!isLending(read.body), 'a digest-checked read goes through the digest counter');
    assert.equal((await collect(read.body)).toString(), blob.toString());
    chunked = true;
    // Not Content-Length framed: the socket client hands it to undici, which gets the same answer the store refuses.
    await assert.rejects(store.fetchBlob('a/b', digest, { verify: 'size' }), (err: unknown) => isOciError(err, 'PROTOCOL'));
    const viaUndici = createRegistryStore({ url: origin.url, plainHttp: true, socketDownloads: false });
    chunked = false;
    assert.ok(!isLending((await viaUndici.fetchBlob('a/b', digest, { verify: 'size' })).body));
  });

  it('a download redirected to another origin (object storage) is lent from there, without the credential', async () => {
    const blob = randomBytes(256 * 1024);
    const digest = sha256Digest(blob);
    const seen: Array<string | undefined> = [];
    const storage = await httpServer((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(200, { 'content-length': String(blob.length) });
      res.end(blob);
    });
    const registry = await httpServer((req, res) => {
      if (req.headers.authorization === undefined) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="r"', 'content-length': '0' });
        res.end();
        return;
      }
      res.writeHead(307, { location: `${storage.url}/bucket/blob?X-Amz-Signature=abc`, 'content-length': '0' });
      res.end();
    });
    const store = createRegistryStore({ url: registry.url, plainHttp: true, credential: { username: 'u', password: 'p' } });
    for (let i = 0; i < 2; i++) {
      const { body } = await store.fetchBlob('a/b', digest, { verify: 'size' });
      assert.ok(isLending(body), 'the last hop is lent too');
      assert.equal(sha((await lendThroughSocket((out) => body.lendTo(out))).bytes), sha(blob));
    }
    assert.deepEqual(seen, [undefined, undefined], 'the storage origin never sees the registry credential');
    assert.equal(storage.connections(), 1, 'the storage connection is kept alive too');
  });
});
