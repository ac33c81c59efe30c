// Registry protocol details staged with a scripted server: tag pagination via Link headers (GHCR, ECR
// and Harbor paginate; Distribution 2.8 does not), manifest and blob verification, upload Location
// handling and mounts.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { createRegistryStore } from '../../src/oci/remote/registry-store.js';
import { parseNextLink } from '../../src/oci/remote/tags.js';
import { isOciError } from '../../src/oci/errors.js';
import { withDigest } from '../../src/oci/remote/upload.js';
import { sha256Digest } from '../../src/oci/store-support.js';
import { MEDIA_TYPE_IMAGE_MANIFEST } from '../../src/oci/types.js';
import { json, useFakeServers, type FakeHandler, type FakeServer } from './fake-http.js';
import { collect, expectCode } from './contract-fixtures.js';

const fakes = useFakeServers();
const { dispatcher } = fakes;
async function fake(handler: FakeHandler): Promise<{ server: FakeServer; store: ReturnType<typeof createRegistryStore> }> {
  const server = await fakes.fake(handler);
  return { server, store: createRegistryStore({ url: server.url, plainHttp: true, dispatcher, backoffMs: 10 }) };
}

describe('tag pagination', () => {
  it('follows relative and absolute same-origin next links', async () => {
    const { server, store } = await fake((req, res) => {
      const url = new URL(req.url ?? '', 'http://x');
      const last = url.searchParams.get('last');
      if (last === null) return json(res, 200, { tags: ['a', 'b'] }, { link: '</v2/r/x/tags/list?n=2&last=b>; rel="next"' });
      if (last === 'b')
        return json(res, 200, { tags: ['c', 'd'] }, { link: `<http://${req.headers.host}/v2/r/x/tags/list?n=2&last=d>; rel=next` });
      return json(res, 200, { name: 'r/x', tags: ['e'] });
    });
    assert.deepEqual(await store.listTags('r/x'), ['a', 'b', 'c', 'd', 'e']);
    assert.equal(server.requests[0]?.url, '/v2/r/x/tags/list?n=1000');
    assert.equal(server.requests.length, 3);
  });

  it('refuses a pagination loop, a cross-origin next page and an oversized page', async () => {
    const { store } = await fake((req, res) => {
      if (req.url?.startsWith('/v2/loop/')) return json(res, 200, { tags: ['a'] }, { link: '</v2/loop/x/tags/list?n=1000>; rel="next"' });
      if (req.url?.startsWith('/v2/cross/')) return json(res, 200, { tags: ['a'] }, { link: '<http://evil.example/v2/x>; rel="next"' });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`{"tags":[${'"t",'.repeat(1_100_000)}"t"]}`);
    });
    await expectCode(store.listTags('loop/x'), 'PROTOCOL');
    await expectCode(store.listTags('cross/x'), 'PROTOCOL');
    await expectCode(store.listTags('big/x'), 'TOO_LARGE');
  });

  it('a full page without a Link goes on with `last` (crane registry style), and stops where nothing is new', async () => {
    // crane's registry: sorted tags, `n` honoured, no Link header, and a `last` after every tag ignored.
    const craneStyle =
      (all: string[]): FakeHandler =>
      (req, res) => {
        const url = new URL(req.url ?? '', 'http://x');
        const last = url.searchParams.get('last');
        let tags = all;
        const after = last === null ? -1 : tags.findIndex((t) => t > last);
        if (after >= 0) tags = tags.slice(after);
        return json(res, 200, { tags: tags.slice(0, Number(url.searchParams.get('n') ?? tags.length)) });
      };
    const names = (n: number) => Array.from({ length: n }, (_, i) => `1.0.${String(i).padStart(5, '0')}`);
    const a = await fake(craneStyle(names(2500)));
    assert.deepEqual(await a.store.listTags('many/x'), names(2500));
    assert.deepEqual(
      a.server.requests.map((r) => r.url),
      ['/v2/many/x/tags/list?n=1000', '/v2/many/x/tags/list?n=1000&last=1.0.00999', '/v2/many/x/tags/list?n=1000&last=1.0.01999'],
    );
    const b = await fake(craneStyle(names(2000)));
    assert.deepEqual(await b.store.listTags('exact/x'), names(2000), 'the repeated first page after the end is dropped');
    assert.equal(b.server.requests.length, 3);
    // Distribution 2.8: n and last ignored, storage order, no Link. 1000 tags exactly: asked again, nothing new.
    const unsorted = names(1000).reverse();
    const c = await fake((_req, res) => json(res, 200, { tags: unsorted }));
    assert.deepEqual(await c.store.listTags('all/x'), unsorted);
    assert.equal(c.server.requests.length, 2);
    const d = await fake((_req, res) => json(res, 200, { tags: names(1500) }));
    assert.deepEqual(await d.store.listTags('more/x'), names(1500));
    assert.equal(d.server.requests.length, 1, 'more than n at once: the registry ignores n, that is everything');
  });

  it('treats "tags": null as no tags and maps NAME_UNKNOWN to NOT_FOUND', async () => {
    const { store } = await fake((req, res) =>
      req.url?.startsWith('/v2/empty/')
        ? json(res, 200, { name: 'empty/x', tags: null })
        : json(res, 404, { errors: [{ code: 'NAME_UNKNOWN' }] }),
    );
    assert.deepEqual(await store.listTags('empty/x'), []);
    await expectCode(store.listTags('gone/x'), 'NOT_FOUND');
  });

  it('parseNextLink', () => {
    assert.equal(parseNextLink('</a?b=1>; rel="next"'), '/a?b=1');
    assert.equal(parseNextLink('</prev>; rel="prev", </next>; rel="next"'), '/next');
    assert.equal(parseNextLink('</both>; title="x, y"; rel="prev next"'), '/both');
    assert.equal(parseNextLink(['</p>; rel=prev', '</n>; REL=Next']), '/n');
    assert.equal(parseNextLink('</only-prev>; rel="prev"'), undefined);
    assert.equal(parseNextLink(undefined), undefined);
  });
});

