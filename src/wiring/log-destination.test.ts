// The log destination: every line, in order and byte for byte (multi-byte text included), through the
// server's logger; one write(2) per event-loop turn; everything pending written by flush (what `serve`
// awaits before it exits) and at process.exit; a descriptor that answers EAGAIN or takes part of a write
// loses nothing and keeps the order.
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { execFileSync } from 'node:child_process';
import { createLogDestination, type LogWriter } from './log-destination.js';
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

  it('joins the lines of one turn into one write', async () => {
    const writes: string[] = [];
    const io: LogWriter = {
      writeSync: (_fd, buf) => {
        writes.push(buf.toString('utf8'));
        return buf.length;
      },
      write: () => assert.fail('no asynchronous write without EAGAIN'),
    };
    const dest = createLogDestination(99, io);
    for (let i = 0; i < 64; i++) dest.write(`a${i}\n`);
    await new Promise((r) => setImmediate(r));
    for (let i = 0; i < 3; i++) dest.write(`b${i}\n`);
    await flushed(dest);
    assert.equal(writes.length, 2, 'one write per turn, then one for the flush');
    assert.equal(writes.join(''), [...Array.from({ length: 64 }, (_, i) => `a${i}\n`), 'b0\n', 'b1\n', 'b2\n'].join(''));
  });

  it('a full pipe (EAGAIN, partial writes): every line once, in order, written asynchronously until it drains', async () => {
    const out: Buffer[] = [];
    let syncCalls = 0;
    let eagainLeft = 3;
    const eagain = () => Object.assign(new Error('EAGAIN: resource temporarily unavailable, write'), { code: 'EAGAIN' });
    const io: LogWriter = {
      // Takes 5 bytes at most, and every other call says the pipe is full.
      writeSync: (_fd, buf) => {
        if (++syncCalls % 2 === 0) throw eagain();
        const n = Math.min(5, buf.length);
        out.push(Buffer.from(buf.subarray(0, n)));
        return n;
      },
      write: (_fd, buf, cb) =>
        setTimeout(() => {
          if (eagainLeft-- > 0) return cb(eagain(), 0);
          const n = Math.min(7, buf.length);
          out.push(Buffer.from(buf.subarray(0, n)));
          cb(null, n);
        }, 1),
    };
    const dest = createLogDestination(99, io);
    const lines = Array.from({ length: 200 }, (_, i) => `line ${i} clé ✓\n`);
    for (const [i, line] of lines.entries()) {
      dest.write(line);
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    await flushed(dest);
    assert.equal(Buffer.concat(out).toString('utf8'), lines.join(''));
  });

  it('writes what is pending when the process exits at once (process.exit after the last line)', () => {
    const { path, fd } = logFile('exit.log');
    closeSync(fd);
    const script = [
      `import { openSync } from 'node:fs';`,
      `import { createLogDestination } from ${JSON.stringify(new URL('./log-destination.ts', import.meta.url).pathname)};`,
      `const dest = createLogDestination(openSync(${JSON.stringify(path)}, 'a'));`,
      `for (let i = 0; i < 100; i++) dest.write('fatal ' + i + '\\n');`,
      'process.exit(1);',
    ].join('\n');
    assert.throws(() => execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: 'pipe' }));
    const got = readFileSync(path, 'utf8').trim().split('\n');
    assert.equal(got.length, 100);
    assert.equal(got[99], 'fatal 99');
  });
});
