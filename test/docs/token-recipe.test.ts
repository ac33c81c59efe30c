// docs/auth.md's recipe for a service-mode API token, run as written with bash: the printed SHA-256,
// configured as `sha256 = "…"` in [[auth.tokens]], lets the generated token through, and only it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { createMemoryStore } from '../../src/oci/memory-store.js';
import { buildAuthApp } from '../auth/support.js';
import { requireTool } from '../support/distribution.js';

const run = promisify(execFile);

describe("docs/auth.md's API token recipe", { skip: requireTool('openssl', 'sha256sum').skip }, () => {
  it('prints the sha256 to configure; the server then accepts the token', async () => {
    const doc = readFileSync(new URL('../../docs/auth.md', import.meta.url), 'utf8');
    const block = /```sh\n(TOKEN=\$\(openssl[\s\S]*?)```/.exec(doc)?.[1];
    assert.ok(block, 'docs/auth.md has no TOKEN=$(openssl …) block');
    // The block as written, then the token it made (for the test only).
    const { stdout } = await run('bash', ['-e', '-o', 'pipefail', '-c', `${block}\necho "token=$TOKEN"`]);
    const sha = /^([0-9a-f]{64}) {2}-$/m.exec(stdout)?.[1];
    const token = /^token=(.+)$/m.exec(stdout)?.[1];
    assert.ok(sha && token, stdout);
    const { app } = buildAuthApp(
      createMemoryStore(),
      `[auth]\nmode = "service"\n[[auth.tokens]]\nname = "ci"\nsha256 = "${sha}"\npermissions = ["providers:read"]\n`,
    );
    const as = (t: string) => app.request('/api/v1/providers', { headers: { authorization: `Bearer ${t}` } });
    assert.equal((await as(token)).status, 200);
    assert.equal((await as(`${token}x`)).status, 401);
  });
});