describe('manifest verification', () => {
  const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPE_IMAGE_MANIFEST, layers: [] }));
  const digest = sha256Digest(body);

  it('refuses bytes that do not hash to the requested digest or to Docker-Content-Digest', async () => {
    const other = Buffer.from(`${body.toString()} `);
    const { store } = await fake((_req, res) => {
      res.writeHead(200, { 'content-type': MEDIA_TYPE_IMAGE_MANIFEST, 'docker-content-digest': digest });
      res.end(other);
    });
    await expectCode(store.fetchManifest('a/b', digest), 'DIGEST_MISMATCH');
    await expectCode(store.fetchManifest('a/b', 'v1'), 'DIGEST_MISMATCH');
  });

  it('refuses a manifest declared over 4 MiB', async () => {
    const { store } = await fake((_req, res) => {
      res.writeHead(200, { 'content-type': MEDIA_TYPE_IMAGE_MANIFEST, 'content-length': String(5 * 1024 * 1024) });
      res.end(Buffer.alloc(5 * 1024 * 1024));
    });
    await expectCode(store.fetchManifest('a/b', 'v1'), 'TOO_LARGE');
  });

  it('strips Content-Type parameters, and falls back to GET when HEAD lacks Docker-Content-Digest', async () => {
    const { server, store } = await fake((req, res) => {
      res.writeHead(200, { 'content-type': `${MEDIA_TYPE_IMAGE_MANIFEST}; charset=utf-8`, 'content-length': String(body.length) });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
    assert.deepEqual(await store.resolveManifest('a/b', 'v1'), { mediaType: MEDIA_TYPE_IMAGE_MANIFEST, digest, size: body.length });
    assert.deepEqual(
      server.requests.map((r) => r.method),
      ['HEAD', 'GET'],
    );
    assert.equal(server.requests[0]?.headers.accept?.includes('application/vnd.oci.image.index.v1+json'), true);
  });
});

describe('blob verification', () => {
  it('fails the stream with DIGEST_MISMATCH when the bytes are not the blob', async () => {
    const wanted = sha256Digest(Buffer.from('the real blob'));
    const { store } = await fake((_req, res) => {
      res.writeHead(200, { 'content-length': '13' });
      res.end('not the blob!');
    });
    const got = await store.fetchBlob('a/b', wanted);
    await expectCode(collect(got.body), 'DIGEST_MISMATCH');
  });

  it("verify: 'size' passes other bytes of the right length through, and still refuses a short body", async () => {
    const wanted = sha256Digest(Buffer.from('the real blob'));
    const { store } = await fake((_req, res) => {
      res.writeHead(200, { 'content-length': '13' });
      res.end('not the blob!');
    });
    const got = await store.fetchBlob('a/b', wanted, { verify: 'size' });
    assert.equal((await collect(got.body)).toString(), 'not the blob!', 'the receiver verifies the content (terraform: SHA256SUMS)');

    const short = await fake((_req, res) => {
      res.writeHead(200, { 'content-length': '13' });
      res.write('not the');
      setTimeout(() => res.destroy(), 20);
    });
    const cut = await short.store.fetchBlob('a/b', wanted, { verify: 'size' });
    await assert.rejects(collect(cut.body), (err: unknown) => isOciError(err), 'a dropped connection fails the stream as an OciError');
  });

  it('refuses a blob response without Content-Length', async () => {
    const { store } = await fake((_req, res) => {
      res.writeHead(200, { 'transfer-encoding': 'chunked' });
      res.end('x');
    });
    await expectCode(store.fetchBlob('a/b', sha256Digest(Buffer.from('x'))), 'PROTOCOL');
  });
});

