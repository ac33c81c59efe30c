// A download URL's file name is the client's to choose: any name (control characters, non-Latin-1,
// quotes) is served with a Content-Disposition Node accepts, over a real Node server, and a failed answer
// never keeps the upstream blob open. Regression: `%00.zip` and `%E2%80%AE.zip` answered 500 and leaked
// the registry connection (writeHead threw on the header after the blob was opened).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { getRequestListener } from '@hono/node-server';
import { attachmentDisposition } from '../../src/http/node-io.js';
import { providerRepository } from '../../src/layout/names.js';
import { createMemoryStore } from '../../src/oci/memory-store.js';
import { makeZip } from '../publish/release-fixture.js';
import { pushForeignRelease } from '../support/provider-fixture.js';
import { buildTestApp } from '../support/test-app.js';

describe('download file names', () => {
  const store = createMemoryStore();
  const t = buildTestApp(store, { prefix: 'tf' });
  let server: Server;
  let base = '';
  let zipUrl = '';
  let zip: Buffer;

  before(async () => {
    zip = await makeZip({ 'terraform-provider-widget_v1.0.0': 'binary' });
    const sha256 = createHash('sha256').update(zip).digest('hex');
    await pushForeignRelease(store, providerRepository('tf', 'registry.example.test', 'acme', 'widget'), '1.0.0', [
      { os: 'linux', arch: 'amd64', filename: 'terraform-provider-widget_1.0.0_linux_amd64.zip', bytes: zip, sha256, h1: '' },
    ]);
    server = createServer(t.nodeFront(getRequestListener(t.app.fetch)));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const doc = (await (await fetch(`${base}/mirror/registry.example.test/acme/widget/1.0.0.json`)).json()) as {
      archives: Record<string, { url: string }>;
    };
    // Absolute on the public URL: sent to this server by path.
    zipUrl = base + new URL(doc.archives.linux_amd64!.url).pathname;
  });
  after(() => server.close());

  for (const name of ['%00.zip', '%E2%80%AE.zip', 'a%22b%5C.zip', '%0D%0AX-Injected%3A%201.zip', 'r%C3%A9sum%C3%A9.zip']) {
    it(`serves ${decodeURIComponent(name).replace(/[^\x20-\x7e]/g, '?')} with a safe Content-Disposition (GET and HEAD)`, async () => {
      const url = zipUrl.replace(/\/[^/]+$/, `/${name}`);
      for (const method of ['GET', 'HEAD']) {
        const res = await fetch(url, { method });
        assert.equal(res.status, 200, `${method} ${name}`);
        const cd = res.headers.get('content-disposition') ?? '';
        assert.match(cd, /^attachment; filename="[\x20-\x7e]*"/, `${method} ${name}: ${cd}`);
        assert.equal(res.headers.get('x-injected'), null);
        const body = Buffer.from(await res.arrayBuffer());
        if (method === 'GET') assert.ok(body.equals(zip), `${name}: the zip's bytes`);
      }
    });
  }

  it('spells exotic names as RFC 8187 filename* and keeps plain ones plain', () => {
    assert.equal(attachmentDisposition('x.zip'), 'attachment; filename="x.zip"');
    assert.equal(attachmentDisposition('é.zip'), `attachment; filename="_.zip"; filename*=UTF-8''%C3%A9.zip`);
    assert.equal(attachmentDisposition('a"b\\.zip'), `attachment; filename="a_b_.zip"; filename*=UTF-8''a%22b%5C.zip`);
  });
});
