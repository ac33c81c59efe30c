// Registry client behaviour that needs a scripted server: retries (5xx, 429 + Retry-After, network),
// never retrying a streamed body, timeouts (no answer, stalled body), caller aborts, error-body
// mapping, and redirects (credentials kept same-origin, dropped cross-origin).
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { createRegistryStore, type RegistryStoreOptions } from '../../src/oci/remote/registry-store.js';
import { createTransport, parseRetryAfter } from '../../src/oci/remote/transport.js';
import { sha256Digest } from '../../src/oci/store-support.js';
import { MEDIA_TYPE_IMAGE_MANIFEST } from '../../src/oci/types.js';
import { json, useFakeServers, type FakeServer } from './fake-http.js';
import { collect, expectCode } from './contract-fixtures.js';

const { dispatcher, fake } = useFakeServers();
function storeFor(s: FakeServer, extra: Partial<RegistryStoreOptions> = {}) {
  return createRegistryStore({ url: s.url, plainHttp: true, dispatcher, backoffMs: 10, timeoutMs: 2_000, ...extra });
}
const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPE_IMAGE_MANIFEST, layers: [] }));
const manifestHeaders = { 'content-type': MEDIA_TYPE_IMAGE_MANIFEST, 'docker-content-digest': sha256Digest(manifest) };

describe('retries', () => {
  it('retries a GET after 503s and succeeds on the third attempt', async () => {
    let n = 0;
    const s = await fake((_req, res) => {
      if (++n < 3) return json(res, 503, { errors: [] });
      res.writeHead(200, manifestHeaders);
      res.end(manifest);
    });
    const m = await storeFor(s).fetchManifest('a/b', 'v1');
    assert.ok(m.bytes.equals(manifest));
    assert.equal(s.requests.length, 3);
  });

  it('gives up after 3 attempts: UNAVAILABLE for 5xx, RATE_LIMITED for 429', async () => {
    const s = await fake((req, res) => json(res, req.url?.includes('limited') ? 429 : 502, { errors: [{ code: 'UNKNOWN' }] }));
    await expectCode(storeFor(s).listTags('a/b'), 'UNAVAILABLE');
    assert.equal(s.requests.length, 3);
    await expectCode(storeFor(s).listTags('limited/b'), 'RATE_LIMITED');
    assert.equal(s.requests.length, 6);
    await expectCode(storeFor(s, { retries: 0 }).listTags('a/b'), 'UNAVAILABLE');
    assert.equal(s.requests.length, 7);
  });

  it('honours Retry-After (seconds)', async () => {
    let n = 0;
    const s = await fake((_req, res) => (++n === 1 ? json(res, 429, {}, { 'retry-after': '1' }) : json(res, 200, { tags: ['x'] })));
    const t0 = Date.now();
    assert.deepEqual(await storeFor(s).listTags('a/b'), ['x']);
    assert.ok(Date.now() - t0 >= 950, `waited only ${Date.now() - t0} ms`);
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('Sun, 22 Nov 2026 03:00:00 GMT');
    assert.equal(parseRetryAfter('7', now), 7000);
    assert.equal(parseRetryAfter('Sun, 22 Nov 2026 03:00:05 GMT', now), 5000);
    assert.equal(parseRetryAfter('Sun, 22 Nov 2026 02:00:00 GMT', now), 0);
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter(undefined, now), undefined);
  });

  it('never retries a streamed PATCH, and cancels the upload session', async () => {
    const s = await fake((req, res) => {
      if (req.method === 'HEAD') return json(res, 404, {});
      if (req.method === 'POST') return json(res, 202, {}, { location: '/v2/a/b/blobs/uploads/u1?_state=s' });
      if (req.method === 'PATCH') return json(res, 503, { errors: [{ code: 'UNAVAILABLE' }] });
      return json(res, 204, {});
    });
    const source = Readable.from(
      (function* () {
        for (let i = 0; i < 50; i++) yield Buffer.alloc(100_000, i);
      })(),
    );
    await expectCode(storeFor(s).pushBlob('a/b', source), 'UNAVAILABLE');
    assert.deepEqual(
      s.requests.map((r) => r.method),
      ['POST', 'PATCH', 'DELETE'],
    );
    assert.equal(s.requests[1]?.bodyLength, 5_000_000);
    assert.equal(s.requests[1]?.headers['content-type'], 'application/octet-stream');
    assert.equal(s.requests[1]?.headers['transfer-encoding'], 'chunked');
  });

  it('transport: a PUT is retried with a Buffer body but sent once with a stream body', async () => {
    const s = await fake((_req, res) => json(res, 503, {}));
    const transport = createTransport({ dispatcher, backoffMs: 5 });
    const url = new URL(`${s.url}/v2/a/b/manifests/v1`);
    assert.equal((await transport.send({ method: 'PUT', url, body: Buffer.from('{}') })).status, 503);
    assert.equal(s.requests.length, 3);
    const res = await transport.send({ method: 'PUT', url, body: Readable.from([Buffer.from('{}')]) });
    assert.equal(res.status, 503);
    assert.equal(s.requests.length, 4);
  });

  it('maps a refused connection to UNAVAILABLE after retries', async () => {
    const s = await fake(() => undefined);
    const url = s.url;
    await s.close();
    const t0 = Date.now();
    await expectCode(createRegistryStore({ url, plainHttp: true, dispatcher, backoffMs: 10 }).listTags('a/b'), 'UNAVAILABLE');
    assert.ok(Date.now() - t0 < 2_000);
  });
});

