// The Node front (src/http/pipeline/node-front.ts) answers exactly as the Hono application does: the same
// requests are sent to a real Node server running the production listener (the front before
// @hono/node-server's listener), to a second server running Hono's listener alone, and to app.request.
// Status, body and EVERY response header (but Date and the generated request id) must agree, for answers
// and refusals alike. A counter on the Hono listener proves which path served.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { hashToken } from '../../src/auth/api-tokens.js';
import { moduleRepository, providerRepository } from '../../src/layout/names.js';
import { createMemoryStore } from '../../src/oci/memory-store.js';
import { bearer, buildAuthApp, type AuthTestApp } from '../auth/support.js';
import { moduleFiles, zipOf } from '../modules/support/archives.js';
import { pushForeignModule } from '../modules/support/foreign-module.js';
import { requireTool } from '../support/distribution.js';
import { createTestSigner, type TestSigner } from '../support/gpg-signer.js';
import { makeFixtureRelease, pushRelease } from '../support/provider-fixture.js';

const tools = requireTool('gpg', 'zip');
const READER = 'tok-reader-0123456789';
const MODULES_ONLY = 'tok-modules-0123456789';
const SERVICE_TOML = `[storage]\nprefix = "tf"\n[auth]\nmode = "service"
[[auth.tokens]]\nname = "reader"\nsha256 = "${hashToken(READER)}"\npermissions = ["providers:read"]
[[auth.tokens]]\nname = "modules"\nsha256 = "${hashToken(MODULES_ONLY)}"\npermissions = ["modules:read"]\n`;

interface Served {
  url: string;
  /** Requests the hot lane passed on to Hono. */
  passedOn: number;
  server: Server;
  /** The same application served by Hono's listener alone (no front). */
  plainUrl: string;
  plain: Server;
}

async function serve(t: AuthTestApp): Promise<Served> {
  const honoListener = getRequestListener(t.app.fetch);
  const served: Served = {
    url: '',
    passedOn: 0,
    server: undefined as unknown as Server,
    plainUrl: '',
    plain: undefined as unknown as Server,
  };
  served.server = createServer(
    t.nodeFront((req, res) => {
      served.passedOn++;
      return honoListener(req, res);
    }),
  );
  await new Promise<void>((resolve) => served.server.listen(0, '127.0.0.1', resolve));
  served.url = `http://127.0.0.1:${(served.server.address() as AddressInfo).port}`;
  served.plain = createServer(honoListener);
  await new Promise<void>((resolve) => served.plain.listen(0, '127.0.0.1', resolve));
  served.plainUrl = `http://127.0.0.1:${(served.plain.address() as AddressInfo).port}`;
  return served;
}

interface Case {
  path: string;
  headers?: Record<string, string>;
  method?: string;
  status: number;
  /** true: answered by the hot lane; false: passed on to Hono. */
  hot: boolean;
}

/** Sends `c` both ways and compares what a client sees. */
async function compare(t: AuthTestApp, s: Served, c: Case): Promise<void> {
  const what = `${c.method ?? 'GET'} ${c.path} ${JSON.stringify(c.headers ?? {})}`;
  const before = s.passedOn;
  const init = { method: c.method ?? 'GET', headers: c.headers ?? {} };
  const viaServer = await fetch(s.url + c.path, init);
  const viaPlain = await fetch(s.plainUrl + c.path, init);
  const viaApp = await t.app.request(c.path, init);
  assert.equal(s.passedOn - before, c.hot ? 0 : 1, `${what}: ${c.hot ? 'expected the hot lane' : 'expected Hono'}`);
  assert.equal(viaServer.status, c.status, `${what}: status over the server`);
  assert.equal(viaApp.status, c.status, `${what}: status through app.request`);
  // Every header the client sees, over the same transport, but Date and the request id's value.
  const headersOf = (r: Response) => [...r.headers].filter(([k]) => k !== 'date' && k !== 'x-request-id').sort();
  assert.deepEqual(headersOf(viaServer), headersOf(viaPlain), `${what}: every response header, front vs Hono alone`);
  assert.equal(viaPlain.status, c.status, `${what}: status from Hono alone`);
  await viaPlain.arrayBuffer();
  for (const h of ['content-type', 'cache-control', 'www-authenticate', 'x-terraform-get']) {
    assert.equal(viaServer.headers.get(h), viaApp.headers.get(h), `${what}: header ${h}`);
  }
  const [a, b] = [await viaServer.text(), await viaApp.text()];
  if (c.method !== 'HEAD' && c.status !== 204) {
    assert.equal(viaServer.headers.get('content-length'), String(Buffer.byteLength(a)), `${what}: content-length`);
    assert.deepEqual(JSON.parse(a), JSON.parse(b), `${what}: body`);
  }
  assert.match(viaServer.headers.get('x-request-id') ?? '', /^[\w.-]{1,64}$/, `${what}: x-request-id`);
}

