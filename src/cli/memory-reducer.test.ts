// Every way this project starts a server gives node --no-memory-reducer (memory-reducer.ts): the command
// as npm installs it (its first line, run here through the kernel's #! like a user's shell does), the
// Docker image's ENTRYPOINT (test/docker/image.test.ts checks the built image too) and `npm start`.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { memoryReducerOff, NO_MEMORY_REDUCER } from './memory-reducer.js';

const ROOT = new URL('../../', import.meta.url);
const read = (file: string) => readFileSync(new URL(file, ROOT), 'utf8');

describe('node started without the memory reducer', () => {
  it('bin/tf-oci-registry.js, run as an executable, starts node with the flag', async () => {
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
      assert.ok(memoryReducerOff(JSON.parse(line.slice('execArgv='.length)) as string[]), line);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the Dockerfile ENTRYPOINT and `npm start` give the flag', () => {
    assert.match(read('Dockerfile'), new RegExp(`^ENTRYPOINT \\["node", "${NO_MEMORY_REDUCER}", "/app/bin/tf-oci-registry.js"\\]$`, 'm'));
    const start = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts.start ?? '';
    assert.ok(start.startsWith(`node ${NO_MEMORY_REDUCER} `), start);
  });

  it('tells a flag list with it from one without', () => {
    assert.equal(memoryReducerOff(['--no-memory-reducer']), true);
    assert.equal(memoryReducerOff(['--import', 'tsx']), false);
  });
});
