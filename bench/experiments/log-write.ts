// EXPERIMENT (evidence for bench/findings.md "One write per turn, size-only blob bodies"; not part of
// `npm run bench`): the process CPU per access-shaped log line for three ways of writing the log to a
// file, with `--lines` lines logged per event-loop turn (64: a server at 64 busy connections) for 4,000
// turns: pino's asynchronous SonicBoom (sync: false), the product's destination (one synchronous write(2)
// per turn, src/wiring/log-destination.ts), and one asynchronous fs.write per turn.
// Run: node --import tsx bench/experiments/log-write.ts [--lines=64] [--rounds=2]
import { mkdtempSync, openSync, rmSync, write as fsWrite } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createLogDestination } from '../../src/wiring/log-destination.js';

type Sink = { write(line: string): unknown; flush(cb: () => void): void };
const TURNS = 4000;
const arg = (name: string, dflt: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt);
const perTurn = arg('lines', 64);
const rounds = arg('rounds', 2);
const dir = mkdtempSync(join(tmpdir(), 'log-write-'));

const LINE = `${JSON.stringify({
  level: 30,
  time: Date.now(),
  reqId: '5f1c1a2e-8a7b-4a53-9f1d-6b8e1e5a8c11',
  method: 'GET',
  path: '/v1/providers/acme/widget/versions',
  route: '/v1/providers/:namespace/:type/versions',
  status: 200,
  ms: 0.4,
  usage: { kind: 'versions', provider: 'registry.example/acme/widget', principal: 'service', ua: 'wrk' },
  msg: 'request',
})}\n`;

function sonicBoom(fd: number): Sink {
  return pino.destination({ dest: fd, sync: false }) as unknown as Sink;
}

/** One asynchronous fs.write per turn, the next turn's lines waiting for it. */
function turnAsync(fd: number): Sink {
  let pending: Buffer[] = [];
  let scheduled = false;
  let writing = false;
  const done: (() => void)[] = [];
  const start = (): void => {
    scheduled = false;
    if (writing) return;
    if (pending.length === 0) {
      for (const f of done.splice(0)) f();
      return;
    }
    const buf = Buffer.concat(pending);
    pending = [];
    writing = true;
    fsWrite(fd, buf, () => {
      writing = false;
      start();
    });
  };
  return {
    write(line) {
      pending.push(Buffer.from(line));
      if (!scheduled && !writing) {
        scheduled = true;
        setImmediate(start);
      }
    },
    flush(cb) {
      done.push(cb);
      if (!writing) start();
    },
  };
}

const variants: Record<string, (fd: number) => Sink> = {
  'pino SonicBoom, asynchronous': sonicBoom,
  'one synchronous write per turn (the product)': (fd) => createLogDestination(fd) as Sink,
  'one asynchronous write per turn': turnAsync,
};

async function measure(name: string, make: (fd: number) => Sink): Promise<number> {
  const sink = make(openSync(join(dir, `${name.replace(/\W+/g, '-')}.log`), 'w'));
  const c0 = process.cpuUsage();
  let turn = 0;
  await new Promise<void>((resolve) => {
    const step = (): void => {
      for (let i = 0; i < perTurn; i++) sink.write(LINE);
      if (++turn < TURNS) setImmediate(step);
      else resolve();
    };
    step();
  });
  await new Promise<void>((r) => sink.flush(r));
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / (perTurn * TURNS);
}

for (let round = 1; round <= rounds; round++) {
  for (const [name, make] of Object.entries(variants)) {
    console.log(`round ${round}: ${name}: ${(await measure(name, make)).toFixed(2)} µs of CPU per line (${perTurn} lines per turn)`);
  }
}
rmSync(dir, { recursive: true, force: true });
