// A bounded, seeded HTTP fuzz run over every route of the REAL server process with a REAL store (an OCI
// image layout on disk holding a published provider, a provider record and a module record): random
// methods, route paths with valid or mutated segments (test/fuzz/request-generator.ts), headers and
// bodies. Rules: never a 5xx, never a hang (each request has a deadline), never a crash (the process is
// alive and /healthz answers after the run), and every 4xx is a JSON:API error document whose first error
// has a detail. FUZZ_REQUESTS (default 2000 in CI, 500 elsewhere), FUZZ_SEED (default: random, printed)
// and FUZZ_CONCURRENCY (default 8) shape the run; the counts are printed as test diagnostics.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { Agent, request } from 'undici';
import { createLayoutStore } from '../../src/oci/layout-store.js';
import { createMemoryStore } from '../../src/oci/memory-store.js';
import { createLogger, createServerApp } from '../../src/wiring/server-app.js';
import { downloadPath, publishLargeRelease } from '../faults/fault-kit.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { testConfig } from '../support/test-app.js';
import { createGenerator, type FuzzRequest, type Known, type Route } from './request-generator.js';

const REQUESTS = Number(process.env['FUZZ_REQUESTS'] ?? (process.env['CI'] ? 2000 : 500));
const SEED = Number(process.env['FUZZ_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
const CONCURRENCY = Number(process.env['FUZZ_CONCURRENCY'] ?? 8);
/** A request that takes longer than this is a hang. */
const DEADLINE_MS = 30_000;

/** The route templates of the application, as Hono lists them (the pipeline's own `ALL /*` aside). */
function routeTable(): Route[] {
  const silent = createLogger('silent', new Writable({ write: (_c, _e, cb) => cb() }));
  const built = createServerApp(testConfig(), silent, createMemoryStore(), {});
  return built.app.routes.filter((r) => r.method !== 'ALL').map((r) => ({ method: r.method, path: r.path }));
}

interface Outcome {
  status: number;
  violation?: string;
}

async function send(base: string, dispatcher: Agent, r: FuzzRequest): Promise<Outcome> {
  const res = await request(`${base}${r.path}`, {
    method: r.method as 'GET',
    headers: r.headers,
    body: r.body ?? null,
    dispatcher,
    signal: AbortSignal.timeout(DEADLINE_MS),
  });
  const text = await res.body.text();
  const status = res.statusCode;
  if (status >= 500) return { status, violation: `${status}: ${text.slice(0, 300)}` };
  if (status < 400 || r.method === 'HEAD') return { status };
  const type = String(res.headers['content-type'] ?? '');
  // The web pages (docs/web.md) answer a browser: their refusals are HTML pages that name the problem
  // (a path no page has, and the draft page's file uploads sent by script, answer JSON:API as below).
  const webPage = r.path === '/' || r.path.startsWith('/ui/') || r.path.startsWith('/ui?');
  if (webPage && /^text\/html/.test(type)) {
    if (!/<title>[^<]+<\/title>/.test(text) || !/<main[\s>]/.test(text))
      return { status, violation: `${status} page without a title and a main part: ${text.slice(0, 200)}` };
    return { status };
  }
  if (!/^application\/(vnd\.api\+)?json/.test(type))
    return { status, violation: `${status} with Content-Type ${type}: ${text.slice(0, 200)}` };
  try {
    const doc = JSON.parse(text) as { errors?: Array<{ detail?: unknown; status?: unknown }> };
    const detail = doc.errors?.[0]?.detail;
    if (typeof detail !== 'string' || detail.length === 0)
      return { status, violation: `${status} without an error detail: ${text.slice(0, 200)}` };
  } catch {
    return { status, violation: `${status} body is not JSON: ${text.slice(0, 200)}` };
  }
  return { status };
}

describe('HTTP fuzz run over every route', () => {
  let dir: string;
  let server: ServerProcess;
  let dispatcher: Agent;
  const known: Known = {};

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tfoci-fuzz-'));
    await publishLargeRelease(createLayoutStore({ path: dir }), 4096);
    server = await startServerProcess({
      https: false,
      env: {
        TF_OCI_REGISTRY_STORAGE_KIND: 'layout',
        TF_OCI_REGISTRY_STORAGE_PATH: dir,
        TF_OCI_REGISTRY_STORAGE_PREFIX: 'tf',
        TF_OCI_REGISTRY_SERVER_REGISTRY_HOSTNAME: 'registry.example.test',
        TF_OCI_REGISTRY_SERVER_SECRETS: 'fuzz-secret-0123456789abcdef',
        TF_OCI_REGISTRY_LOG_LEVEL: 'warn',
        TF_OCI_REGISTRY_USAGE_ENABLED: 'false',
      },
    });
    dispatcher = new Agent({ connections: CONCURRENCY * 2, headersTimeout: DEADLINE_MS, bodyTimeout: DEADLINE_MS });
    const api = async (path: string, data: unknown): Promise<string> => {
      const res = await request(`${server.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/vnd.api+json' },
        body: JSON.stringify({ data }),
        dispatcher,
      });
      const doc = (await res.body.json()) as { data: { id: string } };
      assert.equal(res.statusCode, 201, JSON.stringify(doc));
      return doc.data.id;
    };
    const providerId = await api('/api/v1/providers', { type: 'providers', attributes: { namespace: 'acme', name: 'gadget' } });
    const moduleId = await api('/api/v1/modules', { type: 'modules', attributes: { namespace: 'acme', name: 'net', system: 'aws' } });
    const [, , ticket = '', filename = ''] = (await downloadPath(server.url)).split('/');
    Object.assign(known, {
      namespace: ['acme'],
      type: ['widget', 'gadget'],
      name: ['net'],
      system: ['aws'],
      version: ['1.0.0'],
      os: ['linux'],
      arch: ['amd64'],
      hostname: ['registry.example.test'],
      file: ['1.0.0.json', 'index.json', '1.0.0.zip'],
      token: [ticket],
      filename: [filename, 'terraform-provider-widget_1.0.0_SHA256SUMS'],
      id: [providerId, moduleId, `${providerId}-1.0.0`],
    } satisfies Known);
  });
  after(async () => {
    await dispatcher?.close();
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it(`${REQUESTS} requests: no 5xx, no hang, no crash, every 4xx a JSON:API error with a detail (or, on a web page, an HTML page naming it)`, {
    timeout: 30 * 60_000,
  }, async (t) => {
    const routes = routeTable();
    assert.ok(routes.length >= 30, `only ${routes.length} routes`);
    const next = createGenerator(SEED, routes, known);
    const statuses = new Map<number, number>();
    const violations: string[] = [];
    let sent = 0;
    async function worker(): Promise<void> {
      while (sent < REQUESTS) {
        sent++;
        const r = next();
        let outcome: Outcome;
        try {
          outcome = await send(server.url, dispatcher, r);
        } catch (err) {
          outcome = { status: 0, violation: `no answer (${(err as Error).name}: ${(err as Error).message})` };
        }
        statuses.set(outcome.status, (statuses.get(outcome.status) ?? 0) + 1);
        if (outcome.violation && violations.length < 20) violations.push(`${r.method} ${r.path.slice(0, 160)}: ${outcome.violation}`);
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    const counts = [...statuses]
      .sort(([a], [b]) => a - b)
      .map(([s, n]) => `${s}:${n}`)
      .join(' ');
    const fiveXX = [...statuses].filter(([s]) => s >= 500 || s === 0).reduce((n, [, c]) => n + c, 0);
    t.diagnostic(`fuzz: ${REQUESTS} requests over ${routes.length} routes, seed ${SEED}; statuses ${counts}; 5xx or no answer: ${fiveXX}`);
    const health = await request(`${server.url}/healthz`, { dispatcher });
    await health.body.text();
    assert.equal(health.statusCode, 200, 'the server is alive after the run');
    assert.deepEqual(violations, [], `seed ${SEED} (replay with FUZZ_SEED=${SEED})`);
  });
});
