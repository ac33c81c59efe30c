// Pull-through behind an egress proxy (HTTPS_PROXY / HTTP_PROXY, NO_PROXY: src/oci/proxy.ts): the mirror
// reaches its upstream only through a real forward proxy on loopback, and says which proxy failed when it
// cannot get through. docs/operations.md#outbound-proxy.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { providerRepository } from '../../src/layout/names.js';
import { createMemoryStore } from '../../src/oci/memory-store.js';
import { type ConnectProxy, startConnectProxy } from '../support/connect-proxy.js';
import { requireTool } from '../support/distribution.js';
import { serveMirror, startUpstream, type Upstream } from './support.js';

const HOST = 'upstream.example.test';

describe('pull-through through an outbound proxy', requireTool('zip'), () => {
  let upstream: Upstream;
  let proxy: ConnectProxy;
  let served: Awaited<ReturnType<typeof serveMirror>>;
  before(async () => {
    upstream = await startUpstream(HOST);
    await upstream.publish('widget', '1.0.0', [{ os: 'linux', arch: 'amd64' }]);
    proxy = await startConnectProxy();
    served = await serveMirror(createMemoryStore(), {
      upstreams: [{ hostname: HOST, url: new URL(upstream.url), signingKeys: [] }],
      upstreamTtlSeconds: 0,
      proxy: { httpProxy: proxy.url, httpsProxy: '', noProxy: '' },
    });
  });
  after(async () => {
    served?.close();
    await proxy?.close();
    await upstream?.stop();
  });

  it('lists, verifies and pulls a provider with every upstream request carried by the proxy', async () => {
    const index = await fetch(`${served.base}/mirror/${HOST}/acme/widget/index.json`);
    assert.equal(index.status, 200);
    const doc = (await (await fetch(`${served.base}/mirror/${HOST}/acme/widget/1.0.0.json`)).json()) as {
      archives: Record<string, { url: string; hashes: string[] }>;
    };
    const archive = doc.archives.linux_amd64!;
    const zip = await fetch(`${served.base}${new URL(archive.url, `${served.base}/mirror/${HOST}/acme/widget/`).pathname}`);
    assert.equal(zip.status, 200);
    const bytes = Buffer.from(await zip.arrayBuffer());
    assert.equal(`zh:${createHash('sha256').update(bytes).digest('hex')}`, archive.hashes[0]);
    const upstreamHost = new URL(upstream.url).host;
    assert.ok(proxy.targets.length > 0 && proxy.targets.every((t) => t === upstreamHost), proxy.targets.join(', '));
  });

  it('a proxy that refuses the upstream: 502 naming the upstream, nothing stored, no direct connection', async () => {
    // A mirror of its own: the first one's tunnels are kept alive, and a refusal applies to new ones.
    const refusing = await startConnectProxy();
    refusing.refuse = true;
    const store = createMemoryStore();
    const mirror = await serveMirror(store, {
      upstreams: [{ hostname: HOST, url: new URL(upstream.url), signingKeys: [] }],
      upstreamTtlSeconds: 0,
      proxy: { httpProxy: refusing.url, httpsProxy: '', noProxy: '' },
    });
    const total = () => [...upstream.hits.values()].reduce((a, b) => a + b, 0);
    try {
      const before = total();
      for (const path of ['index.json', '1.0.0.json']) {
        const res = await fetch(`${mirror.base}/mirror/${HOST}/acme/widget/${path}`);
        const body = (await res.json()) as { errors: { code: string; detail: string }[] };
        assert.equal(res.status, 502, JSON.stringify(body));
        assert.match(body.errors[0]!.detail, /unreachable: Proxy response \(403\)/, JSON.stringify(body));
      }
      assert.ok(refusing.targets.length > 0, 'the proxy was asked');
      assert.equal(total(), before, 'the upstream was never reached around the proxy');
      assert.deepEqual(
        await store.listTags(providerRepository('tf', HOST, 'acme', 'widget')).catch(() => [] as string[]),
        [],
        'nothing stored',
      );
    } finally {
      mirror.close();
      await refusing.close();
    }
  });
});