describe('uploads', () => {
  it('withDigest appends to an existing query or starts one', () => {
    const d = sha256Digest(Buffer.from('x'));
    assert.equal(
      withDigest(new URL('http://r/v2/u/1?_state=ab%3D%3D'), d).href,
      `http://r/v2/u/1?_state=ab%3D%3D&digest=${encodeURIComponent(d)}`,
    );
    assert.equal(withDigest(new URL('http://r/v2/u/1'), d).search, `?digest=${encodeURIComponent(d)}`);
  });

  it('POST, one PATCH, then PUT to the latest Location with digest, octet-stream and no body', async () => {
    const { server, store } = await fake((req, res) => {
      if (req.method === 'HEAD') return json(res, 404, {});
      if (req.method === 'POST') return json(res, 202, {}, { location: `http://${req.headers.host}/v2/a/b/blobs/uploads/u?_state=one` });
      if (req.method === 'PATCH') return json(res, 202, {}, { location: '/v2/a/b/blobs/uploads/u?_state=two' });
      return json(res, 201, {}, { 'docker-content-digest': new URL(req.url ?? '', 'http://x').searchParams.get('digest') ?? '' });
    });
    const bytes = Buffer.from('streamed content');
    const desc = await store.pushBlob('a/b', Readable.from([bytes]));
    assert.equal(desc.digest, sha256Digest(bytes));
    const put = server.requests.at(-1);
    assert.equal(put?.method, 'PUT');
    assert.equal(put?.url, `/v2/a/b/blobs/uploads/u?_state=two&digest=${encodeURIComponent(desc.digest)}`);
    assert.equal(put?.headers['content-type'], 'application/octet-stream');
    assert.equal(put?.headers['content-length'], '0');
    assert.deepEqual(
      server.requests.map((r) => r.method),
      ['POST', 'PATCH', 'PUT'],
    );
  });

  it('refuses to follow an upload Location to another origin', async () => {
    const elsewhere = await fake((_req, res) => json(res, 202, {}));
    const { store } = await fake((req, res) =>
      req.method === 'POST' ? json(res, 202, {}, { location: `${elsewhere.server.url}/upload` }) : json(res, 404, {}),
    );
    await expectCode(store.pushBlob('a/b', Readable.from([Buffer.from('x')])), 'PROTOCOL');
    assert.equal(elsewhere.server.requests.length, 0);
  });

  it('a registry storing another digest than the one computed is a DIGEST_MISMATCH', async () => {
    const { store } = await fake((req, res) => {
      if (req.method === 'HEAD') return json(res, 404, {});
      if (req.method === 'POST') return json(res, 202, {}, { location: '/v2/a/b/blobs/uploads/u' });
      return json(res, 201, {}, { 'docker-content-digest': sha256Digest(Buffer.from('else')) });
    });
    await expectCode(store.pushBlob('a/b', Buffer.from('mine')), 'DIGEST_MISMATCH');
  });

  it('mount: 201 is true; 202 cancels the offered session and is false', async () => {
    const { server, store } = await fake((req, res) => {
      if (req.method === 'DELETE') return json(res, 204, {});
      return req.url?.includes('from=has%2Fit') ? json(res, 201, {}) : json(res, 202, {}, { location: '/v2/a/b/blobs/uploads/offered' });
    });
    const d = sha256Digest(Buffer.from('m'));
    assert.equal(await store.mountBlob('a/b', d, 'has/it'), true);
    assert.equal(await store.mountBlob('a/b', d, 'lacks/it'), false);
    assert.equal(server.requests[0]?.url, `/v2/a/b/blobs/uploads/?mount=${encodeURIComponent(d)}&from=has%2Fit`);
    assert.deepEqual(server.requests.map((r) => `${r.method} ${r.url.split('?')[0]}`).slice(1), [
      'POST /v2/a/b/blobs/uploads/',
      'DELETE /v2/a/b/blobs/uploads/offered',
    ]);
  });
});
