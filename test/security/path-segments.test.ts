// Security rule: a path segment a caller controls (namespace, type, name, system, hostname, version, file)
// never reaches another repository through an encoded "..", "/" or ":" (or NUL, backslash, case tricks).
// The real application is served over Node (the pipeline's front and Hono, as `serve` runs it) on a store
// holding acme/widget and a second provider, secret/hidden 9.9.9; the store records every repository it is
// asked about. No answer may show 9.9.9, and every repository touched must be a well-formed name that is
// not secret/hidden.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Client } from 'undici';
import { providerRepository } from '../../src/layout/names.js';
import { createMemoryStore } from '../../src/oci/memory-store.js';
import { type OciStore, STORE_METHODS } from '../../src/oci/store.js';
import { REPOSITORY_NAME_RE } from '../../src/oci/types.js';
import { serveApp } from '../faults/fault-kit.js';
import { pushForeignRelease } from '../support/provider-fixture.js';
import { buildTestApp } from '../support/test-app.js';

const HOST = 'registry.example.test';
const HIDDEN = providerRepository('tf', HOST, 'secret', 'hidden');

/** Wraps a store so every repository argument is recorded. */
function recording(inner: OciStore, seen: Set<string>): OciStore {
  const wrapped = { describe: inner.describe } as OciStore;
  for (const m of STORE_METHODS) {
    (wrapped as unknown as Record<string, unknown>)[m] = (...args: unknown[]) => {
      if (typeof args[0] === 'string') seen.add(args[0]);
      if (m === 'mountBlob' && typeof args[2] === 'string') seen.add(args[2]);
      return (inner[m] as (...a: unknown[]) => unknown).apply(inner, args);
    };
  }
  return wrapped;
}

/** Encoded ways out of a segment, each aimed at secret/hidden. */
const TRICKS = [
  '..%2Fsecret',
  '%2e%2e%2fsecret',
  '%2E%2E%2Fsecret%2Fhidden',
  'acme%2F..%2Fsecret',
  'acme%2F..%2F..%2Fsecret',
  '..%5Csecret',
  'secret%3Ahidden',
  'acme%00secret',
  '%2e%2e',
  '..',
  '.',
  'acme%252F..%252Fsecret',
  'SECRET%2FHIDDEN',
  `${HOST}%2Fsecret`,
  `${HOST}%3A443%2F..%2Fsecret`,
];

describe('path segments never reach other repositories', () => {
  const seen = new Set<string>();
  const inner = createMemoryStore();
  let served: Awaited<ReturnType<typeof serveApp>>;

  before(async () => {
    const zip = (os: string) => ({ os, arch: 'amd64', filename: `x_${os}.zip`, bytes: randomBytes(64), sha256: '', h1: '' });
    await pushForeignRelease(inner, providerRepository('tf', HOST, 'acme', 'widget'), '1.0.0', [zip('linux')]);
    await pushForeignRelease(inner, HIDDEN, '9.9.9', [zip('linux')]);
    served = await serveApp(buildTestApp(recording(inner, seen), { prefix: 'tf' }));
  });
  after(() => served?.close());

  it('encoded "..", "/", ":" and friends in every consumer and API segment', async () => {
    const templates = [
      (x: string) => `/v1/providers/${x}/widget/versions`,
      (x: string) => `/v1/providers/acme/${x}/versions`,
      (x: string) => `/v1/providers/${x}/hidden/versions`,
      (x: string) => `/v1/providers/acme/widget/${x}/download/linux/amd64`,
      (x: string) => `/v1/providers/${x}/hidden/9.9.9/download/linux/amd64`,
      (x: string) => `/mirror/${x}/acme/widget/index.json`,
      (x: string) => `/mirror/${HOST}/${x}/widget/index.json`,
      (x: string) => `/mirror/${HOST}/${x}/hidden/index.json`,
      (x: string) => `/mirror/${HOST}/acme/${x}/index.json`,
      (x: string) => `/mirror/${HOST}/acme/widget/${x}`,
      (x: string) => `/mirror/${HOST}/${x}/hidden/9.9.9.json`,
      (x: string) => `/v1/modules/${x}/net/aws/versions`,
      (x: string) => `/v1/modules/acme/${x}/aws/versions`,
      (x: string) => `/v1/modules/acme/net/${x}/versions`,
      (x: string) => `/api/v1/providers/${x}`,
      (x: string) => `/api/v1/provider-versions/${x}`,
      (x: string) => `/api/v1/modules/${x}/versions`,
    ];
    let requests = 0;
    const client = new Client(served.base);
    after(() => client.close());
    for (const template of templates) {
      for (const trick of TRICKS) {
        const path = template(trick);
        // Sent as raw bytes (no client-side URL normalization of dot segments), as an attacker would.
        const res = await client.request({ path, method: 'GET' });
        const text = await res.body.text();
        requests++;
        assert.ok(res.statusCode < 500, `${path}: ${res.statusCode} ${text.slice(0, 200)}`);
        // An error may quote the path asked for; only a success could show the hidden provider.
        if (res.statusCode < 300) assert.doesNotMatch(text, /9\.9\.9/, `${path} showed the hidden provider: ${text.slice(0, 200)}`);
      }
    }
    assert.ok(requests >= 200);
    for (const repo of seen) {
      assert.ok(REPOSITORY_NAME_RE.test(repo), `malformed repository reached the store: ${repo}`);
      assert.ok(!repo.split('/').some((s) => s === '..' || s === '.'), repo);
      assert.notEqual(repo, HIDDEN, 'a trick reached secret/hidden');
    }
    // Control: the hidden provider IS served when asked for by its own name, so its absence above means something.
    const control = await fetch(`${served.base}/mirror/${HOST}/secret/hidden/index.json`);
    assert.match(await control.text(), /9\.9\.9/);
    assert.ok(seen.has(HIDDEN));
  });
});
