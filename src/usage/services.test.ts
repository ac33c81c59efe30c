// The usage services reuse a listing's event for the hot lane's requests (one frozen parameters object per
// path): the reused answer must be exactly the event a fresh computation gives, for every caller, client,
// status and route, and a request that is no event must stay none.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import { ContentCache } from '../core/lru-cache.js';
import { createMemoryStore } from '../oci/memory-store.js';
import { createUsageServices } from './services.js';
import { usageEventOf, type UsageRequest } from './usage-event.js';

function services() {
  return createUsageServices({
    store: createMemoryStore(),
    content: new ContentCache(1 << 20),
    logger: pino({ enabled: false }),
    prefix: 'tf',
    registryHostname: 'registry.example.test',
    writer: { principal: 'service' },
    flushIntervalSeconds: 3600,
    now: Date.now,
  });
}

const VERSIONS = '/v1/providers/:namespace/:type/versions';
const INDEX = '/mirror/:hostname/:namespace/:type/:file';

describe('usage services: events of the hot lane reused per parameters object', () => {
  it('gives the event a fresh computation gives, for each caller, token, client, status and route', () => {
    const usage = services();
    const versions = Object.freeze({ namespace: 'Acme', type: 'widget' });
    const index = Object.freeze({ hostname: 'mirror.example.test', namespace: 'acme', type: 'widget', file: 'index.json' });
    const version = Object.freeze({ hostname: 'mirror.example.test', namespace: 'acme', type: 'widget', file: '1.0.0.json' });
    const requests: UsageRequest[] = [];
    for (const [route, params] of [
      [VERSIONS, versions],
      [INDEX, index],
      [INDEX, version],
    ] as const) {
      for (const principal of ['service', 'anonymous', 'cafe01']) {
        for (const apiToken of [undefined, 'ci']) {
          for (const userAgent of [undefined, 'Terraform/1.8.5 (+https://www.terraform.io)', 'OpenTofu/1.10.10', 'curl/8']) {
            for (const status of [200, 404]) requests.push({ method: 'GET', route, status, principal, apiToken, params, userAgent });
          }
        }
      }
    }
    // Twice over: the second pass answers from the memo. Each request is also asked again right after
    // itself (as a copy): the last request's answer is then reused, and must still be its own.
    for (const r of [...requests, ...requests.map((r) => ({ ...r })), ...requests.flatMap((r) => [{ ...r }, { ...r }])]) {
      const want = usageEventOf(r, 'registry.example.test');
      const got = usage.accessFields(r);
      assert.deepEqual(
        got === undefined ? undefined : (JSON.parse(`{${got.text.slice(1)}}`) as { usage: unknown }).usage,
        want,
        JSON.stringify(r),
      );
    }
  });

  it('tells two routes apart that share a parameters object', () => {
    const usage = services();
    const params = Object.freeze({
      hostname: 'm.example.test',
      namespace: 'acme',
      type: 'widget',
      file: 'index.json',
      name: 'x',
      system: 'y',
    });
    const a = usage.accessFields({ method: 'GET', route: INDEX, status: 200, principal: 'service', params });
    const b = usage.accessFields({ method: 'GET', route: '/v1/other', status: 200, principal: 'service', params });
    assert.ok(a !== undefined);
    assert.equal(b, undefined);
  });

  it('does not reuse the last answer for a next request that differs in one thing the event depends on', () => {
    const usage = services();
    const params = Object.freeze({ hostname: 'mirror.example.test', namespace: 'acme', type: 'widget', file: 'index.json' });
    const base: UsageRequest = { method: 'GET', route: INDEX, status: 200, principal: 'cafe01', params, userAgent: 'Terraform/1.8.5' };
    const variants: UsageRequest[] = [
      { ...base, principal: 'beef02' },
      { ...base, apiToken: 'ci' },
      { ...base, userAgent: 'OpenTofu/1.10.10' },
      { ...base, route: VERSIONS },
      { ...base, method: 'HEAD' },
      { ...base, status: 404 },
      { ...base, params: Object.freeze({ ...params, type: 'gadget' }) },
      {
        ...base,
        download: { kind: 'provider', subject: 'mirror.example.test/acme/widget', version: '1.0.0', platform: 'linux_amd64', bytes: 1 },
      },
    ];
    for (const v of variants) {
      // The base first (it becomes the last request), then the variant right after it.
      const want = (r: UsageRequest) => usageEventOf(r, 'registry.example.test');
      for (const r of [base, v]) {
        const got = usage.accessFields(r);
        assert.deepEqual(
          got === undefined ? undefined : (JSON.parse(`{${got.text.slice(1)}}`) as { usage: unknown }).usage,
          want(r),
          JSON.stringify(r),
        );
      }
    }
  });
});
