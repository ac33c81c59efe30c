// Outbound proxies (src/oci/proxy.ts) through a real forward proxy on loopback: the settings read from the
// standard variables (NO_PROXY host names, IP addresses and CIDR ranges), the same routing decision in
// proxyFor as in the undici dispatcher that carries the requests, and the registry store against the real
// Distribution registry with every pool (blob downloads too) through the proxy, or none of them when
// NO_PROXY names the registry.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { createDispatcher, NO_PROXY_SETTINGS, type ProxySettings, proxyFor, proxySettingsFromEnv } from '../../src/oci/proxy.js';
import { createRegistryStore } from '../../src/oci/remote/registry-store.js';
import { parseDigest } from '../../src/oci/types.js';
import { type ConnectProxy, startConnectProxy } from '../support/connect-proxy.js';
import { requireRegistry, startDistribution, type Distribution } from '../support/distribution.js';
import { collect } from './contract-fixtures.js';

describe('proxy settings from the environment', () => {
  it('reads HTTPS_PROXY, HTTP_PROXY and NO_PROXY; the lower-case form wins; blank is none', () => {
    assert.deepEqual(proxySettingsFromEnv({}), NO_PROXY_SETTINGS);
    assert.deepEqual(
      proxySettingsFromEnv({ HTTPS_PROXY: 'http://proxy.example:3128', http_proxy: ' ', NO_PROXY: 'registry.internal, .corp' }),
      { httpProxy: '', httpsProxy: 'http://proxy.example:3128/', noProxy: 'registry.internal, .corp' },
    );
    assert.equal(proxySettingsFromEnv({ https_proxy: 'http://lower:1', HTTPS_PROXY: 'http://upper:2' }).httpsProxy, 'http://lower:1/');
  });

  it('docs/operations.md: the exports of "Outbound proxy" give the settings it describes', () => {
    const text = readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8');
    const section = text.slice(text.indexOf('## Outbound proxy'));
    const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
    const env = Object.fromEntries([...block.matchAll(/^export (\w+)=(\S+)/gm)].map((m) => [m[1] as string, m[2] as string]));
    assert.deepEqual(Object.keys(env), ['HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY']);
    const settings = proxySettingsFromEnv(env);
    assert.equal(proxyFor(settings, new URL('https://registry.terraform.io/v1/providers/')), 'http://proxy.example.com:3128/');
    assert.equal(proxyFor(settings, new URL('http://plain.example/')), 'http://proxy.example.com:3128/');
    assert.equal(proxyFor(settings, new URL('https://registry.internal/v2/')), undefined);
    assert.equal(proxyFor(settings, new URL('https://harbor.corp.example/v2/')), undefined);
    assert.equal(proxyFor(settings, new URL('http://10.20.30.40:5000/v2/')), undefined);
  });

  it('refuses a proxy that is not an http(s) URL, naming the variable', () => {
    assert.throws(() => proxySettingsFromEnv({ HTTPS_PROXY: 'proxy.example:3128' }), /HTTPS_PROXY must be an http:\/\/ or https:\/\/ URL/);
    assert.throws(() => proxySettingsFromEnv({ http_proxy: 'not a url' }), /http_proxy is not a URL \(write it as http:\/\/proxy/);
  });

  it('decides per origin: scheme, NO_PROXY host, subdomain, port and *', () => {
    const p = (noProxy: string): ProxySettings => ({ httpProxy: 'http://p:1/', httpsProxy: '', noProxy });
    const via = (s: ProxySettings, url: string) => proxyFor(s, new URL(url));
    assert.equal(via(p(''), 'https://ghcr.io/v2/'), 'http://p:1/', 'HTTPS_PROXY unset: HTTP_PROXY serves https too');
    assert.equal(via({ ...p(''), httpsProxy: 'http://s:2/' }, 'https://ghcr.io/'), 'http://s:2/');
    assert.equal(via({ ...p(''), httpProxy: '', httpsProxy: 'http://s:2/' }, 'http://plain.example/'), undefined);
    assert.equal(via(p('corp.example'), 'https://registry.corp.example/'), undefined);
    assert.equal(via(p('.corp.example'), 'https://corp.example/'), undefined);
    assert.equal(via(p('*.corp.example'), 'https://a.b.corp.example:8443/'), undefined);
    assert.equal(via(p('corp.example'), 'https://notcorp.example/'), 'http://p:1/');
    assert.equal(via(p('registry.corp.example:5000'), 'https://registry.corp.example:5000/'), undefined);
    assert.equal(via(p('registry.corp.example:5000'), 'https://registry.corp.example/'), 'http://p:1/');
    assert.equal(via(p('registry.corp.example:443'), 'https://registry.corp.example/'), undefined, 'default port');
    assert.equal(via(p('*'), 'https://anything.example/'), undefined);
    assert.equal(via(p('a.example b.example,c.example'), 'https://b.example/'), undefined);
  });

  it('NO_PROXY IP addresses and CIDR ranges: IPv4 and IPv6, as URLs write them, never a host name', () => {
    const p = (noProxy: string): ProxySettings => ({ httpProxy: 'http://p:1/', httpsProxy: '', noProxy });
    const via = (s: ProxySettings, url: string) => proxyFor(s, new URL(url));
    assert.equal(via(p('10.0.0.0/8'), 'http://10.1.2.3:5000/v2/'), undefined);
    assert.equal(via(p('10.0.0.0/8'), 'http://11.1.2.3/'), 'http://p:1/');
    assert.equal(via(p('10.0.0.0/8'), 'http://0x0a.1.2.3/'), undefined, 'URLs write 0x0a.1.2.3 as 10.1.2.3');
    assert.equal(via(p('10.0.0.0/8'), 'http://ten.example/'), 'http://p:1/', 'a host name is not resolved for a range');
    assert.equal(via(p('192.168.1.0/24, 172.16.0.0/12'), 'http://172.31.255.1/'), undefined);
    assert.equal(via(p('192.168.1.0/24, 172.16.0.0/12'), 'http://172.32.0.1/'), 'http://p:1/');
    assert.equal(via(p('fd00::/8'), 'http://[fd12::1]:5000/'), undefined);
    assert.equal(via(p('fd00::/8'), 'http://[fe80::1]/'), 'http://p:1/');
    assert.equal(via(p('0.0.0.0/0'), 'http://[::1]/'), 'http://p:1/', 'an IPv4 range never covers IPv6');
    assert.equal(via(p('::1'), 'http://[0:0:0:0:0:0:0:1]/'), undefined, 'one address, two spellings');
    assert.equal(via(p('[::1]:5000'), 'http://[::1]:5000/'), undefined);
    assert.equal(via(p('[::1]:5000'), 'http://[::1]:5001/'), 'http://p:1/');
    assert.equal(via(p('192.168.1.7'), 'http://192.168.1.7/'), undefined);
    assert.equal(via(p('192.168.1.7'), 'http://192.168.1.70/'), 'http://p:1/');
  });

  it('refuses a NO_PROXY entry with a "/" that is not a CIDR range, naming the variable and the entry', () => {
    for (const entry of ['10.0.0.0/33', 'fd00::/129', 'registry.internal/8', '10.0.0.0/', '10.0.0.0/x']) {
      assert.throws(
        () => proxySettingsFromEnv({ HTTPS_PROXY: 'http://p:1', no_proxy: `a.example,${entry}` }),
        (err: Error) =>
          err.message === `environment: no_proxy entry ${JSON.stringify(entry)} is not a CIDR range (write it as 10.0.0.0/8 or fd00::/8)`,
      );
    }
    assert.equal(proxySettingsFromEnv({ NO_PROXY: '10.0.0.0/8 ::1/128' }).noProxy, '10.0.0.0/8 ::1/128');
  });
});

describe('the dispatcher and proxyFor agree, through a real proxy', () => {
  let proxy: ConnectProxy;
  let origin: Server;
  let port = 0;
  before(async () => {
    proxy = await startConnectProxy();
    origin = createServer((req, res) => res.end(`origin saw ${req.url}`));
    await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
    port = (origin.address() as AddressInfo).port;
  });
  after(async () => {
    await proxy.close();
    await new Promise<void>((r) => origin.close(() => r()));
  });

  for (const noProxy of [
    '',
    '127.0.0.1',
    'localhost',
    '.localhost',
    'localhost:1',
    '*',
    'example.com',
    '127.0.0.1:<origin port>',
    '127.0.0.0/8',
    '10.0.0.0/8',
  ]) {
    it(`NO_PROXY=${JSON.stringify(noProxy)}`, async () => {
      const settings: ProxySettings = { httpProxy: proxy.url, httpsProxy: '', noProxy: noProxy.replace('<origin port>', String(port)) };
      const dispatcher = createDispatcher(settings);
      try {
        for (const host of ['127.0.0.1', 'localhost']) {
          const url = new URL(`http://${host}:${port}/x`);
          const before = proxy.targets.length;
          const res = await request(url, { dispatcher });
          assert.equal(await res.body.text(), 'origin saw /x');
          const carried = proxy.targets.length > before;
          assert.equal(carried, proxyFor(settings, url) !== undefined, `${url.host}: proxy ${carried ? 'carried it' : 'did not'}`);
        }
      } finally {
        await dispatcher.close();
      }
    });
  }

  it('credentials in the proxy URL are sent to the proxy (Basic), never to the origin', async () => {
    const withUser = new URL(proxy.url);
    withUser.username = 'ci';
    withUser.password = 'p@ss word';
    const dispatcher = createDispatcher(proxySettingsFromEnv({ HTTP_PROXY: withUser.href }));
    const seen: (string | undefined)[] = [];
    origin.once('request', (req) => seen.push(req.headers['proxy-authorization']));
    try {
      const res = await request(`http://127.0.0.1:${port}/auth`, { dispatcher });
      assert.equal(await res.body.text(), 'origin saw /auth');
      assert.equal(proxy.credentials.at(-1), `Basic ${Buffer.from('ci:p@ss word').toString('base64')}`);
      assert.deepEqual(seen, [undefined]);
    } finally {
      await dispatcher.close();
    }
  });

  it('a proxy that refuses the destination is an error, not a direct connection', async () => {
    const dispatcher = createDispatcher({ httpProxy: proxy.url, httpsProxy: '', noProxy: '' });
    proxy.refuse = true;
    try {
      await assert.rejects(request(`http://127.0.0.1:${port}/`, { dispatcher }), /403|Proxy/i);
    } finally {
      proxy.refuse = false;
      await dispatcher.close();
    }
  });
});

describe('the registry store through an outbound proxy', requireRegistry(), () => {
  let reg: Distribution;
  let proxy: ConnectProxy;
  before(async () => {
    reg = await startDistribution();
    proxy = await startConnectProxy();
  });
  after(async () => {
    await proxy?.close();
    await reg?.stop();
  });

  const roundTrip = async (settings: ProxySettings): Promise<{ pushed: number; downloaded: number }> => {
    const store = createRegistryStore({ url: reg.url, plainHttp: true, proxy: settings });
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    const digest = parseDigest(`sha256:${createHash('sha256').update(bytes).digest('hex')}`);
    const start = proxy.targets.length;
    await store.pushBlob('proxied/blob', Readable.from([bytes]), { digest });
    const pushed = proxy.targets.length - start;
    const blob = await store.fetchBlob('proxied/blob', digest);
    assert.ok((await collect(blob.body)).equals(bytes), 'the bytes came back whole');
    return { pushed, downloaded: proxy.targets.length - start - pushed };
  };

  it('sends metadata, uploads and blob downloads through the proxy', async () => {
    const n = await roundTrip({ httpProxy: proxy.url, httpsProxy: '', noProxy: '' });
    const registryHost = new URL(reg.url).host;
    assert.ok(n.pushed > 0, 'the push went through the proxy');
    // The download pool opens its own connection: a tunnel of its own, not the socket client's direct one.
    assert.ok(n.downloaded > 0, 'the blob download went through the proxy');
    assert.ok(proxy.targets.every((t) => t === registryHost));
  });

  it('goes directly (the socket client for downloads) when NO_PROXY names the registry', async () => {
    const n = await roundTrip({ httpProxy: proxy.url, httpsProxy: '', noProxy: new URL(reg.url).hostname });
    assert.deepEqual(n, { pushed: 0, downloaded: 0 });
  });
});
