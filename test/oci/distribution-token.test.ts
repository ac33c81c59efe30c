// The store contract against the REAL Distribution 2.8 with token auth (test/support/token-server.ts),
// plus authorization and token-cache behaviour counted at the token server: a reader can pull but
// not push (DENIED), anonymous is UNAUTHORIZED unless allowed, a push asks for pull+push once, repeated
// pulls reuse one token, different credentials never share one, access and refresh tokens work.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { Agent } from 'undici';
import { createRegistryStore } from '../../src/oci/remote/registry-store.js';
import { TokenCache } from '../../src/oci/remote/token-cache.js';
import type { Credential } from '../../src/oci/store.js';
import { firstSkip, registryLabel, requireRegistry, requireTool, startDistribution, type Distribution } from '../support/distribution.js';
import { startTokenServer, type TokenServer } from '../support/token-server.js';
import { collect, expectCode, pushProviderRelease } from './contract-fixtures.js';
import { storeContract } from './store-contract.js';

const tools = firstSkip(requireRegistry(['token']), requireTool('openssl'));
const pusher: Credential = { username: 'pusher', password: 'push-pw' };
const reader: Credential = { username: 'reader', password: 'read-pw' };

async function startTokenRegistry(): Promise<{ reg: Distribution; tokens: TokenServer }> {
  const tokens = await startTokenServer({
    users: {
      pusher: { password: 'push-pw', grants: [{ prefix: '', actions: ['pull', 'push', 'delete'] }] },
      reader: { password: 'read-pw', grants: [{ prefix: '', actions: ['pull'] }] },
    },
    refreshTokens: { 'refresh-for-pusher': 'pusher' },
  });
  const reg = await startDistribution({
    auth: { kind: 'token', realm: tokens.realm, service: tokens.service, issuer: tokens.issuer, rootCertBundle: tokens.certFile },
  });
  return { reg, tokens };
}

storeContract(
  `${registryLabel()}, token auth, pusher`,
  async () => {
    const { reg, tokens } = await startTokenRegistry();
    const dispatcher = new Agent();
    return {
      store: createRegistryStore({ url: reg.url, plainHttp: true, dispatcher, credential: pusher }),
      teardown: async () => {
        await dispatcher.close();
        await reg.stop();
        await tokens.close();
      },
    };
  },
  tools,
);

