// Who published (docs/web.md#published-by): the publishing API records the API token's name (service mode)
// or the registry user name (delegate mode, real Distribution with htpasswd) on every GPG key, provider
// version and module version it writes, and answers it (`uploaded-by`, `published-by`); a token that
// re-issues the upload URL and uploads is the publisher; records written before the field existed answer
// null and the pages say "unknown". Never a secret: the token and the password appear nowhere.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashToken } from '../../src/auth/api-tokens.js';
import { createMemoryStore } from '../../src/oci/memory-store.js';
import { gpgKeyResource, versionResource, ApiLinks } from '../../src/http/routes/api/resources.js';
import { KeysPage } from '../../src/web/views/keys.js';
import type { GpgKeyRecord, VersionRecord } from '../../src/publishing/types.js';
import { buildAuthApp, type AuthTestApp } from '../auth/support.js';
import { DOCKER_REGISTRY_BIN, requireTool, startDistribution, type Distribution } from '../support/distribution.js';
import { generatePgpKey, type PgpKey } from '../publish/pgp.js';
import { buildRelease, entriesOf, makeZip, tarGz } from '../publish/release-fixture.js';

const RELEASER = 'releaser-token-0123456789abcdefghij';
const KEYS = 'keys-token-0123456789abcdefghijklmn';
const JSON_API = 'application/vnd.api+json';
type Json = Record<string, any>;

/** The publishing API of `t`, with an Authorization header. */
function api(t: AuthTestApp, authorization: string) {
  return async (
    method: string,
    path: string,
    body?: unknown,
    raw?: { bytes: Buffer; type: string },
  ): Promise<{ status: number; body: Json }> => {
    const headers: Record<string, string> = { authorization };
    if (body !== undefined) headers['content-type'] = JSON_API;
    if (raw) headers['content-type'] = raw.type;
    const res = await t.app.request(path, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : raw ? { body: raw.bytes } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Json) : {} };
  };
}

/** Adds a key, a provider, a version (uploaded), a module and a module version, as `authorization`. */
async function publishAll(t: AuthTestApp, key: PgpKey, call: ReturnType<typeof api>, uploader = call) {
  const k = await call('POST', '/api/v1/gpg-keys', {
    data: { type: 'gpg-keys', attributes: { namespace: 'acme', name: 'release', 'ascii-armor': key.armoredPublic } },
  });
  assert.equal(k.status, 201, JSON.stringify(k.body));
  const p = await call('POST', '/api/v1/providers', { data: { type: 'providers', attributes: { namespace: 'acme', name: 'thing' } } });
  assert.equal(p.status, 201, JSON.stringify(p.body));
  const v = await call('POST', '/api/v1/provider-versions', {
    data: {
      type: 'provider-versions',
      attributes: { version: '1.0.0' },
      relationships: {
        provider: { data: { type: 'providers', id: p.body.data.id } },
        'gpg-key': { data: { type: 'gpg-keys', id: k.body.data.id } },
      },
    },
  });
  assert.equal(v.status, 201, JSON.stringify(v.body));
  assert.equal(v.body.data.attributes['published-at'], null);
  // The uploader asks for its own upload URL (POST …/upload-url) and uploads with it.
  const url = await uploader('POST', `/api/v1/provider-versions/${v.body.data.id}/upload-url`);
  assert.equal(url.status, 200, JSON.stringify(url.body));
  const release = await buildRelease({
    type: 'thing',
    version: '1.0.0',
    platforms: [{ os: 'linux', arch: 'amd64' }],
    sign: (d) => key.sign(d),
  });
  const put = await t.app.request(new URL(url.body.data.links.upload as string).pathname, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream' },
    body: await tarGz(entriesOf(release)),
  });
  assert.equal(put.status, 200, await put.text());
  const m = await call('POST', '/api/v1/modules', {
    data: { type: 'modules', attributes: { namespace: 'acme', name: 'net', system: 'aws' } },
  });
  assert.equal(m.status, 201, JSON.stringify(m.body));
  const zip = await makeZip({ 'main.tf': 'variable "x" {}\n' });
  const mv = await call('PUT', `/api/v1/modules/${m.body.data.id}/versions/0.1.0`, undefined, { bytes: zip, type: 'application/zip' });
  assert.ok(mv.status < 300, JSON.stringify(mv.body));
  return {
    key: (await call('GET', `/api/v1/gpg-keys/${k.body.data.id}`)).body.data.attributes as Json,
    version: (await call('GET', `/api/v1/provider-versions/${v.body.data.id}`)).body.data.attributes as Json,
    module: (await call('GET', `/api/v1/modules/${m.body.data.id}/versions/0.1.0`)).body.data.attributes as Json,
  };
}

