// The auth layer against scripted registries and token servers: what is sent to the realm (service,
// one scope parameter per scope, Basic only with a password), which token is used (access_token over
// token), caps on token responses, realm validation, and refreshing a cached token the registry refused.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateRealm } from '../../src/oci/remote/auth.js';
import { createRegistryStore } from '../../src/oci/remote/registry-store.js';
import { TokenCache } from '../../src/oci/remote/token-cache.js';
import { json, useFakeServers, type FakeServer } from './fake-http.js';
import { expectCode } from './contract-fixtures.js';

const { dispatcher, fake } = useFakeServers();

/** A registry that wants `Bearer <accepted>` and challenges for the requested repository. */
async function bearerRegistry(realm: string, accepted: (token: string) => boolean): Promise<FakeServer> {
  return fake((req, res) => {
    const auth = req.headers.authorization ?? '';
    if (auth.startsWith('Bearer ') && accepted(auth.slice(7))) return json(res, 200, { tags: ['ok'] });
    const repo = /^\/v2\/(.+)\/tags\/list/.exec(req.url ?? '')?.[1] ?? 'x';
    return json(
      res,
      401,
      { errors: [{ code: 'UNAUTHORIZED' }] },
      {
        'www-authenticate': `Bearer realm="${realm}",service="svc",scope="repository:${repo}:pull"`,
      },
    );
  });
}

describe('token requests', () => {
  it('sends service, one scope per parameter, Basic auth only with a password; prefers access_token', async () => {
    const tokenServer = await fake((_req, res) => json(res, 200, { token: 'plain', access_token: 'preferred', expires_in: 300 }));
    const reg = await bearerRegistry(`${tokenServer.url}/token`, (t) => t === 'preferred');
    const store = createRegistryStore({ url: reg.url, plainHttp: true, dispatcher, credential: { username: 'u', password: 'p' } });
    assert.deepEqual(await store.listTags('a/b'), ['ok']);
    const url = new URL(tokenServer.requests[0]?.url ?? '', 'http://x');
    assert.equal(url.searchParams.get('service'), 'svc');
    assert.deepEqual(url.searchParams.getAll('scope'), ['repository:a/b:pull']);
    assert.equal(tokenServer.requests[0]?.headers.authorization, `Basic ${Buffer.from('u:p').toString('base64')}`);

    const anon = createRegistryStore({ url: reg.url, plainHttp: true, dispatcher });
    assert.deepEqual(await anon.listTags('c/d'), ['ok']);
    assert.equal(tokenServer.requests[1]?.headers.authorization, undefined);
  });

  it('accepts a response with only "token"', async () => {
    const tokenServer = await fake((_req, res) => json(res, 200, { token: 'only-token' }));
    const reg = await bearerRegistry(`${tokenServer.url}/token`, (t) => t === 'only-token');
    assert.deepEqual(await createRegistryStore({ url: reg.url, plainHttp: true, dispatcher }).listTags('a/b'), ['ok']);
  });

  it('caps token responses at 128 KiB and needs a token in them', async () => {
    const tokenServer = await fake((req, res) =>
      req.url?.includes('scope=repository%3Abig') ? json(res, 200, { token: 'x'.repeat(200 * 1024) }) : json(res, 200, { nothing: true }),
    );
    const reg = await bearerRegistry(`${tokenServer.url}/token`, () => false);
    const store = createRegistryStore({ url: reg.url, plainHttp: true, dispatcher });
    await expectCode(store.listTags('big/x'), 'TOO_LARGE');
    await expectCode(store.listTags('small/x'), 'PROTOCOL');
  });

  it('maps token-server refusals: 401 -> UNAUTHORIZED, 5xx -> UNAVAILABLE', async () => {
    const tokenServer = await fake((req, res) => json(res, req.url?.includes('down') ? 503 : 401, {}));
    const reg = await bearerRegistry(`${tokenServer.url}/token`, () => false);
    const store = createRegistryStore({
      url: reg.url,
      plainHttp: true,
      dispatcher,
      backoffMs: 5,
      credential: { username: 'u', password: 'bad' },
    });
    await expectCode(store.listTags('a/b'), 'UNAUTHORIZED');
    await expectCode(store.listTags('down/b'), 'UNAVAILABLE');
  });

  it('posts the refresh_token grant with client_id and space-joined scopes', async () => {
    const tokenServer = await fake((_req, res) => json(res, 200, { access_token: 'from-refresh' }));
    const reg = await bearerRegistry(`${tokenServer.url}/token`, (t) => t === 'from-refresh');
    const store = createRegistryStore({ url: reg.url, plainHttp: true, dispatcher, credential: { refreshToken: 'r1' } });
    assert.deepEqual(await store.listTags('a/b'), ['ok']);
    assert.equal(tokenServer.requests[0]?.method, 'POST');
    assert.equal(tokenServer.requests[0]?.headers['content-type'], 'application/x-www-form-urlencoded');
  });

  it('a caller aborting while a shared token fetch runs fails alone', async () => {
    const tokenServer = await fake(async (_req, res) => {
      await new Promise((r) => setTimeout(r, 300));
      json(res, 200, { token: 'slow' });
    });
    const reg = await bearerRegistry(`${tokenServer.url}/token`, (t) => t === 'slow');
    const store = createRegistryStore({ url: reg.url, plainHttp: true, dispatcher });
    const ac = new AbortController();
    const quitter = store.listTags('a/b', { signal: ac.signal });
    const stayer = store.listTags('a/b');
    setTimeout(() => ac.abort(), 50);
    await assert.rejects(quitter, (err: unknown) => (err as Error).name === 'AbortError');
    assert.deepEqual(await stayer, ['ok']);
    assert.equal(tokenServer.requests.length, 1);
  });

  it('refetches once when the registry refuses a cached token, then reuses the new one', async () => {
    let issued = 0;
    const tokenServer = await fake((_req, res) => json(res, 200, { token: `t${++issued}` }));
    let accept = 't1';
    const reg = await bearerRegistry(`${tokenServer.url}/token`, (t) => t === accept);
    const cache = new TokenCache();
    const store = createRegistryStore({ url: reg.url, plainHttp: true, dispatcher, tokenCache: cache });
    await store.listTags('a/b');
    assert.equal(issued, 1);
    accept = 't2'; // e.g. revoked early
    await store.listTags('a/b');
    assert.equal(issued, 2);
    const before = reg.requests.length;
    await store.listTags('a/b');
    assert.equal(reg.requests.length - before, 1, 'the refreshed token is sent up front');
  });
});

