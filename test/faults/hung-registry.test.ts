// Issue 17 item 4 and /readyz on a hung registry. A registry that accepts connections and never answers:
// every request must end within the configured timeout with a 504 (or 503 for /readyz) and a message,
// however many are waiting. Downloads used to fail in waves, one pool-full per timeout (320 downloads,
// timeout 5 s: 504s at 5/10/15/20/25 s), because the wait for a pooled connection was not counted; and
// /readyz said "not ready: internal error" when its own 5 s ran out before the store's timeout.
// Real components: the real Distribution registry behind a TCP proxy that can hang, the real application
// served by a Node HTTP server. The store shares ONE small dispatcher, as the wiring did.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { Agent } from 'undici';
import { providerRepository } from '../../src/layout/names.js';
import { isOciError } from '../../src/oci/errors.js';
import { createRegistryStore } from '../../src/oci/remote/registry-store.js';
import type { Digest } from '../../src/oci/types.js';
import { DOCKER_REGISTRY_BIN, requireTool } from '../support/distribution.js';
import { buildTestApp } from '../support/test-app.js';
import { type FaultProxy, type FaultStack, serveApp, startFaultStack } from './fault-kit.js';

const TIMEOUT_MS = 2_000;
const CONNECTIONS = 4;
const DOWNLOADS = CONNECTIONS * 6; // six pool-fulls: six waves before the fix

interface Answer {
  status: number;
  ms: number;
  detail: string;
}

async function answer(url: string): Promise<Answer> {
  const t0 = performance.now();
  const res = await fetch(url, { signal: AbortSignal.timeout(60_000) });
  const text = await res.text();
  let detail = text;
  try {
    detail = (JSON.parse(text) as { errors?: Array<{ detail?: string }> }).errors?.[0]?.detail ?? text;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, ms: performance.now() - t0, detail };
}

describe('a hung registry', requireTool(DOCKER_REGISTRY_BIN), () => {
  let proxy: FaultProxy;
  let dispatcher: Agent;
  let served: FaultStack['served'];
  let zip: Buffer;
  let path = '';

  let stack: FaultStack | undefined;

  before(async () => {
    dispatcher = new Agent({ keepAliveTimeout: 30_000, connections: CONNECTIONS });
    stack = await startFaultStack(1024 * 1024, { dispatcher, timeoutMs: TIMEOUT_MS, retries: 0 });
    ({ proxy, served, zip, path } = stack);
  });
  after(async () => {
    await stack?.close();
    await dispatcher?.destroy();
  });

  it(`${DOWNLOADS} downloads over ${CONNECTIONS} connections all end with 504 within the timeout, not in waves`, async () => {
    proxy.mode = { kind: 'hang' };
    proxy.reset(); // drop the keep-alive connections: every new one hangs
    try {
      const answers = await Promise.all(Array.from({ length: DOWNLOADS }, () => answer(served.base + path)));
      const slowest = Math.max(...answers.map((a) => a.ms));
      for (const a of answers) {
        assert.equal(a.status, 504, a.detail);
        assert.match(a.detail, /did not answer in time/);
      }
      // Before: the last wave answered after DOWNLOADS / CONNECTIONS timeouts (12 s here).
      assert.ok(slowest < 2 * TIMEOUT_MS + 2_000, `the slowest download failed after ${Math.round(slowest)} ms`);

      // Metadata never read before (nothing cached to fall back on) and readiness: the same, within the
      // timeout and with a message.
      const [meta, ready] = await Promise.all([
        answer(`${served.base}/v1/providers/acme/never-read/versions`),
        answer(`${served.base}/readyz`),
      ]);
      assert.equal(meta.status, 504, meta.detail);
      assert.ok(meta.ms < 2 * TIMEOUT_MS + 2_000, `metadata failed after ${Math.round(meta.ms)} ms`);
      assert.equal(ready.status, 503, ready.detail);
      assert.match(ready.detail, /^not ready: the store at http:\/\/127\.0\.0\.1:\d+ did not answer within \d/);
    } finally {
      proxy.mode = { kind: 'forward' };
      proxy.reset();
    }
    // The server recovers by itself once the registry answers again.
    const res = await fetch(served.base + path, { signal: AbortSignal.timeout(30_000) });
    assert.equal(res.status, 200);
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(zip));
    assert.equal((await answer(`${served.base}/readyz`)).status, 200);
  });

  it('a request queued behind a full pool ends with TIMEOUT within the timeout (the wait counts)', async () => {
    const agent = new Agent({ connections: 2 });
    const s = createRegistryStore({ url: proxy.url, plainHttp: true, dispatcher: agent, timeoutMs: TIMEOUT_MS, retries: 0 });
    const repository = providerRepository('tf', 'registry.example.test', 'acme', 'widget');
    const digest = `sha256:${createHash('sha256').update(zip).digest('hex')}` as Digest;
    // Both connections taken by blob streams nobody reads, opened through a store sharing the dispatcher
    // whose own timeout is long (so they stay for the whole test).
    const holder = createRegistryStore({ url: proxy.url, plainHttp: true, dispatcher: agent, timeoutMs: 120_000 });
    const held = [
      await holder.fetchBlob(repository, digest, { verify: 'size' }),
      await holder.fetchBlob(repository, digest, { verify: 'size' }),
    ];
    for (const h of held) h.body.on('error', () => undefined).pause();
    try {
      const t0 = performance.now();
      const outcome = await Promise.race([
        s.listTags('tf/providers/registry.example.test/acme/never-read').then(
          () => 'answered',
          (err: unknown) => (isOciError(err, 'TIMEOUT') ? 'TIMEOUT' : String(err)),
        ),
        sleep(6 * TIMEOUT_MS + 5_000).then(() => 'still waiting'),
      ]);
      assert.equal(outcome, 'TIMEOUT');
      const ms = performance.now() - t0;
      assert.ok(ms < 2 * TIMEOUT_MS + 2_000, `ended after ${Math.round(ms)} ms`);
    } finally {
      for (const h of held) h.body.destroy();
      await agent.destroy();
    }
  });

  it('/readyz names the timeout when the registry outlasts the readiness wait (not "internal error")', async () => {
    // A store whose own timeout (30 s) is longer than the readiness wait (5 s).
    const slowStore = createRegistryStore({ url: proxy.url, plainHttp: true, timeoutMs: 30_000 });
    const slow = buildTestApp(slowStore);
    const slowServed = await serveApp(slow);
    proxy.mode = { kind: 'hang' };
    proxy.reset();
    try {
      const ready = await answer(`${slowServed.base}/readyz`);
      assert.equal(ready.status, 503, ready.detail);
      assert.doesNotMatch(ready.detail, /internal error/);
      assert.match(ready.detail, /^not ready: the store at http:\/\/127\.0\.0\.1:\d+ did not answer within 5 s$/);
      assert.ok(ready.ms < 15_000, `readyz answered after ${Math.round(ready.ms)} ms`);
    } finally {
      proxy.mode = { kind: 'forward' };
      proxy.reset();
      await slowServed.close();
    }
  });
});