describe('hot lane: same answers as the Hono application', tools, () => {
  let signer: TestSigner;
  const store = createMemoryStore();
  let service: AuthTestApp;
  let open: AuthTestApp;
  let s1: Served;
  let s2: Served;

  before(async () => {
    signer = await createTestSigner();
    const rel = await makeFixtureRelease({ type: 'widget', version: '1.0.0', platforms: [{ os: 'linux', arch: 'amd64' }], signer });
    await pushRelease(store, providerRepository('tf', 'registry.example.test', 'acme', 'widget'), rel);
    const files = Object.entries(moduleFiles('1.0.0')).map(([name, content]) => ({ name, content }));
    await pushForeignModule(store, moduleRepository('tf', 'registry.example.test', 'acme', 'net', 'aws'), '1.0.0', await zipOf(files));
    service = buildAuthApp(store, SERVICE_TOML);
    open = buildAuthApp(store, `[storage]\nprefix = "tf"\n`);
    s1 = await serve(service);
    s2 = await serve(open);
  });
  after(async () => {
    for (const s of [s1, s2]) {
      s?.server.close();
      s?.plain.close();
    }
    await signer?.cleanup();
  });

  const reader = bearer(READER);
  const mirror = '/mirror/registry.example.test/acme/widget';

  it('answers the four metadata documents (service mode, token with providers:read)', async () => {
    for (const path of [
      '/v1/providers/acme/widget/versions',
      '/v1/providers/acme/widget/1.0.0/download/linux/amd64',
      `${mirror}/index.json`,
      `${mirror}/1.0.0.json`,
      '/v1/providers/acme/widget/versions?unused=1',
    ]) {
      await compare(service, s1, { path, headers: reader, status: 200, hot: true });
    }
  });

  it('refuses like the permission middleware: no token 401, unknown token 401 invalid_token, wrong permission 403', async () => {
    const path = '/v1/providers/acme/widget/versions';
    await compare(service, s1, { path, status: 401, hot: true });
    await compare(service, s1, { path: `${mirror}/index.json`, headers: bearer('tok-unknown'), status: 401, hot: true });
    await compare(service, s1, { path, headers: bearer(MODULES_ONLY), status: 403, hot: true });
    const res = await fetch(s1.url + path, { headers: bearer(MODULES_ONLY) });
    assert.match(res.headers.get('www-authenticate') ?? '', /error="insufficient_scope", scope="providers:read"/);
  });

  it('answers not-found errors with the same JSON:API bodies', async () => {
    for (const path of [
      '/v1/providers/acme/nothing/versions',
      '/v1/providers/acme/widget/9.9.9/download/linux/amd64',
      '/v1/providers/acme/widget/1.0.0/download/plan9/mips',
      '/v1/providers/acme/widget/not-a-version/download/linux/amd64',
      `${mirror}/notes.txt`,
      '/mirror/other.example/acme/widget/index.json',
    ]) {
      const res = await fetch(s1.url + path, { headers: reader });
      assert.ok(res.status >= 400 && res.status < 500, `${path}: ${res.status}`);
      await compare(service, s1, { path, headers: reader, status: res.status, hot: true });
      const body = (await res.json()) as { errors: Array<{ code: string; detail: string }> };
      assert.ok(body.errors[0]?.code && body.errors[0].detail, `${path}: error names what is wrong`);
    }
  });

  it('passes on what it does not take: HEAD, percent escapes, trailing slash, other routes', async () => {
    await compare(service, s1, { path: '/v1/providers/acme/widget/versions', method: 'HEAD', headers: reader, status: 200, hot: false });
    await compare(service, s1, { path: '/v1/providers/acme/wid%67et/versions', headers: reader, status: 200, hot: false });
    await compare(service, s1, { path: '/v1/providers/acme/widget/versions/', headers: reader, status: 404, hot: false });
    await compare(service, s1, { path: '/.well-known/terraform.json', status: 200, hot: false });
    await compare(service, s1, { path: '/healthz', status: 200, hot: false });
  });

  it('answers the modules.v1 versions listing, and refuses it to a token without modules:read', async () => {
    const path = '/v1/modules/acme/net/aws/versions';
    await compare(service, s1, { path, headers: bearer(MODULES_ONLY), status: 200, hot: true });
    await compare(service, s1, { path, headers: reader, status: 403, hot: true });
    await compare(service, s1, { path: '/v1/modules/acme/nothing/aws/versions', headers: bearer(MODULES_ONLY), status: 404, hot: true });
    // The download answer (204 + X-Terraform-Get) stays on Hono.
    await compare(service, s1, { path: '/v1/modules/acme/net/aws/1.0.0/download', headers: bearer(MODULES_ONLY), status: 204, hot: false });
  });

  it('without access control every caller is served (auth.mode = none)', async () => {
    await compare(open, s2, { path: '/v1/providers/acme/widget/versions', status: 200, hot: true });
    await compare(open, s2, { path: `${mirror}/1.0.0.json`, headers: bearer('anything'), status: 200, hot: true });
  });

  it('keeps a sane X-Request-Id, replaces another, and writes the access line', async () => {
    const given = await fetch(`${s1.url}/v1/providers/acme/widget/versions`, { headers: { ...reader, 'x-request-id': 'trace-42' } });
    assert.equal(given.headers.get('x-request-id'), 'trace-42');
    const odd = await fetch(`${s1.url}/v1/providers/acme/widget/versions`, { headers: { ...reader, 'x-request-id': 'a b' } });
    assert.match(odd.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    const line = service.logLines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.reqId === 'trace-42' && l.msg === 'request');
    assert.ok(line, 'access line for trace-42');
    assert.equal(line.status, 200);
    assert.equal(line.apiToken, 'reader');
    assert.equal(line.path, '/v1/providers/acme/widget/versions');
    assert.ok(!service.logs().includes(READER), 'the token is never logged');
  });
});
