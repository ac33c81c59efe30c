// The log destination: every line, in order and byte for byte (multi-byte text included), through the
// server's logger; everything pending written by flush (what `serve` awaits before it exits).
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createLogDestination } from './log-destination.js';
import { createLogger } from './server-app.js';

const dir = mkdtempSync(join(tmpdir(), 'log-destination-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function logFile(name: string): { path: string; fd: number } {
  const path = join(dir, name);
  return { path, fd: openSync(path, 'a') };
}

function flushed(dest: ReturnType<typeof createLogDestination>): Promise<void> {
  return new Promise((resolve, reject) => dest.flush((err) => (err ? reject(err) : resolve())));
}

describe('log destination', () => {
  it('writes every line in order, with multi-byte text intact', async () => {
    const { path, fd } = logFile('sync.log');
    const dest = createLogDestination(fd);
    const lines: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const line = `{"n":${i},"text":"${i % 7 === 0 ? 'clé ✓ 鍵' : 'key'}"}\n`;
      lines.push(line);
      dest.write(line);
    }
    await flushed(dest);
    closeSync(fd);
    assert.equal(readFileSync(path, 'utf8'), lines.join(''));
  });

  it('writes what is pending when flush calls back', async () => {
    const { path, fd } = logFile('async.log');
    const dest = createLogDestination(fd);
    for (let i = 0; i < 1000; i++) dest.write(`line ${i}\n`);
    await flushed(dest);
    closeSync(fd);
    const got = readFileSync(path, 'utf8').split('\n');
    assert.equal(got.length, 1001);
    assert.equal(got[999], 'line 999');
  });

  it("is the server logger's default output: pino lines and access-shaped lines interleave in order", async () => {
    const { path, fd } = logFile('logger.log');
    const dest = createLogDestination(fd);
    const logger = createLogger('info', dest as unknown as NodeJS.WritableStream);
    logger.info({ n: 1 }, 'first');
    dest.write('{"msg":"request","n":2}\n');
    logger.child({ reqId: 'r-1' }).warn({ authorization: 'Bearer secret', n: 3 }, 'third');
    await new Promise<void>((resolve) => logger.flush(() => resolve()));
    closeSync(fd);
    const got = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { n: number; msg: string; authorization?: string });
    assert.deepEqual(
      got.map((l) => [l.n, l.msg]),
      [
        [1, 'first'],
        [2, 'request'],
        [3, 'third'],
      ],
    );
    assert.equal(got[2]!.authorization, '[redacted]');
  });
});
