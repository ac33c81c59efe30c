// The API reference is generated from the route schemas (src/http/openapi/): every /api/v1 route the
// application mounts is in GET /api/v1/openapi.json, and the responses of a REAL server process (happy and
// error paths, real GnuPG key, real release tarball, real module archive) validate against the response
// schemas the document declares for their status (Ajv, JSON Schema draft 2020-12 = OpenAPI 3.1 schemas).
// Request validation errors point at the bad member (source.pointer / source.parameter).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { createMemoryStore } from '../../src/oci/memory-store.js';
import { createGpgHome, gpgSkip, type GpgHome, type TestKey } from '../support/gpg.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { buildTestApp } from '../support/test-app.js';
import { zipOf } from '../modules/support/archives.js';
import { buildRelease, entriesOf, tarGz } from '../publish/release-fixture.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;
const JSON_API = 'application/vnd.api+json';
type Json = Record<string, any>;

/** `/api/v1/gpg-keys/:id` (Hono) -> `/api/v1/gpg-keys/{id}` (OpenAPI). */
const openApiPath = (p: string): string => p.replace(/:([^/]+)/g, '{$1}');

describe('the OpenAPI document covers every /api/v1 route', () => {
  it('lists each mounted route with its method, and nothing that is not mounted', async () => {
    const t = buildTestApp(createMemoryStore());
    const res = await t.app.request('/api/v1/openapi.json');
    assert.equal(res.status, 200);
    const doc = (await res.json()) as Json;
    assert.equal(doc.openapi, '3.1.0');
    const mounted = new Set(
      t.app.routes
        .filter((r) => r.path.startsWith('/api/v1/') && r.method !== 'ALL')
        .map((r) => `${r.method.toLowerCase()} ${openApiPath(r.path)}`),
    );
    const documented = new Set(
      Object.entries(doc.paths as Record<string, Json>).flatMap(([p, item]) => Object.keys(item).map((m) => `${m} ${p}`)),
    );
    assert.ok(mounted.size >= 35, `only ${mounted.size} routes mounted`);
    for (const r of mounted) assert.ok(documented.has(r), `${r} is mounted but not in the document`);
    for (const d of documented) assert.ok(mounted.has(d), `${d} is documented but not mounted`);
    for (const [p, item] of Object.entries(doc.paths as Record<string, Json>)) {
      for (const [m, op] of Object.entries(item as Record<string, Json>)) {
        assert.ok(op.summary, `${m} ${p} has a summary`);
        assert.ok(
          Object.keys(op.responses).some((s) => s.startsWith('2')),
          `${m} ${p} declares a success response`,
        );
      }
    }
  });

  it('renders the reference page server-side, under a strict CSP, with every operation and no script', async () => {
    const t = buildTestApp(createMemoryStore());
    const page = await t.app.request('/api/v1/docs');
    assert.equal(page.status, 200);
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'none'/);
    const html = await page.text();
    assert.doesNotMatch(html, /<script|style=|https?:\/\/(?!registry\.example\.test)/i);
    assert.match(html, /<link rel="stylesheet" href="\/api\/v1\/docs\/reference\.css">/);
    const doc = (await (await t.app.request('/api/v1/openapi.json')).json()) as Json;
    for (const p of Object.keys(doc.paths)) assert.ok(html.includes(`<code>${p.replace(/&/g, '&#38;')}</code>`), `${p} on the page`);
    const css = await t.app.request('/api/v1/docs/reference.css');
    assert.equal(css.status, 200);
    assert.match(css.headers.get('content-type') ?? '', /^text\/css/);
  });
});

