// The README's first command and docs/api.md's curl line, run as written: `npm start` in a copy of the
// project (its package.json and config.dev.toml; src and node_modules linked) serves
// https://localhost:8443 from ./data, and `curl --cacert data/tls/ca.pem https://localhost:8443/...`
// run in the same directory answers. Port 8443 is the documented one: when something else holds it on a
// developer's machine the test is skipped (loudly); in CI it fails.
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const sh = promisify(execFile);

/** The ```sh lines of a doc that start with `prefix`. */
async function documented(file: string, prefix: string): Promise<string[]> {
  const text = await readFile(join(ROOT, file), 'utf8');
  const lines: string[] = [];
  for (const block of text.matchAll(/```sh\n([\s\S]*?)```/g)) {
    for (const line of block[1]!.split('\n')) if (line.startsWith(prefix)) lines.push(line.replace(/\s+#.*$/, '').trim());
  }
  return lines;
}

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer()
      .once('error', () => resolve(false))
      .listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

const busy = !(await portFree(8443));
const skip = busy && !process.env.CI ? 'port 8443 is in use on this machine (the documented port): not run' : false;

describe('npm start and the documented curl line, verbatim', { skip, timeout: 300_000 }, () => {
  let dir: string;
  let child: ChildProcess;
  const output: string[] = [];

  before(async () => {
    assert.ok(!busy, 'port 8443 (the documented port) is in use');
    dir = await mkdtemp(join(tmpdir(), 'tfoci-npm-start-'));
    for (const f of ['package.json', 'config.dev.toml', 'tsconfig.json']) await copyFile(join(ROOT, f), join(dir, f));
    for (const d of ['src', 'node_modules']) await symlink(join(ROOT, d), join(dir, d));
    // The README's line is `npm ci && npm start`; CI runs `npm ci` itself (.ci/run).
    const readme = await documented('README.md', 'npm ci && npm start');
    assert.equal(readme.length, 1, 'the README shows `npm ci && npm start`');
    child = spawn('sh', ['-c', 'npm start'], { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
    child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
    const deadline = Date.now() + 120_000;
    while (!output.join('').includes('tf-oci-registry is serving https://localhost:8443/')) {
      assert.ok(child.exitCode === null, `npm start exited ${child.exitCode}:\n${output.join('')}`);
      assert.ok(Date.now() < deadline, `npm start did not start within 120 s:\n${output.join('')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  after(async () => {
    if (child?.pid && child.exitCode === null) {
      process.kill(-child.pid, 'SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('serves from ./data with a development CA under ./data/tls', async () => {
    assert.match(output.join(''), /from the OCI layout at .*\/data/);
    await readFile(join(dir, 'data', 'tls', 'ca.pem'), 'utf8');
  });

  it("docs/api.md's curl line fetches the OpenAPI document", async () => {
    const lines = await documented('docs/api.md', 'curl ');
    assert.deepEqual(lines, ['curl --cacert data/tls/ca.pem https://localhost:8443/api/v1/openapi.json']);
    const { stdout } = await sh('sh', ['-c', lines[0]!], { cwd: dir, maxBuffer: 16 << 20 });
    const doc = JSON.parse(stdout) as { openapi: string; paths: Record<string, unknown> };
    assert.equal(doc.openapi, '3.1.0');
    assert.ok(Object.keys(doc.paths).includes('/api/v1/gpg-keys'), Object.keys(doc.paths).join(', '));
  });
});
