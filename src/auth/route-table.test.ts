// The compiled permission lookup (what the middleware uses on every request) must give exactly the
// answers of the plain first-match scan over matchPattern, for every rule of the table and for paths
// around each pattern (one segment more or less, trailing slash, look-alike prefixes, odd characters).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileRouteTable, matchPattern, permissionTable, type RouteRule } from './route-table.js';

function reference(table: readonly RouteRule[], method: string, path: string): RouteRule | undefined {
  const m = method.toUpperCase() === 'HEAD' ? 'GET' : method.toUpperCase();
  return table.find((r) => r.methods.includes(m) && matchPattern(r.pattern, path));
}

function pathsAround(pattern: string): string[] {
  const concrete = pattern.replace(/\/\*\*$/, '').replaceAll('*', 'x');
  return [
    concrete,
    `${concrete}/`,
    `${concrete}/a`,
    `${concrete}/a/b/c`,
    `${concrete}x`,
    concrete.slice(0, -1),
    concrete.replaceAll('x', ''),
    `${concrete}/a%2Fb`,
    `${concrete}/a\nb`,
    concrete.toUpperCase(),
    `/x${concrete}`,
  ];
}

describe('compileRouteTable', () => {
  it('answers exactly like the first-match scan over matchPattern', () => {
    for (const base of ['/mirror/', '/providers-mirror/', '/']) {
      const table = permissionTable(base);
      const lookup = compileRouteTable(table);
      const paths = [...table.flatMap((r) => pathsAround(r.pattern)), '/', '', '/x', '/.well-known', '/api', '/api/v1', '/v1'];
      for (const method of ['GET', 'HEAD', 'head', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) {
        for (const path of paths) {
          assert.equal(lookup(method, path), reference(table, method, path), `${base}: ${method} ${JSON.stringify(path)}`);
        }
      }
    }
  });

  it('handles single-segment wildcards and a wildcard first segment', () => {
    const table: RouteRule[] = [
      { methods: ['GET'], pattern: '/*/fixed', access: 'open' },
      { methods: ['GET'], pattern: '/a/*/c', access: 'providers:read' },
      { methods: ['GET'], pattern: '/**', access: 'modules:read' },
    ];
    const lookup = compileRouteTable(table);
    for (const path of ['/a/fixed', '/a/b/c', '/a//c', '/b/fixed', '/z', '/', '/a/b/c/d']) {
      assert.equal(lookup('GET', path), reference(table, 'GET', path), path);
    }
  });
});