describe('realm validation', () => {
  it('https always; http only for an http registry; nothing else', () => {
    const https = new URL('https://reg.example/');
    const http = new URL('http://127.0.0.1:5000/');
    assert.equal(validateRealm('https://auth.example/token', https).host, 'auth.example');
    assert.equal(validateRealm('http://127.0.0.1:1/token', http).port, '1');
    assert.throws(() => validateRealm('http://auth.example/token', https), /refusing token realm/);
    assert.throws(() => validateRealm('ftp://auth.example/token', http), /refusing token realm/);
    assert.throws(() => validateRealm('https://user:pw@auth.example/token', https), /refusing token realm/);
    assert.throws(() => validateRealm(undefined, https), /invalid token realm/);
  });

  it('a registry pointing at a bad realm gets PROTOCOL, and no token request is made', async () => {
    const reg = await bearerRegistry('file:///etc/passwd', () => false);
    await expectCode(createRegistryStore({ url: reg.url, plainHttp: true, dispatcher }).listTags('a/b'), 'PROTOCOL');
  });

  it('Basic challenge without a password is UNAUTHORIZED without a second request', async () => {
    const reg = await fake((_req, res) => json(res, 401, {}, { 'www-authenticate': 'Basic realm="r"' }));
    await expectCode(
      createRegistryStore({ url: reg.url, plainHttp: true, dispatcher, credential: { accessToken: 'x' } }).listTags('a/b'),
      'UNAUTHORIZED',
    );
    assert.equal(reg.requests.length, 1);
  });
});
