// Pull-through when the upstream misbehaves mid-transfer, through a proxy in front of a real upstream that
// can cut package downloads short (half their bytes) or alter them: the client's transfer fails (never a complete-
// looking download), nothing is stored or tagged, no temp file is left, and the next request retries
// cleanly once the upstream behaves.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { providerRepository } from '../../src/layout/names.js';
import { createMemoryStore } from '../../src/oci/memory-store.js';
import { requireTool } from '../support/distribution.js';
import { faultyProxy, serveMirror, startUpstream, type Upstream } from './support.js';

const HOST = 'upstream.example.test';

describe('pull-through faults', requireTool('zip'), () => {
  let upstream: Upstream;
  let proxy: Awaited<ReturnType<typeof faultyProxy>>;
  let tmp: string;
  const store = createMemoryStore();
  let served: Awaited<ReturnType<typeof serveMirror>>;
  let base = '';
  const repo = providerRepository('tf', HOST, 'acme', 'widget');

  before(async () => {
    upstream = await startUpstream(HOST);
    await upstream.publish('widget', '1.0.0', [{ os: 'linux', arch: 'amd64' }]);
    proxy = await faultyProxy(() => upstream.url);
    tmp = await mkdtemp(join(tmpdir(), 'tfoci-pull-faults-'));
    served = await serveMirror(store, { upstreams: [{ hostname: HOST, url: new URL(proxy.url), signingKeys: [] }], tmpDir: tmp });
    base = served.base;
  });
  after(async () => {
    served?.close();
    proxy?.server.close();
    await upstream?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  async function pullUrl(): Promise<string> {
    const doc = (await (await fetch(`${base}/mirror/${HOST}/acme/widget/1.0.0.json`)).json()) as {
      archives: Record<string, { url: string }>;
    };
    return base + new URL(doc.archives.linux_amd64!.url).pathname;
  }

  /** Downloads `url`; 'failed' when the transfer breaks (what terraform sees as an error). */
  async function download(url: string): Promise<{ status: number; bytes?: Buffer } | 'failed'> {
    try {
      const res = await fetch(url);
      return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()) };
    } catch {
      return 'failed';
    }
  }

  const stored = async () => store.listTags(repo).catch(() => [] as string[]);

  for (const mode of ['cut', 'flip'] as const) {
    it(`an upstream that ${mode === 'cut' ? 'breaks the transfer' : 'serves altered bytes'}: the client's download fails, nothing is stored`, async () => {
      proxy.mode = mode;
      const r = await download(await pullUrl());
      assert.equal(
        r,
        'failed',
        `the client must not receive a complete-looking download: ${JSON.stringify(r === 'failed' ? r : { status: r.status, size: r.bytes?.length })}`,
      );
      await new Promise((res) => setTimeout(res, 100));
      assert.deepEqual(await stored(), [], 'no tag');
      assert.deepEqual(await readdir(tmp), [], 'no temp file left');
    });
  }

  it('retries cleanly once the upstream behaves: the next request stores and serves the package', async () => {
    proxy.mode = 'pass';
    const before = proxy.downloads;
    const r = await download(await pullUrl());
    assert.notEqual(r, 'failed');
    assert.equal((r as { status: number }).status, 200);
    assert.equal(proxy.downloads, before + 1);
    for (let i = 0; i < 50 && (await stored()).length === 0; i++) await new Promise((res) => setTimeout(res, 20));
    assert.deepEqual(await stored(), ['1.0.0']);
  });
});
