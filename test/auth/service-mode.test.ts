// Service-credential mode through the HTTP layer (app.request): ONE table-driven test over the whole
// permission table (every rule, every method, one API token per permission, no token, a bad token), so
// each permission allows exactly its actions. Read routes are the real providers.v1 / mirror routes over
// a memory store holding a signed release; routes other engineers mount later (/api/v1/…, /v1/modules)
// are stubbed with handlers that answer 200 until they exist; "allowed" means the request reached its
// route (any answer but 401/403/5xx).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hashToken } from '../../src/auth/api-tokens.js';
import { PERMISSIONS } from '../../src/auth/permissions.js';
import type { RouteRule } from '../../src/auth/route-table.js';
import { providerRepository } from '../../src/layout/names.js';
import { createMemoryStore } from '../../src/oci/memory-store.js';
import { requireTool } from '../support/distribution.js';
import { createTestSigner, type TestSigner } from '../support/gpg-signer.js';
import { makeFixtureRelease, pushRelease } from '../support/provider-fixture.js';
import { bearer, buildAuthApp, pathOf, type AuthTestApp, type ErrorBody } from './support.js';

const tools = requireTool('gpg', 'zip');
const tokenOf = (perm: string) => `tok-${perm.replace(':', '-')}-0123456789`;
const TOKENS_TOML = PERMISSIONS.map(
  (p) => `[[auth.tokens]]\nname = "${p.replace(':', '_')}"\nsha256 = "${hashToken(tokenOf(p))}"\npermissions = ["${p}"]\n`,
).join('');
const ADMIN = 'tok-admin-0123456789';

/** A concrete request path for every pattern of the table (the test fails if a rule has none). */
const SAMPLES: Record<string, string> = {
  '/.well-known/terraform.json': '/.well-known/terraform.json',
  '/healthz': '/healthz',
  '/readyz': '/readyz',
  '/metrics': '/metrics',
  '/download/**': '/download/TICKET/terraform-provider-widget_1.0.0_linux_amd64.zip',
  '/api/v1/uploads/*': '/api/v1/uploads/sealed-upload-token',
  '/api/v1/openapi.json': '/api/v1/openapi.json',
  '/api/v1/docs/**': '/api/v1/docs',
  '/v1/providers/**': '/v1/providers/acme/widget/versions',
  '/mirror/**': '/mirror/registry.example.test/acme/widget/index.json',
  '/v1/modules/**': '/v1/modules/acme/net/aws/versions',
  '/api/v1/gpg-keys/**': '/api/v1/gpg-keys/gpg-1',
  '/api/v1/providers/**': '/api/v1/providers/prv-1',
  '/api/v1/provider-versions/**': '/api/v1/provider-versions/pv-1/files/x.zip',
  '/api/v1/modules/**': '/api/v1/modules/mod-1',
  '/api/v1/mirror-imports/**': '/api/v1/mirror-imports/imp-000000000000',
  '/api/v1/usage/**': '/api/v1/usage',
  '/': '/',
  '/ui/**': '/ui/providers',
};

/**
 * Allowed = the permission check let the request through to its route: whatever the route answers
 * (200, or 404/422 for the sample ids of real routes), it is not an access refusal or a crash.
 */
function assertAllowed(res: Response, what: string): void {
  assert.ok(res.status !== 401 && res.status !== 403 && res.status < 500, `${what}: got ${res.status}`);
}

function stubLaterRoutes(t: AuthTestApp): void {
  const ok = (c: { json: (b: unknown) => Response }) => c.json({ stub: true });
  t.app.all('/api/v1/*', ok);
  t.app.get('/v1/modules/*', ok);
}

