// The store contract against the REAL CNCF Distribution 2.8 registry without auth, plus what only a
// real registry shows: relative Location headers, the registry dying mid-request (UNAVAILABLE, never a
// hang) and coming back, and the plain-http guard.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { Agent } from 'undici';
import { isOciError } from '../../src/oci/errors.js';
import { createRegistryStore } from '../../src/oci/remote/registry-store.js';
import type { OciStore } from '../../src/oci/store.js';
import { registryLabel, requireRegistry, startDistribution, type Distribution } from '../support/distribution.js';
import { collect, expectCode, pushProviderRelease } from './contract-fixtures.js';
import { storeContract } from './store-contract.js';

const tools = requireRegistry();

storeContract(
  `${registryLabel()}, no auth`,
  async () => {
    const reg = await startDistribution();
    const dispatcher = new Agent({ keepAliveTimeout: 10_000 });
    return {
      store: createRegistryStore({ url: reg.url, plainHttp: true, dispatcher }),
      quirks: reg.traits.quirks,
      teardown: async () => {
        await dispatcher.close();
        await reg.stop();
      },
    };
  },
  tools,
);

describe(`${registryLabel()}, no auth: registry specifics`, tools, () => {
  let reg: Distribution;
  let dispatcher: Agent;
  let store: OciStore;
  before(async () => {
    reg = await startDistribution({ relativeUrls: true });
    dispatcher = new Agent({ keepAliveTimeout: 10_000 });
    store = createRegistryStore({ url: reg.url, plainHttp: true, dispatcher, timeoutMs: 5_000, backoffMs: 50 });
  });
  after(async () => {
    await dispatcher?.close();
    await reg?.stop();
  });

  it('refuses an http:// URL unless plainHttp is set', () => {
    assert.throws(() => createRegistryStore({ url: reg.url }), /plain-http/);
    assert.throws(() => createRegistryStore({ url: 'https://user:pw@example.com' }), /credentials/);
    assert.throws(() => createRegistryStore({ url: 'https://example.com/sub/path' }), /without path/);
  });

  it('uploads with relative Location headers (http.relativeurls)', async () => {
    const bytes = randomBytes(50_000);
    const desc = await store.pushBlob('rel/urls', Readable.from([bytes]));
    assert.ok((await collect((await store.fetchBlob('rel/urls', desc.digest)).body)).equals(bytes));
    await pushProviderRelease(store, 'rel/urls', 'v1');
    assert.deepEqual(await store.listTags('rel/urls'), ['v1']);
  });

  it('surfaces the registry dying mid-download as UNAVAILABLE, then recovers after restart', requireRegistry(['restart']), async () => {
    const big = Buffer.alloc(64 * 1024 * 1024, 7);
    const desc = await store.pushBlob('down/blob', big);
    const fetched = await store.fetchBlob('down/blob', desc.digest);
    const iterator = (fetched.body as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    await iterator.next(); // the transfer has started
    await reg.kill();
    const started = Date.now();
    const failure = await (async () => {
      try {
        for (let r = await iterator.next(); !r.done; r = await iterator.next()) {
          /* drain */
        }
        return undefined;
      } catch (err) {
        return err;
      }
    })();
    assert.ok(isOciError(failure, 'UNAVAILABLE'), `expected UNAVAILABLE, got ${String(failure)}`);
    assert.ok(Date.now() - started < 5_000);

    const t0 = Date.now();
    await expectCode(store.listTags('down/blob'), 'UNAVAILABLE');
    await expectCode(store.pushBlob('down/blob', Readable.from([Buffer.from('x')])), 'UNAVAILABLE');
    assert.ok(Date.now() - t0 < 5_000, 'failing fast while the registry is down');

    await reg.restart();
    assert.deepEqual(await store.statBlob('down/blob', desc.digest), { size: big.length });
    await store.ping();
  });
});
