// Expected errors are logged as one line without a stack or a repeated message: a registry that is down
// answers 503 and logs `request failed` at warn with the code, the message once and its first cause;
// a bug (a non-application error) is still logged with its stack at error.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OciError } from '../../src/oci/errors.js';
import { createMemoryStore } from '../../src/oci/memory-store.js';
import type { OciStore } from '../../src/oci/store.js';
import { buildAuthApp } from '../auth/support.js';

function failingStore(make: () => Error): OciStore {
  const inner = createMemoryStore();
  return {
    ...inner,
    describe: 'http://registry.test',
    listTags: async () => Promise.reject(make()),
    resolveManifest: async () => Promise.reject(make()),
  };
}

describe('log lines of failed requests', () => {
  it('a registry failure: one warn line, no stack, the message once', async () => {
    const cause = new Error('connect ECONNREFUSED 127.0.0.1:5000');
    const t = buildAuthApp(
      failingStore(
        () => new OciError('UNAVAILABLE', 'GET http://registry.test/v2/x/tags/list: connect ECONNREFUSED 127.0.0.1:5000', { cause }),
      ),
      '[storage]\nprefix = "tf"\n[auth]\nmode = "none"\n',
    );
    const res = await t.app.request('/v1/providers/acme/widget/versions');
    assert.ok(res.status >= 500, String(res.status));
    const lines = t.logLines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l['msg'] === 'request failed');
    assert.equal(lines.length, 1, t.logs());
    const line = lines[0]!;
    assert.equal(line['level'], 40);
    assert.ok(!JSON.stringify(line).includes('"stack"'), JSON.stringify(line));
    assert.equal(JSON.stringify(line).split('ECONNREFUSED').length - 1, 1, `the message once: ${JSON.stringify(line)}`);
  });

  it('a bug: logged at error with its stack', async () => {
    const t = buildAuthApp(
      failingStore(() => new TypeError('undefined is not a function')),
      '[storage]\nprefix = "tf"\n[auth]\nmode = "none"\n',
    );
    const res = await t.app.request('/v1/providers/acme/widget/versions');
    assert.equal(res.status, 500);
    assert.match(t.logs(), /"level":50.*"stack":"AppError: internal error.*caused by: TypeError: undefined is not a function/);
  });
});