describe('responses of a real server validate against the document', { skip: gpgSkip, timeout: 300_000 }, () => {
  let server: ServerProcess;
  let home: GpgHome;
  let key: TestKey;
  let armor: string;
  let dataDir: string;
  let doc: Json;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  const validators = new Map<string, ReturnType<typeof ajv.compile>>();
  const seen = new Set<string>();

  function validatorFor(template: string, method: string, status: number, media: string) {
    const id = `${method} ${template} ${status} ${media}`;
    let v = validators.get(id);
    if (!v) {
      const op = doc.paths[template]?.[method];
      assert.ok(op, `${method.toUpperCase()} ${template} is not in the document`);
      const response = op.responses[String(status)];
      assert.ok(response, `${method.toUpperCase()} ${template} answered ${status}, which the document does not declare`);
      const schema = response.content?.[media]?.schema;
      assert.ok(schema, `${method.toUpperCase()} ${template} ${status}: no schema for ${media}`);
      v = ajv.compile({ ...schema, components: doc.components });
      validators.set(id, v);
    }
    return v;
  }

  /** One request; its response must match the schema declared for its status. */
  async function call(
    method: string,
    template: string,
    path: string,
    opts: { body?: unknown; raw?: Buffer; contentType?: string; absolute?: string } = {},
  ): Promise<{ status: number; body: Json | undefined; headers: Headers }> {
    const headers: Record<string, string> = {};
    let body: string | Buffer | undefined;
    if (opts.body !== undefined) {
      headers['content-type'] = opts.contentType ?? JSON_API;
      body = JSON.stringify(opts.body);
    } else if (opts.raw) {
      headers['content-type'] = opts.contentType ?? 'application/octet-stream';
      body = opts.raw;
    }
    const res = await fetch(opts.absolute ?? `${server.url}${path}`, { method, headers, body });
    const text = await res.text();
    seen.add(`${method.toLowerCase()} ${template} ${res.status}`);
    if (res.status === 204) {
      assert.equal(text, '');
      assert.ok(doc.paths[template]?.[method.toLowerCase()]?.responses['204'], `${method} ${template} answered 204, undeclared`);
      return { status: 204, body: undefined, headers: res.headers };
    }
    const media = (res.headers.get('content-type') ?? '').split(';')[0]!;
    const parsed = JSON.parse(text) as Json;
    const validate = validatorFor(template, method.toLowerCase(), res.status, media);
    assert.ok(validate(parsed), `${method} ${path} -> ${res.status}: ${ajv.errorsText(validate.errors)}\n${text.slice(0, 2000)}`);
    return { status: res.status, body: parsed, headers: res.headers };
  }

  before(async () => {
    home = await createGpgHome();
    key = await home.generateKey('ed25519', 'api@example.test');
    armor = await home.exportPublicKey(key);
    dataDir = await mkdtemp(join(tmpdir(), 'tfoci-api-'));
    server = await startServerProcess({
      https: false,
      env: {
        TF_OCI_REGISTRY_STORAGE_PATH: dataDir,
        TF_OCI_REGISTRY_MIRROR_UPSTREAM: JSON.stringify([{ hostname: 'upstream.example.test', url: 'http://127.0.0.1:9/' }]),
      },
    });
    doc = (await (await fetch(`${server.url}/api/v1/openapi.json`)).json()) as Json;
  });

  after(async () => {
    await server?.stop();
    await home?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('publishing: keys, providers, versions, uploads, drafts, deletes, and their errors', async () => {
    // Keys.
    const created = await call('POST', '/api/v1/gpg-keys', '/api/v1/gpg-keys', {
      body: { data: { type: 'gpg-keys', attributes: { namespace: 'acme', name: 'release', 'ascii-armor': armor } } },
    });
    assert.equal(created.status, 201);
    const keyId = created.body!.data.id as string;
    assert.equal(keyId, `gpg-acme.${key.fingerprint.toLowerCase()}`);
    await call('GET', '/api/v1/gpg-keys', '/api/v1/gpg-keys?filter[namespace]=acme');
    await call('PATCH', '/api/v1/gpg-keys/{id}', `/api/v1/gpg-keys/${keyId}`, {
      body: { data: { type: 'gpg-keys', id: keyId, attributes: { description: 'CI key' } } },
    });
    const dup = await call('POST', '/api/v1/gpg-keys', '/api/v1/gpg-keys', {
      body: { data: { type: 'gpg-keys', attributes: { namespace: 'acme', name: 'again', 'ascii-armor': armor } } },
    });
    assert.equal(dup.status, 409);
    const badName = await call('POST', '/api/v1/gpg-keys', '/api/v1/gpg-keys', {
      body: { data: { type: 'gpg-keys', attributes: { namespace: 'acme', name: 7, 'ascii-armor': armor } } },
    });
    assert.equal(badName.status, 422);
    assert.equal(badName.body!.errors[0].source.pointer, '/data/attributes/name');
    assert.match(badName.body!.errors[0].detail, /attribute "name" must be a string/);
    // docs/api.md shows this very answer.
    const shown = /```json\n([\s\S]*?)```/.exec(readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8'))![1]!;
    assert.deepEqual(JSON.parse(shown), badName.body);
    const immutable = await call('PATCH', '/api/v1/gpg-keys/{id}', `/api/v1/gpg-keys/${keyId}`, {
      body: { data: { type: 'gpg-keys', attributes: { fingerprint: 'X' } } },
    });
    assert.equal(immutable.status, 422);
    assert.match(immutable.body!.errors[0].detail, /attribute "fingerprint" of a GPG key cannot be changed/);
    assert.equal((await call('GET', '/api/v1/gpg-keys/{id}', '/api/v1/gpg-keys/gpg-acme.nope')).status, 404);

    // Providers.
    const provider = await call('POST', '/api/v1/providers', '/api/v1/providers', {
      body: { data: { type: 'providers', attributes: { namespace: 'acme', name: 'widget' } } },
    });
    assert.equal(provider.status, 201);
    assert.equal(provider.body!.data.id, 'prv-acme.widget');
    await call('GET', '/api/v1/providers', '/api/v1/providers');
    await call('GET', '/api/v1/providers/{id}', '/api/v1/providers/prv-acme.widget');
    await call('PATCH', '/api/v1/providers/{id}', '/api/v1/providers/prv-acme.widget', {
      body: { data: { type: 'providers', attributes: { description: 'widgets' } } },
    });
    const wrongType = await call('POST', '/api/v1/providers', '/api/v1/providers', {
      body: { data: { type: 'modules', attributes: { namespace: 'acme', name: 'x' } } },
    });
    assert.equal(wrongType.status, 409);
    assert.equal(wrongType.body!.errors[0].source.pointer, '/data/type');
    const noType = await call('POST', '/api/v1/providers', '/api/v1/providers', {
      body: { data: { type: 'providers' } },
      contentType: 'text/plain',
    });
    assert.equal(noType.status, 415);
    const notDoc = await call('POST', '/api/v1/providers', '/api/v1/providers', { body: [1, 2] });
    assert.equal(notDoc.status, 400);
    const badCascade = await call('DELETE', '/api/v1/providers/{id}', '/api/v1/providers/prv-acme.widget?cascade=maybe');
    assert.equal(badCascade.status, 400);
    assert.equal(badCascade.body!.errors[0].source.parameter, 'cascade');

    // A version through the upload URL.
    const rels = { provider: { data: { type: 'providers', id: 'prv-acme.widget' } }, 'gpg-key': { data: { type: 'gpg-keys', id: keyId } } };
    const v1 = await call('POST', '/api/v1/provider-versions', '/api/v1/provider-versions', {
      body: { data: { type: 'provider-versions', attributes: { version: '1.0.0' }, relationships: rels } },
    });
    assert.equal(v1.status, 201);
    const release = await buildRelease({
      type: 'widget',
      version: '1.0.0',
      platforms: [{ os: 'linux', arch: 'amd64' }],
      protocols: ['5.0'],
      sign: (d) => home.detachSign(key, d),
    });
    const renewed = await call(
      'POST',
      '/api/v1/provider-versions/{id}/upload-url',
      `/api/v1/provider-versions/${v1.body!.data.id}/upload-url`,
    );
    const uploadUrl = renewed.body!.data.links.upload as string;
    const stale = await call('PUT', '/api/v1/uploads/{token}', '', { absolute: v1.body!.data.links.upload, raw: Buffer.from('x') });
    assert.equal(stale.status, 409, 'the replaced upload URL no longer works');
    const uploaded = await call('PUT', '/api/v1/uploads/{token}', '', {
      absolute: uploadUrl,
      raw: await tarGz(entriesOf(release)),
      contentType: 'application/gzip',
    });
    assert.equal(uploaded.status, 200, JSON.stringify(uploaded.body));
    assert.equal(uploaded.body!.data.attributes.status, 'uploaded');
    await call('GET', '/api/v1/provider-versions', '/api/v1/provider-versions?filter[provider]=prv-acme.widget');
    await call('GET', '/api/v1/provider-versions/{id}', `/api/v1/provider-versions/${v1.body!.data.id}`);
    const again = await call('POST', '/api/v1/provider-versions', '/api/v1/provider-versions', {
      body: { data: { type: 'provider-versions', attributes: { version: '1.0.0' }, relationships: rels } },
    });
    assert.equal(again.status, 409);
    const noRel = await call('POST', '/api/v1/provider-versions', '/api/v1/provider-versions', {
      body: { data: { type: 'provider-versions', attributes: { version: '1.1.0' } } },
    });
    assert.equal(noRel.status, 422);
    assert.equal(noRel.body!.errors[0].source.pointer, '/data/relationships/provider');
    const long = await call('POST', '/api/v1/provider-versions', '/api/v1/provider-versions', {
      body: { data: { type: 'provider-versions', attributes: { version: `1.0.0-${'a'.repeat(10_000)}` }, relationships: rels } },
    });
    assert.equal(long.status, 422);
    assert.ok(JSON.stringify(long.body).length < 1000, 'a long value is not echoed back');

    // A draft: files one by one, then publish.
    const v2 = await call('POST', '/api/v1/provider-versions', '/api/v1/provider-versions', {
      body: { data: { type: 'provider-versions', attributes: { version: '1.1.0' }, relationships: rels } },
    });
    const draft = await buildRelease({
      type: 'widget',
      version: '1.1.0',
      platforms: [{ os: 'linux', arch: 'amd64' }],
      protocols: ['5.0'],
      sign: (d) => home.detachSign(key, d),
    });
    const v2id = v2.body!.data.id as string;
    const early = await call('POST', '/api/v1/provider-versions/{id}/publish', `/api/v1/provider-versions/${v2id}/publish`);
    assert.equal(early.status, 422);
    for (const [name, bytes] of draft.files) {
      const put = await call('PUT', '/api/v1/provider-versions/{id}/files/{filename}', `/api/v1/provider-versions/${v2id}/files/${name}`, {
        raw: bytes,
      });
      assert.equal(put.status, 200);
    }
    const asJson = await call('PUT', '/api/v1/provider-versions/{id}/files/{filename}', `/api/v1/provider-versions/${v2id}/files/x.zip`, {
      body: { x: 1 },
      contentType: 'application/json',
    });
    assert.equal(asJson.status, 415);
    await call('GET', '/api/v1/provider-versions/{id}/files', `/api/v1/provider-versions/${v2id}/files`);
    const published = await call('POST', '/api/v1/provider-versions/{id}/publish', `/api/v1/provider-versions/${v2id}/publish`);
    assert.equal(published.status, 200, JSON.stringify(published.body));

    // Deletes.
    const inUse = await call('DELETE', '/api/v1/gpg-keys/{id}', `/api/v1/gpg-keys/${keyId}`);
    assert.equal(inUse.status, 409);
    assert.equal((await call('DELETE', '/api/v1/provider-versions/{id}', `/api/v1/provider-versions/${v2id}`)).status, 204);
    const notEmpty = await call('DELETE', '/api/v1/providers/{id}', '/api/v1/providers/prv-acme.widget');
    assert.equal(notEmpty.status, 409);
    assert.equal((await call('DELETE', '/api/v1/providers/{id}', '/api/v1/providers/prv-acme.widget?cascade=true')).status, 204);
    assert.equal((await call('DELETE', '/api/v1/gpg-keys/{id}', `/api/v1/gpg-keys/${keyId}`)).status, 204);
  });

  it('modules, mirror imports, usage, and their errors', async () => {
    const mod = await call('POST', '/api/v1/modules', '/api/v1/modules', {
      body: { data: { type: 'modules', attributes: { namespace: 'acme', name: 'network', system: 'aws' } } },
    });
    assert.equal(mod.status, 201);
    const id = mod.body!.data.id as string;
    await call('GET', '/api/v1/modules', '/api/v1/modules');
    await call('GET', '/api/v1/modules/{id}', `/api/v1/modules/${id}`);
    await call('PATCH', '/api/v1/modules/{id}', `/api/v1/modules/${id}`, {
      body: { data: { type: 'modules', attributes: { description: 'net' } } },
    });
    const zip = await zipOf([
      { name: 'main.tf', content: 'variable "cidr" {}\noutput "id" { value = "x" }\n' },
      { name: 'README.md', content: '# network\n' },
    ]);
    const pub = await call('PUT', '/api/v1/modules/{id}/versions/{version}', `/api/v1/modules/${id}/versions/1.0.0`, {
      raw: zip,
      contentType: 'application/zip',
    });
    assert.equal(pub.status, 201, JSON.stringify(pub.body));
    await call('GET', '/api/v1/modules/{id}/versions', `/api/v1/modules/${id}/versions`);
    await call('GET', '/api/v1/modules/{id}/versions/{version}', `/api/v1/modules/${id}/versions/1.0.0`);
    const longVersion = await call(
      'GET',
      '/api/v1/modules/{id}/versions/{version}',
      `/api/v1/modules/${id}/versions/1.0.0-${'a'.repeat(5000)}`,
    );
    assert.equal(longVersion.status, 400, JSON.stringify(longVersion.body));
    assert.ok(JSON.stringify(longVersion.body).length < 600, 'the version is not echoed back');
    assert.match(longVersion.body!.errors[0].detail, /path parameter "version" is longer than 128 characters/);
    const notSemver = await call('PUT', '/api/v1/modules/{id}/versions/{version}', `/api/v1/modules/${id}/versions/v1`, { raw: zip });
    assert.equal(notSemver.status, 422, JSON.stringify(notSemver.body));
    const missing = await call('POST', '/api/v1/modules', '/api/v1/modules', {
      body: { data: { type: 'modules', attributes: { namespace: 'acme' } } },
    });
    assert.equal(missing.status, 422);
    assert.equal(missing.body!.errors[0].source.pointer, '/data/attributes/name');
    assert.match(missing.body!.errors[0].detail, /attribute "name" is required/);
    assert.equal(missing.body!.errors.length, 2, 'one error object per missing attribute');
    assert.equal((await call('DELETE', '/api/v1/modules/{id}/versions/{version}', `/api/v1/modules/${id}/versions/1.0.0`)).status, 204);
    assert.equal((await call('DELETE', '/api/v1/modules/{id}', `/api/v1/modules/${id}`)).status, 204);

    const imp = await call('POST', '/api/v1/mirror-imports', '/api/v1/mirror-imports', {
      body: { data: { type: 'mirror-imports', attributes: { providers: ['upstream.example.test/acme/widget'], 'dry-run': true } } },
    });
    assert.equal(imp.status, 202);
    await call('GET', '/api/v1/mirror-imports', '/api/v1/mirror-imports');
    await call('GET', '/api/v1/mirror-imports/{id}', `/api/v1/mirror-imports/${imp.body!.data.id}`);
    const badImport = await call('POST', '/api/v1/mirror-imports', '/api/v1/mirror-imports', {
      body: { data: { type: 'mirror-imports', attributes: { providers: [], colour: 'blue' } } },
    });
    assert.equal(badImport.status, 422);
    const pointers = badImport.body!.errors.map((e: Json) => e.source?.pointer ?? e.detail);
    assert.ok(pointers.includes('/data/attributes/providers'), JSON.stringify(badImport.body));

    await call('GET', '/api/v1/usage', '/api/v1/usage');
    await call('GET', '/api/v1/usage/unused-versions', '/api/v1/usage/unused-versions?provider=acme/widget&since=2026-01-01');
    const unknown = await call('GET', '/api/v1/usage', '/api/v1/usage?colour=red');
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body!.errors[0].source.parameter, 'colour');
    const twice = await call('GET', '/api/v1/usage', '/api/v1/usage?since=2026-01-01&since=2026-01-02');
    assert.equal(twice.status, 400);
  });

  it('exercised every documented operation at least once', () => {
    const ops = Object.entries(doc.paths as Record<string, Json>).flatMap(([p, item]) => Object.keys(item).map((m) => `${m} ${p}`));
    const hit = new Set([...seen].map((s) => s.split(' ').slice(0, 2).join(' ')));
    const missing = ops.filter((o) => !hit.has(o) && !o.includes('/openapi.json') && !o.includes('/docs'));
    assert.deepEqual(missing, []);
  });
});
