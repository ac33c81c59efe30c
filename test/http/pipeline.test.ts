// Every route of the application passes the one request pipeline (src/http/pipeline/pipeline.ts), through
// both entries: the Node front of a real server (hot routes answered in front of Hono, the rest handed to
// Hono) and app.request (Hono alone). For every route Hono lists, a request must finish exactly once, with
// that route's template, its status and the caller it acted as; refusals and unknown paths too. A route
// that skipped the pipeline would leave no record; a middleware outside it is refused at start-up.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import { loadConfig } from '../../src/config/load.js';
import type { RequestRecord } from '../../src/http/pipeline/pipeline.js';
import { assertPipelineShape, mountHotRoutes, patternsOverlap, type HotRoute } from '../../src/http/pipeline/hot-routes.js';
import { createMemoryStore } from '../../src/oci/memory-store.js';
import { createLogger, createServerApp } from '../../src/wiring/server-app.js';
import { testConfig } from '../support/test-app.js';

type Built = ReturnType<typeof createServerApp>;

function build(mode: 'none' | 'service', records: RequestRecord[]): Built {
  const base = testConfig();
  const config =
    mode === 'none'
      ? base
      : loadConfig({
          fileText:
            '[server]\npublic_url = "https://registry.example.test"\nsecrets = ["s-0123456789abcdef"]\n[auth]\nmode = "service"\nanonymous_read = false\n[[auth.tokens]]\nname = "ci"\nsha256 = "0000000000000000000000000000000000000000000000000000000000000000"\npermissions = ["providers:read"]\n',
          env: {},
          readFile: () => '',
          randomSecret: () => 'unused',
        });
  const logger = createLogger('silent', new Writable({ write: (_c, _e, cb) => cb() }));
  return createServerApp(config, logger, createMemoryStore(), { observers: [(r) => records.push(r)] });
}

/** A concrete path for a route template: each `:param` becomes a plausible value. */
function samplePath(template: string): string {
  return template.replace(/:([a-z]+)/gi, (_m, name: string) =>
    name === 'file' ? '1.0.0.json' : name === 'version' ? '1.0.0' : `x-${name}`,
  );
}

/** Every route of the app but the pipeline's own middleware. */
function routesOf(built: Built): Array<{ method: string; path: string }> {
  return built.app.routes.filter((r) => r.method !== 'ALL').map((r) => ({ method: r.method, path: r.path }));
}

async function listen(built: Built): Promise<{ server: Server; url: string }> {
  const server = createServer(built.nodeFront(getRequestListener(built.app.fetch)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const body = (method: string) => (method === 'GET' || method === 'HEAD' || method === 'DELETE' ? undefined : '{}');

for (const mode of ['none', 'service'] as const) {
  describe(`request pipeline (auth mode ${mode})`, () => {
    const records: RequestRecord[] = [];
    const built = build(mode, records);
    let served: { server: Server; url: string };
    before(async () => {
      served = await listen(built);
    });
    after(() => served.server.close());

    it('lists the routes it checks (the application is not empty)', () => {
      assert.ok(routesOf(built).length >= 30, `only ${routesOf(built).length} routes`);
    });

    for (const entry of ['node front', 'app.request'] as const) {
      it(`finishes every route exactly once with its template (${entry})`, async () => {
        for (const route of routesOf(built)) {
          records.length = 0;
          const path = samplePath(route.path);
          const init = {
            method: route.method,
            headers: { 'content-type': 'application/vnd.api+json', 'x-request-id': 'pipeline-test-1' },
            body: body(route.method),
            redirect: 'manual' as const,
          };
          const res = entry === 'node front' ? await fetch(served.url + path, init) : await built.app.request(path, init);
          await res.arrayBuffer();
          // The Node front finishes when the answer is written; give a streamed answer a tick to close.
          for (let i = 0; i < 50 && records.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
          assert.equal(records.length, 1, `${route.method} ${path} (${entry}): ${records.length} pipeline records`);
          const rec = records[0]!;
          assert.equal(rec.route, route.path, `${route.method} ${path}: route template`);
          assert.equal(rec.status, res.status, `${route.method} ${path}: status`);
          assert.equal(rec.requestId, 'pipeline-test-1');
          assert.equal(res.headers.get('x-request-id'), 'pipeline-test-1', `${route.method} ${path}: X-Request-Id`);
          if (
            mode === 'service' &&
            !['/healthz', '/readyz', '/.well-known/terraform.json', '/api/v1/openapi.json'].includes(route.path) &&
            !route.path.startsWith('/api/v1/docs') &&
            !route.path.startsWith('/download/') &&
            // The web pages decide themselves (docs/web.md): a sign-in redirect, not a 401.
            route.path !== '/' &&
            !route.path.startsWith('/ui') &&
            !route.path.startsWith('/api/v1/uploads/')
          ) {
            assert.equal(res.status, 401, `${route.method} ${path}: refused without a token`);
            assert.equal(rec.principal, undefined);
          }
          if (mode === 'none' && res.status < 400) assert.equal(rec.principal, 'service');
        }
      });

      it(`finishes an unknown path once, without a route (${entry})`, async () => {
        records.length = 0;
        const res = entry === 'node front' ? await fetch(`${served.url}/no/such/route`) : await built.app.request('/no/such/route');
        await res.arrayBuffer();
        for (let i = 0; i < 50 && records.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
        assert.equal(records.length, 1);
        assert.equal(records[0]!.route, undefined);
        assert.equal(records[0]!.status, mode === 'none' ? 404 : 401);
      });
    }
  });
}

describe('pipeline shape, checked at start-up', () => {
  const hot: HotRoute = { pattern: '/v1/providers/:namespace/:type/versions', answer: () => Buffer.from('{}') };
  const middleware = async (_c: unknown, next: () => Promise<void>) => next();

  it('accepts the production application', () => {
    assert.doesNotThrow(() => build('none', []));
  });

  it('refuses a middleware outside the pipeline', () => {
    const app = new Hono();
    app.use('*', middleware);
    app.use('*', async (_c, next) => next());
    mountHotRoutes(app as never, [hot]);
    assert.throws(() => assertPipelineShape(app.routes, [hot], middleware), /middleware on \/\* outside the request pipeline/);
  });

  it('refuses a route registered before a hot route that can match its paths', () => {
    const app = new Hono();
    app.use('*', middleware);
    app.get('/v1/providers/acme/:type/versions', (c) => c.text('other'));
    mountHotRoutes(app as never, [hot]);
    assert.throws(() => assertPipelineShape(app.routes, [hot], middleware), /registered before hot route/);
  });

  it('refuses a hot route that is not mounted', () => {
    const app = new Hono();
    app.use('*', middleware);
    assert.throws(() => assertPipelineShape(app.routes, [hot], middleware), /not mounted/);
  });

  it('decides pattern overlap segment by segment', () => {
    assert.equal(patternsOverlap('/a/:x/c', '/a/b/:y'), true);
    assert.equal(patternsOverlap('/a/:x/c', '/a/b/d'), false);
    assert.equal(patternsOverlap('/a/:x', '/a/:x/c'), false);
    assert.equal(patternsOverlap('/a/*', '/a/b/c'), true);
    assert.equal(patternsOverlap('/b/*', '/a/b/c'), false);
  });
});