describe('timeouts and aborts', () => {
  it('TIMEOUT when the registry never answers (not a hang)', async () => {
    const s = await fake(() => undefined);
    const t0 = Date.now();
    await expectCode(storeFor(s, { timeoutMs: 300 }).resolveManifest('a/b', 'v1'), 'TIMEOUT');
    assert.ok(Date.now() - t0 < 1_500, `took ${Date.now() - t0} ms`);
  });

  it('a stalled blob body fails with TIMEOUT after the idle timeout', async () => {
    const blob = Buffer.alloc(100_000, 3);
    const s = await fake((_req, res) => {
      res.writeHead(200, { 'content-length': String(blob.length), 'docker-content-digest': sha256Digest(blob) });
      res.write(blob.subarray(0, 1000)); // then silence
    });
    const fetched = await storeFor(s, { timeoutMs: 300 }).fetchBlob('a/b', sha256Digest(blob));
    await expectCode(collect(fetched.body), 'TIMEOUT');
  });

  it('a slow but steady blob body is not cut by the timeout', async () => {
    const blob = Buffer.alloc(10 * 1000, 5);
    const s = await fake(async (_req, res) => {
      res.writeHead(200, { 'content-length': String(blob.length) });
      for (let i = 0; i < 10; i++) {
        res.write(blob.subarray(i * 1000, (i + 1) * 1000));
        await new Promise((r) => setTimeout(r, 100));
      }
      res.end();
    });
    const fetched = await storeFor(s, { timeoutMs: 300 }).fetchBlob('a/b', sha256Digest(blob));
    assert.ok((await collect(fetched.body)).equals(blob)); // 1 s in all, > timeoutMs
  });

  it("the caller's abort rejects with the caller's reason, not an OciError", async () => {
    const s = await fake(() => undefined);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    await assert.rejects(storeFor(s).listTags('a/b', { signal: ac.signal }), (err: unknown) => (err as Error).name === 'AbortError');
  });
});

describe('error bodies', () => {
  const cred = { credential: { accessToken: 't' } };
  const cases: Array<[number, unknown, string]> = [
    [400, { errors: [{ code: 'DIGEST_INVALID', message: 'provided digest did not match' }] }, 'DIGEST_MISMATCH'],
    [400, { errors: [{ code: 'MANIFEST_INVALID', message: 'manifest invalid' }] }, 'INVALID'],
    [405, { errors: [{ code: 'UNSUPPORTED' }] }, 'UNSUPPORTED'],
    [404, '404 page not found', 'NOT_FOUND'],
    [403, { errors: [{ code: 'DENIED' }] }, 'DENIED'],
    [418, {}, 'PROTOCOL'],
  ];
  for (const [status, body, code] of cases) {
    it(`${status} ${JSON.stringify(body).slice(0, 40)} -> ${code}`, async () => {
      const s = await fake((_req, res) => json(res, status, body));
      const err = await storeFor(s)
        .pushManifest('a/b', 'v1', manifest, MEDIA_TYPE_IMAGE_MANIFEST, cred)
        .catch((e: unknown) => e);
      assert.equal((err as { code?: string }).code, code);
      if (typeof body === 'object' && body !== null && 'errors' in body) {
        assert.deepEqual((err as { wire?: unknown }).wire, (body as { errors: unknown }).errors);
      }
    });
  }

  it('an anonymous caller that is refused gets UNAUTHORIZED (log in), not DENIED', async () => {
    const s = await fake((_req, res) => json(res, 403, { errors: [{ code: 'DENIED' }] }));
    await expectCode(storeFor(s).listTags('a/b'), 'UNAUTHORIZED');
    await expectCode(storeFor(s).listTags('a/b', cred), 'DENIED');
  });

  it('reads at most 8 KiB of a huge error body', async () => {
    const s = await fake((_req, res) => {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end('x'.repeat(5 * 1024 * 1024));
    });
    const err = await storeFor(s)
      .listTags('a/b')
      .catch((e: unknown) => e);
    assert.equal((err as { code?: string }).code, 'INVALID');
    assert.ok((err as Error).message.length < 1000);
  });
});

describe('redirects', () => {
  it('follows a same-origin redirect with credentials and a cross-origin one without', async () => {
    const blob = Buffer.from('redirected blob');
    const storage = await fake((_req, res) => {
      res.writeHead(200, { 'content-length': String(blob.length) });
      res.end(blob);
    });
    const reg = await fake((req, res) => {
      if (!req.headers.authorization) return json(res, 401, {}, { 'www-authenticate': 'Basic realm="r"' });
      if (req.url?.includes('/blobs/')) {
        if (!req.url.includes('hop')) return json(res, 307, {}, { location: `${req.url}?hop=1` });
        return json(res, 307, {}, { location: `${storage.url}/bucket/object?X-Amz-Signature=abc` });
      }
      return json(res, 404, {});
    });
    const s = storeFor(reg, { credential: { username: 'u', password: 'p' } });
    const got = await s.fetchBlob('a/b', sha256Digest(blob));
    assert.ok((await collect(got.body)).equals(blob));
    assert.equal(reg.requests.at(-1)?.headers.authorization, `Basic ${Buffer.from('u:p').toString('base64')}`);
    assert.equal(storage.requests.length, 1);
    assert.equal(storage.requests[0]?.headers.authorization, undefined);

    const redirect = await s.blobRedirect('a/b', sha256Digest(blob));
    assert.equal(redirect?.location, `${storage.url}/bucket/object?X-Amz-Signature=abc`);
    assert.equal(storage.requests.length, 1, 'blobRedirect must not fetch from storage');
  });

  it('stops after 5 hops', async () => {
    const s = await fake((req, res) => json(res, 302, {}, { location: `${req.url?.split('?')[0]}?n=${Math.random()}` }));
    await expectCode(storeFor(s).fetchBlob('a/b', sha256Digest(Buffer.from('x'))), 'PROTOCOL');
    assert.equal(s.requests.length, 6);
  });
});