describe('service mode: the permission table through HTTP', tools, () => {
  let signer: TestSigner;
  const store = createMemoryStore();
  let t: AuthTestApp;
  let ticketPath: string;

  before(async () => {
    signer = await createTestSigner();
    const rel = await makeFixtureRelease({ type: 'widget', version: '1.0.0', platforms: [{ os: 'linux', arch: 'amd64' }], signer });
    await pushRelease(store, providerRepository('tf', 'registry.example.test', 'acme', 'widget'), rel);
    t = buildAuthApp(
      store,
      `[storage]\nprefix = "tf"\n[auth]\nmode = "service"\n${TOKENS_TOML}[[auth.tokens]]\nname = "admin"\nsha256 = "${hashToken(ADMIN)}"\npermissions = ["*"]\n`,
    );
    stubLaterRoutes(t);
    const pkg = await t.app.request('/v1/providers/acme/widget/1.0.0/download/linux/amd64', { headers: bearer(tokenOf('providers:read')) });
    assert.equal(pkg.status, 200);
    ticketPath = pathOf(((await pkg.json()) as { download_url: string }).download_url);
  });
  after(async () => signer?.cleanup());

  const pathFor = (rule: RouteRule) => {
    const p = SAMPLES[rule.pattern];
    assert.ok(p, `no sample path for ${rule.pattern}: add one`);
    return rule.pattern === '/download/**' ? ticketPath : p;
  };

  it('each permission allows exactly its actions; others get 403 naming the permission, no token 401', async () => {
    let checked = 0;
    for (const rule of t.access.table) {
      if (rule.access === 'open') continue;
      for (const method of rule.methods.flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m]))) {
        const path = pathFor(rule);
        for (const perm of PERMISSIONS) {
          const res = await t.app.request(path, { method, headers: bearer(tokenOf(perm)) });
          const what = `${method} ${path} with ${perm}`;
          if (perm === rule.access) {
            assertAllowed(res, what);
          } else {
            assert.equal(res.status, 403, what);
            if (method !== 'HEAD')
              assert.match(((await res.json()) as ErrorBody).errors[0]!.detail, new RegExp(`lacks the permission ${rule.access}$`), what);
            assert.match(res.headers.get('www-authenticate') ?? '', /error="insufficient_scope"/, what);
          }
          checked++;
        }
        const anon = await t.app.request(path, { method });
        assert.equal(anon.status, 401, `${method} ${path} without a token`);
        assert.equal(anon.headers.get('www-authenticate'), 'Bearer realm="tf-oci-registry"');
        const admin = await t.app.request(path, { method, headers: bearer(ADMIN) });
        assertAllowed(admin, `${method} ${path} as admin`);
      }
    }
    assert.ok(checked > 300, `checked ${checked} combinations`);
  });

  it('open routes need no token (and ignore a bad one)', async () => {
    for (const rule of t.access.table.filter((r) => r.access === 'open')) {
      for (const headers of [{}, bearer('not-a-configured-token')]) {
        const res = await t.app.request(pathFor(rule), { method: rule.methods[0]!, headers });
        assert.notEqual(res.status, 401, `${rule.methods[0]} ${rule.pattern}`);
        assert.notEqual(res.status, 500, `${rule.methods[0]} ${rule.pattern}`);
      }
    }
  });

  it('refuses an unknown token with 401 invalid_token, and never falls back to anonymous', async () => {
    const res = await t.app.request('/v1/providers/acme/widget/versions', { headers: bearer('tok-unknown') });
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="tf-oci-registry", error="invalid_token"');
    const basic = await t.app.request('/v1/providers/acme/widget/versions', {
      headers: { authorization: `Basic ${Buffer.from(`x:${ADMIN}`).toString('base64')}` },
    });
    assert.equal(basic.status, 401);
  });

  it('denies routes the table does not cover, even for an all-permissions token', async () => {
    for (const [method, path] of [
      ['GET', '/api/v1/secrets'],
      ['PATCH', '/api/v1/provider-versions/pv-1'],
      ['GET', '/nowhere'],
    ] as const) {
      const res = await t.app.request(path, { method, headers: bearer(ADMIN) });
      assert.equal(res.status, 403, `${method} ${path}`);
      assert.match(((await res.json()) as ErrorBody).errors[0]!.detail, /not covered by the permission table/);
      assert.equal((await t.app.request(path, { method })).status, 401, `${method} ${path} anonymous`);
    }
  });

  it('with anonymous_read, callers without a token may read providers and modules, nothing else', async () => {
    const anon = buildAuthApp(store, `[storage]\nprefix = "tf"\n[auth]\nmode = "service"\nanonymous_read = true\n`);
    stubLaterRoutes(anon);
    for (const rule of anon.access.table) {
      if (rule.access === 'open') continue;
      for (const method of rule.methods) {
        const res = await anon.app.request(pathFor(rule), { method });
        const what: string = `${method} ${rule.pattern} (${rule.access})`;
        if (rule.access === 'providers:read' || rule.access === 'modules:read') assertAllowed(res, what);
        else assert.equal(res.status, 401, what);
      }
    }
  });
});