describe('published by / uploaded by', () => {
  let key: PgpKey;
  before(async () => {
    key = await generatePgpKey({ name: 'published-by' });
  });

  it('service mode: the API token names (the key by its adder, the version by the token that uploaded it)', async () => {
    const tokens = [
      ['keys', KEYS, '*'],
      ['releaser', RELEASER, '*'],
    ]
      .map(([name, token, perm]) => `[[auth.tokens]]\nname = "${name}"\nsha256 = "${hashToken(token!)}"\npermissions = ["${perm}"]\n`)
      .join('');
    const t = buildAuthApp(createMemoryStore(), `[storage]\nprefix = "tf"\n[auth]\nmode = "service"\n${tokens}`);
    const got = await publishAll(t, key, api(t, `Bearer ${KEYS}`), api(t, `Bearer ${RELEASER}`));
    assert.equal(got.key['uploaded-by'], 'keys');
    assert.equal(got.version.status, 'uploaded');
    assert.equal(got.version['published-by'], 'releaser');
    assert.equal(got.module['published-by'], 'keys');
    assert.equal(t.logs().includes(KEYS) || t.logs().includes(RELEASER), false, 'a token in the logs');
  });

  it('auth.mode = none: nobody is named (null)', async () => {
    const t = buildAuthApp(createMemoryStore(), '[storage]\nprefix = "tf"\n[auth]\nmode = "none"\n');
    const got = await publishAll(t, key, api(t, ''));
    assert.equal(got.key['uploaded-by'], null);
    assert.equal(got.version['published-by'], null);
    assert.equal(got.module['published-by'], null);
  });

  it('records written before the field existed answer null, and the pages say "unknown"', async () => {
    const links = new ApiLinks(new URL('https://registry.example.test/'));
    const old = {
      id: 'gpg-acme.X',
      namespace: 'acme',
      name: 'old',
      description: '',
      asciiArmor: '',
      fingerprint: 'F',
      keyId: 'K',
    } as GpgKeyRecord;
    const key = gpgKeyResource({ key: old, versionsCount: 0, versionIds: [], warnings: [] }, links) as Json;
    assert.equal(key.attributes['uploaded-by'], null);
    const version = versionResource(
      { version: { id: 'ver-acme.x.1.0.0', namespace: 'acme', type: 'x', errorMessages: [] } as unknown as VersionRecord },
      links,
    ) as Json;
    assert.equal(version.attributes['published-by'], null);
    const html = await String(
      KeysPage({
        ctx: { hostname: 'registry.example.test', csrf: 't', user: 'admin', mode: 'service', cssPath: '/a.css', jsPath: '/a.js' },
        keys: [
          {
            ...old,
            expiresAt: null,
            warnings: [],
            versionsCount: 0,
            createdAt: '2026-01-01T00:00:00.000Z',
            algorithm: 'RSA',
            uploadedBy: null,
          },
        ],
        canCreate: false,
        canDelete: false,
      }),
    );
    assert.match(html, /by unknown/);
  });
});

describe('published by in delegate mode (Distribution, htpasswd)', requireTool(DOCKER_REGISTRY_BIN, 'htpasswd'), () => {
  const PASSWORD = 'htpw-pubby-5e1d';
  let reg: Distribution;
  let key: PgpKey;
  after(async () => {
    await reg?.stop();
  });

  it('names the registry user, never the password', async () => {
    key = await generatePgpKey({ name: 'delegate' });
    reg = await startDistribution({ auth: { kind: 'htpasswd', users: { alice: PASSWORD } } });
    const t = buildAuthApp(
      undefined,
      `[storage]\nkind = "registry"\nurl = "${reg.url}"\nplain_http = true\nprefix = "tf"\n[auth]\nmode = "delegate"\n`,
    );
    const basic = `Basic ${Buffer.from(`alice:${PASSWORD}`).toString('base64')}`;
    const got = await publishAll(t, key, api(t, basic));
    assert.equal(got.key['uploaded-by'], 'alice');
    assert.equal(got.version['published-by'], 'alice');
    assert.equal(got.module['published-by'], 'alice');
    assert.equal(JSON.stringify(got).includes(PASSWORD), false);
  });
});
