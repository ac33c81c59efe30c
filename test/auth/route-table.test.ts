// The permission table's matcher: patterns, HEAD as GET, first match, and fail-closed for anything the
// table does not name (unknown /api routes, other methods, look-alike paths).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findRule, matchPattern, permissionTable } from '../../src/auth/route-table.js';

const table = permissionTable('/mirror/');
const access = (method: string, path: string) => findRule(table, method, path)?.access ?? 'DENY';

describe('permission table', () => {
  it('matches literal, one-segment (*) and trailing (**) patterns exactly', () => {
    assert.equal(matchPattern('/a/b', '/a/b'), true);
    assert.equal(matchPattern('/a/b', '/a/b/'), false);
    assert.equal(matchPattern('/a/*', '/a/x'), true);
    assert.equal(matchPattern('/a/*', '/a/'), false);
    assert.equal(matchPattern('/a/*', '/a/x/y'), false);
    assert.equal(matchPattern('/a/**', '/a'), true);
    assert.equal(matchPattern('/a/**', '/a/x/y/z'), true);
    assert.equal(matchPattern('/a/**', '/ab'), false);
  });

  it('maps the consumer protocols and the publishing API to the permissions of docs/design/publishing-baseline.md#permissions', () => {
    const cases: Array<[string, string, string]> = [
      ['GET', '/v1/providers/acme/widget/versions', 'providers:read'],
      ['HEAD', '/v1/providers/acme/widget/versions', 'providers:read'],
      ['GET', '/mirror/registry.example.test/acme/widget/index.json', 'providers:read'],
      ['GET', '/v1/modules/acme/net/aws/versions', 'modules:read'],
      ['GET', '/api/v1/gpg-keys', 'gpg-keys:read'],
      ['POST', '/api/v1/gpg-keys', 'gpg-keys:create'],
      ['PATCH', '/api/v1/gpg-keys/gpg-1', 'gpg-keys:update'],
      ['DELETE', '/api/v1/gpg-keys/gpg-1', 'gpg-keys:delete'],
      ['GET', '/api/v1/providers/prv-1', 'providers:read'],
      ['POST', '/api/v1/providers', 'providers:create'],
      ['PATCH', '/api/v1/providers/prv-1', 'providers:update'],
      ['DELETE', '/api/v1/providers/prv-1', 'providers:delete'],
      ['GET', '/api/v1/provider-versions/pv-1', 'providers:read'],
      ['POST', '/api/v1/provider-versions', 'provider-versions:create'],
      ['PUT', '/api/v1/provider-versions/pv-1/files/x.zip', 'provider-versions:create'],
      ['POST', '/api/v1/provider-versions/pv-1/upload-url', 'provider-versions:create'],
      ['DELETE', '/api/v1/provider-versions/pv-1', 'provider-versions:delete'],
      ['GET', '/api/v1/modules', 'modules:read'],
      ['POST', '/api/v1/modules', 'modules:create'],
      ['PUT', '/api/v1/modules/m-1/versions/1.0.0', 'modules:create'],
      ['PATCH', '/api/v1/modules/m-1', 'modules:create'],
      ['DELETE', '/api/v1/modules/m-1', 'modules:delete'],
      ['PUT', '/api/v1/uploads/sealed-token', 'open'],
      ['GET', '/download/ticket/file.zip', 'open'],
      ['HEAD', '/download/ticket/file.zip', 'open'],
      ['GET', '/.well-known/terraform.json', 'open'],
      ['GET', '/healthz', 'open'],
      ['GET', '/readyz', 'open'],
    ];
    for (const [method, path, want] of cases) assert.equal(access(method, path), want, `${method} ${path}`);
  });

  it('denies whatever the table does not name', () => {
    const denied: Array<[string, string]> = [
      ['GET', '/api/v1/secrets'],
      ['GET', '/api/v2/providers'],
      ['GET', '/api/v1/providersX'],
      ['PATCH', '/api/v1/provider-versions/pv-1'],
      ['PUT', '/api/v1/gpg-keys/gpg-1'],
      ['GET', '/api/v1/uploads/sealed-token'],
      ['PUT', '/api/v1/uploads/a/b'],
      ['POST', '/v1/providers/acme/widget/versions'],
      ['DELETE', '/mirror/x/y/z/index.json'],
      ['POST', '/download/ticket/file.zip'],
      ['GET', '/API/v1/providers'],
      ['OPTIONS', '/api/v1/providers'],
      ['GET', '/somewhere-else'],
    ];
    for (const [method, path] of denied) assert.equal(access(method, path), 'DENY', `${method} ${path}`);
  });

  it('follows the configured mirror base path', () => {
    const t = permissionTable('/providers-mirror/');
    assert.equal(findRule(t, 'GET', '/providers-mirror/h/n/t/index.json')?.access, 'providers:read');
    assert.equal(findRule(t, 'GET', '/mirror/h/n/t/index.json'), undefined);
  });
});
