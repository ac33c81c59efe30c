// docs/api.md "Routes" lists every /api/v1 route of the OpenAPI document (generated from the route
// schemas), and nothing else; each row's links point at headings that exist, so a new route without docs,
// a removed route still documented or a renamed section fails the suite.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { createMemoryStore } from '../../src/oci/memory-store.js';
import { buildTestApp } from '../support/test-app.js';

const read = (file: string) => readFileSync(new URL(`../../docs/${file}`, import.meta.url), 'utf8');

/** GitHub's anchor of a markdown heading: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');

describe('docs/api.md routes table', () => {
  const rows = [...read('api.md').matchAll(/^\| (GET|POST|PUT|PATCH|DELETE) \| `([^`]+)` \| [^|]+ \| ([^\n]+) \|$/gm)];

  it('has a row for every route of the OpenAPI document, and no other', async () => {
    const t = buildTestApp(createMemoryStore());
    const doc = (await (await t.app.request('/api/v1/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    assert.ok(routes.length >= 30, `only ${routes.length} routes`);
    assert.deepEqual(rows.map((r) => `${r[1]} ${r[2]}`).sort(), routes.sort());
  });

  it('links to sections that exist', () => {
    for (const row of rows) {
      for (const [, file, anchor] of row[3]!.matchAll(/\]\(([a-z-]+\.md)(?:#([^)]+))?\)/g)) {
        if (!anchor) continue;
        const headings = [...read(file!).matchAll(/^#+ (.+)$/gm)].map((h) => slug(h[1]!));
        assert.ok(headings.includes(anchor), `${row[1]} ${row[2]}: ${file}#${anchor} is not a heading of ${file}`);
      }
    }
  });
});
