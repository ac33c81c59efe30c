// Every way this project starts a server gives node the flags of heap-flags.ts: the command as npm installs
// it (its first line, run here through the kernel's #! like a user's shell does), the Docker image's
// ENTRYPOINT (test/docker/image.test.ts checks the built image too) and `npm start`.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { missingHeapFlags, SERVE_NODE_FLAGS } from './heap-flags.js';

const ROOT = new URL('../../', import.meta.url);
const read = (file: string) => readFileSync(new URL(file, ROOT), 'utf8');

describe('node started with the heap flags', () => {
  it('bin/tf-oci-registry.js, run as an executable, starts node with them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-oci-execargv-'));
    try {
      // Preloaded through NODE_OPTIONS (which execArgv does not list): prints the command line's node flags.
      const probe = join(dir, 'probe.cjs');
      writeFileSync(probe, "process.stderr.write('execArgv=' + JSON.stringify(process.execArgv) + '\\n');\n");
      const { stderr } = await promisify(execFile)(new URL('bin/tf-oci-registry.js', ROOT).pathname, ['--help'], {
        env: { ...process.env, NODE_OPTIONS: `--require=${probe}` },
      });
      const line = stderr.split('\n').find((l) => l.startsWith('execArgv='));
      assert.ok(line, stderr);
      assert.deepEqual(missingHeapFlags(JSON.parse(line.slice('execArgv='.length)) as string[]), [], line);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the Dockerfile ENTRYPOINT and `npm start` give them', () => {
    const entry = ['node', ...SERVE_NODE_FLAGS, '/app/bin/tf-oci-registry.js'].map((w) => `"${w}"`).join(', ');
    assert.ok(read('Dockerfile').split('\n').includes(`ENTRYPOINT [${entry}]`), entry);
    const start = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts.start ?? '';
    assert.ok(start.startsWith(`node ${SERVE_NODE_FLAGS.join(' ')} `), start);
  });

  it('names the flags a command line lacks', () => {
    assert.deepEqual(missingHeapFlags([...SERVE_NODE_FLAGS, '--import', 'tsx']), []);
    assert.deepEqual(missingHeapFlags(['--no-memory-reducer']), ['--initial-old-space-size=96']);
    assert.deepEqual(missingHeapFlags(['--import', 'tsx']), [...SERVE_NODE_FLAGS]);
  });
});