describe(`${registryLabel()}, token auth: authorization and token cache`, tools, () => {
  let reg: Distribution;
  let tokens: TokenServer;
  let dispatcher: Agent;
  const store = (credential?: Credential, tokenCache = new TokenCache()) =>
    createRegistryStore({ url: reg.url, plainHttp: true, dispatcher, tokenCache, ...(credential ? { credential } : {}) });

  before(async () => {
    ({ reg, tokens } = await startTokenRegistry());
    dispatcher = new Agent();
    await pushProviderRelease(store(pusher), 'shared/repo', 'v1');
  });
  after(async () => {
    await dispatcher?.close();
    await reg?.stop();
    await tokens?.close();
  });

  it('a push asks for pull+push up front: one token request in all', async () => {
    tokens.requests.length = 0;
    await pushProviderRelease(store(pusher), 'upfront/repo', 'v1');
    assert.equal(tokens.requests.length, 1, JSON.stringify(tokens.requests));
    assert.deepEqual(tokens.requests[0]?.scopes, ['repository:upfront/repo:pull,push']);
  });

  it('a reader can pull but not push or delete (DENIED, challenge kept)', async () => {
    const s = store(reader);
    const index = await s.fetchManifest('shared/repo', 'v1');
    const child = JSON.parse(index.bytes.toString()) as { manifests: Array<{ digest: string }> };
    assert.equal(child.manifests.length, 2);
    await expectCode(s.pushBlob('shared/repo', Readable.from([randomBytes(1000)])), 'DENIED');
    await expectCode(s.pushManifest('shared/repo', 'v2', index.bytes, index.descriptor.mediaType), 'DENIED');
    await expectCode(s.deleteManifest('shared/repo', index.descriptor.digest), 'DENIED');
    const err = await s.pushBlob('shared/repo', randomBytes(10)).catch((e: unknown) => e);
    assert.match(String((err as { challenge?: string }).challenge), /error="insufficient_scope"/);
  });

  it('anonymous: UNAUTHORIZED unless the token server allows anonymous pulls', async () => {
    await expectCode(store().listTags('shared/repo'), 'UNAUTHORIZED');
    tokens.options.anonymous = [{ prefix: 'shared/', actions: ['pull'] }];
    try {
      assert.deepEqual(await store().listTags('shared/repo'), ['v1']);
      await expectCode(store().pushBlob('shared/repo', randomBytes(10)), 'UNAUTHORIZED');
      await expectCode(store().listTags('other/repo'), 'UNAUTHORIZED');
    } finally {
      delete tokens.options.anonymous;
    }
  });

  it('repeated pulls reuse one token', async () => {
    const s = store(reader);
    tokens.requests.length = 0;
    for (let i = 0; i < 5; i++) {
      const m = await s.fetchManifest('shared/repo', 'v1');
      await s.resolveManifest('shared/repo', m.descriptor.digest);
      await s.listTags('shared/repo');
    }
    assert.equal(tokens.requests.length, 1);
  });

  it('two credentials never share a token, even through one cache and one store', async () => {
    const cache = new TokenCache();
    const s = store(undefined, cache);
    tokens.requests.length = 0;
    await s.listTags('shared/repo', { credential: reader });
    await s.listTags('shared/repo', { credential: pusher });
    await s.listTags('shared/repo', { credential: reader });
    await s.listTags('shared/repo', { credential: pusher });
    assert.deepEqual(
      tokens.requests.map((r) => r.user),
      ['reader', 'pusher'],
    );
    // A second store with the same cache and credential reuses the token; a fresh cache does not.
    await store(reader, cache).listTags('shared/repo');
    assert.equal(tokens.requests.length, 2);
    await store(reader).listTags('shared/repo');
    assert.equal(tokens.requests.length, 3);
  });

  it('concurrent first pulls share one token request (single-flight)', async () => {
    const s = store(reader);
    tokens.requests.length = 0;
    // The first request of each is anonymous (401); all then wait for the same token.
    await Promise.all(Array.from({ length: 8 }, () => s.resolveManifest('shared/repo', 'v1')));
    assert.equal(tokens.requests.length, 1);
  });

  it('uses an access token directly, without asking the token server', async () => {
    const accessToken = tokens.mint('pusher', ['repository:access/repo:pull,push']);
    tokens.requests.length = 0;
    const s = store({ accessToken });
    await pushProviderRelease(s, 'access/repo', 'v1');
    assert.deepEqual(await s.listTags('access/repo'), ['v1']);
    assert.equal(tokens.requests.length, 0);
    await expectCode(s.listTags('shared/repo'), 'DENIED');
  });

  it('exchanges a refresh token with a POST (refresh_token grant)', async () => {
    tokens.requests.length = 0;
    const s = store({ refreshToken: 'refresh-for-pusher' });
    await pushProviderRelease(s, 'refresh/repo', 'v1');
    assert.equal(tokens.requests.length, 1);
    assert.equal(tokens.requests[0]?.method, 'POST');
    assert.equal(tokens.requests[0]?.grantType, 'refresh_token');
    await expectCode(store({ refreshToken: 'wrong' }).listTags('refresh/repo'), 'UNAUTHORIZED');
  });

  it('accepts tokens identified by x5c as well as by kid', async () => {
    tokens.options.keyIdMode = 'x5c';
    try {
      const s = store(reader);
      const m = await s.fetchManifest('shared/repo', 'v1');
      const first = (JSON.parse(m.bytes.toString()) as { manifests: Array<{ digest: string }> }).manifests[0];
      assert.ok(first);
      const child = JSON.parse((await s.fetchManifest('shared/repo', first.digest)).bytes.toString()) as {
        layers: Array<{ digest: string; size: number }>;
      };
      const layer = child.layers[0];
      assert.ok(layer);
      const blob = await s.fetchBlob('shared/repo', layer.digest as never);
      assert.equal((await collect(blob.body)).length, layer.size);
    } finally {
      delete tokens.options.keyIdMode;
    }
  });
});
