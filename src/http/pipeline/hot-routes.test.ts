// The hot-route matcher against Hono's own router: for the production patterns (taken from the wired
// application) and a list of awkward paths, both must pick the same route with the same parameters, or
// both no route.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Hono } from 'hono';
import { createMemoryStore } from '../../oci/memory-store.js';
import { buildTestApp } from '../../../test/support/test-app.js';
import { compileHotRoutes, type HotRoute } from './hot-routes.js';

const PATTERNS = buildTestApp(createMemoryStore()).hotPatterns;

const PATHS = [
  '/v1/providers/acme/widget/versions',
  '/v1/providers/acme/widget/versions/',
  '/v1/providers/acme//versions',
  '/v1/providers//widget/versions',
  '/v1/providers/acme/widget/version',
  '/v1/providers/acme/widget/x/versions',
  '/v1/providers/acme/widget/1.0.0/download/linux/amd64',
  '/v1/providers/acme/widget/1.0.0+build.1/download/linux/amd64',
  '/v1/providers/acme/widget/1.0.0/download/linux/amd64/',
  '/v1/providers/acme/widget/1.0.0/download/linux',
  '/v1/providers/acme/widget/1.0.0/download//amd64',
  '/v1/providers/acme/widget/1.0.0/downloads/linux/amd64',
  '/v1/providers/acme/widget/versions/download/linux/amd64',
  '/mirror/registry.example.test/acme/widget/index.json',
  '/mirror/registry.example.test/acme/widget/1.0.0.json',
  '/mirror/registry.example.test/acme/widget/',
  '/mirror/registry.example.test/acme/widget',
  '/mirror/registry.example.test/acme/widget/a/b',
  '/mirror//acme/widget/index.json',
  '/mirror/h/n/t/.json',
  '//v1/providers/acme/widget/versions',
  '/V1/providers/acme/widget/versions',
  '/',
  '',
];

describe('hot-route matcher', () => {
  it('matches exactly what Hono routes, with the same parameters', async () => {
    const routes: HotRoute[] = PATTERNS.map((pattern) => ({ pattern, answer: () => Buffer.alloc(0) }));
    const match = compileHotRoutes(routes);
    const hono = new Hono();
    for (const pattern of PATTERNS) hono.get(pattern, (c) => c.json({ pattern, params: c.req.param() }));
    for (const path of PATHS) {
      const res = await hono.request(`http://x${path.startsWith('/') ? path : `/${path}`}`);
      const viaHono = res.status === 200 ? ((await res.json()) as { pattern: string; params: Record<string, string> }) : undefined;
      const ours = path.startsWith('/') ? match(path) : undefined;
      assert.deepEqual(
        ours === undefined ? undefined : { pattern: ours.route.pattern, params: { ...ours.params } },
        viaHono,
        `path ${JSON.stringify(path)}`,
      );
    }
  });

  it('takes the first route in order when two patterns could match', () => {
    const a: HotRoute = { pattern: '/x/:a/y', answer: () => Buffer.from('a') };
    const b: HotRoute = { pattern: '/x/:b/:c', answer: () => Buffer.from('b') };
    const match = compileHotRoutes([a, b]);
    assert.equal(match('/x/1/y')?.route, a);
    assert.deepEqual(match('/x/1/z')?.params, { b: '1', c: 'z' });
    assert.equal(match('/x/1'), undefined);
  });

  it('remembers recent paths: the same frozen match again, the right one for each path, also past the bound', () => {
    const a: HotRoute = { pattern: '/p/:name/index.json', answer: () => Buffer.from('a') };
    const match = compileHotRoutes([a]);
    const first = match('/p/one/index.json');
    assert.equal(match('/p/one/index.json'), first);
    assert.ok(Object.isFrozen(first) && Object.isFrozen(first?.params));
    // More distinct paths than are remembered: every one still gets its own parameters.
    for (let round = 0; round < 2; round++) for (let i = 0; i < 3000; i++) assert.equal(match(`/p/n${i}/index.json`)?.params.name, `n${i}`);
    assert.equal(match('/p/one/x.json'), undefined);
    assert.equal(match('/p/one/index.json')?.params.name, 'one');
  });
});
