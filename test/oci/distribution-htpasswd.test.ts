// The store contract against the REAL Distribution 2.8 with htpasswd (Basic) auth, plus: missing or
// wrong credentials -> UNAUTHORIZED (also for a streamed upload, which must not hang or half-send),
// per-call credentials overriding the store's, and the Basic scheme remembered so later requests skip
// the 401 round trip.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { Agent } from 'undici';
import { createRegistryStore } from '../../src/oci/remote/registry-store.js';
import { firstSkip, registryLabel, requireRegistry, requireTool, startDistribution, type Distribution } from '../support/distribution.js';
import { expectCode, pushProviderRelease } from './contract-fixtures.js';
import { storeContract } from './store-contract.js';

const tools = firstSkip(requireRegistry(['htpasswd']), requireTool('htpasswd'));
const users = { pusher: 's3cret', other: 'pw2' };

storeContract(
  `${registryLabel()}, htpasswd, store credential`,
  async () => {
    const reg = await startDistribution({ auth: { kind: 'htpasswd', users } });
    const dispatcher = new Agent();
    return {
      store: createRegistryStore({ url: reg.url, plainHttp: true, dispatcher, credential: { username: 'pusher', password: 's3cret' } }),
      teardown: async () => {
        await dispatcher.close();
        await reg.stop();
      },
    };
  },
  tools,
);

describe(`${registryLabel()}, htpasswd: credentials`, tools, () => {
  let reg: Distribution;
  let dispatcher: Agent;
  before(async () => {
    reg = await startDistribution({ auth: { kind: 'htpasswd', users } });
    dispatcher = new Agent();
  });
  after(async () => {
    await dispatcher?.close();
    await reg?.stop();
  });

  it('without credentials: UNAUTHORIZED everywhere, ping still succeeds', async () => {
    const store = createRegistryStore({ url: reg.url, plainHttp: true, dispatcher });
    await store.ping();
    await expectCode(store.listTags('a/b'), 'UNAUTHORIZED');
    await expectCode(store.resolveManifest('a/b', 'v1'), 'UNAUTHORIZED');
    await expectCode(store.pushBlob('a/b', Readable.from([randomBytes(1000)])), 'UNAUTHORIZED');
    await expectCode(store.pushBlob('a/b', randomBytes(10)), 'UNAUTHORIZED');
    const err = await store.listTags('a/b').catch((e: unknown) => e);
    assert.match(String((err as { challenge?: string }).challenge), /^Basic realm="basic-realm"/);
  });

  it('with a wrong password: UNAUTHORIZED', async () => {
    const store = createRegistryStore({ url: reg.url, plainHttp: true, dispatcher, credential: { username: 'pusher', password: 'nope' } });
    await expectCode(store.listTags('a/b'), 'UNAUTHORIZED');
    await expectCode(store.pushBlob('a/b', Readable.from([randomBytes(1000)])), 'UNAUTHORIZED');
  });

  it('per-call credentials override the store credential', async () => {
    const store = createRegistryStore({ url: reg.url, plainHttp: true, dispatcher, credential: { username: 'pusher', password: 'bad' } });
    const good = { credential: { username: 'other', password: 'pw2' } };
    await pushProviderRelease(store, 'percall/repo', 'v1', good);
    assert.deepEqual(await store.listTags('percall/repo', good), ['v1']);
    await expectCode(store.listTags('percall/repo'), 'UNAUTHORIZED');
    await expectCode(store.listTags('percall/repo', { credential: {} }), 'UNAUTHORIZED');
  });

  it('remembers the Basic scheme: no 401 round trip after the first', async () => {
    const statuses: number[] = [];
    const store = createRegistryStore({
      url: reg.url,
      plainHttp: true,
      dispatcher,
      credential: { username: 'pusher', password: 's3cret' },
      logger: { debug: (o: object) => void statuses.push((o as { status?: number }).status ?? -1) },
    });
    await store.ping();
    assert.deepEqual(statuses, [401, 200]);
    statuses.length = 0;
    await pushProviderRelease(store, 'scheme/cached', 'v1');
    await store.listTags('scheme/cached');
    assert.ok(statuses.length > 8);
    assert.equal(statuses.filter((s) => s === 401).length, 0, `statuses: ${statuses.join(',')}`);
  });
});
