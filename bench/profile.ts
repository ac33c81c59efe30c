// Profiles the server under ONE load, so that a CPU profile is about one thing:
//   node --import tsx bench/profile.ts <target> [--seconds=15] [--connections=64] [--no-pin] [--no-prof] [--repeat=1]
// targets: versions | download | index | version   (the warm metadata endpoints of scenario 1, wrk)
//          mixed                                     (the four of them in turn on every connection, as inits mix them)
//          scale1000                                 (warm `versions` of a 1,000-version provider, wrk -c1)
//          blob                                      (8 concurrent curl downloads of a 100 MB zip, repeated)
//          blob1                                     (one curl download of a 100 MB zip at a time, repeated)
//          idle                                      (nothing: the baseline of an idle server)
// Starts its own registry and a server under `node --cpu-prof`, applies the load, stops the server
// (which writes the profile), and prints a summary (self time by area, top functions). The profile and
// the summary are kept under .tmp/ (bench-profile-<target>.cpuprofile / .md).
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent } from 'undici';
import { providerRepository } from '../src/layout/names.js';
import { createRegistryStore } from '../src/oci/remote/registry-store.js';
import { summarizeProfile } from './lib/cpuprofile.js';
import { curlConcurrent, curlDownload } from './lib/curl.js';
import { createBenchSigner, pushProviderVersions, pushSharedTinyZips, THREE_PLATFORMS, versionList } from './lib/fixtures.js';
import { canPin, pinProcess, runMain, stopAll } from './lib/processes.js';
import { fmtCount, startBenchRegistry } from './lib/registry.js';
import { renderTable } from './lib/report.js';
import { startServer } from './lib/server.js';
import { fmtMs, fmtRate } from './lib/stats.js';
import { runWrk } from './lib/wrk.js';
import { setupWidget } from './scenarios/metadata.js';
import { setupBigZip } from './scenarios/downloads.js';

const TARGETS = ['versions', 'download', 'index', 'version', 'mixed', 'scale1000', 'blob', 'blob1', 'idle'] as const;
type Target = (typeof TARGETS)[number];

const root = fileURLToPath(new URL('..', import.meta.url));

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const target = argv.find((a) => !a.startsWith('--')) as Target | undefined;
  if (!target || !TARGETS.includes(target)) {
    console.error(`usage: node --import tsx bench/profile.ts <${TARGETS.join('|')}> [--seconds=15] [--connections=64] [--no-pin]`);
    process.exit(2);
  }
  const opt = (name: string, def: number) => Number(argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? def);
  const seconds = opt('seconds', 15);
  const connections = opt('connections', target === 'scale1000' ? 1 : 64);
  const pin = !argv.includes('--no-pin') && canPin() && cpus().length >= 2;
  // --no-prof: the same load without the profiler (to see what profiling costs, or to repeat a load).
  const prof = !argv.includes('--no-prof');
  const repeat = opt('repeat', 1);
  // --then=index,version: after the target's load, the same load on these warm documents, on the same
  // server (a JIT that met other routes first, as in scenario 1, which measures them one after another).
  const then = (
    argv
      .find((a) => a.startsWith('--then='))
      ?.slice('--then='.length)
      .split(',') ?? []
  ).filter(Boolean);
  // --node-arg=<flag> (repeatable): extra flags for the server's node, e.g. --node-arg=--trace-gc; the
  // server's log is kept as .tmp/bench-profile-<target>.log.
  const nodeArgs = argv.filter((a) => a.startsWith('--node-arg=')).map((a) => a.slice('--node-arg='.length));

  const tmp = mkdtempSync(join(tmpdir(), 'tf-oci-profile-'));
  const profDir = join(tmp, 'prof');
  mkdirSync(profDir);
  const log = (m: string) => process.stderr.write(`[profile] ${m}\n`);
  try {
    const registry = await startBenchRegistry(join(tmp, 'registry'));
    const server = await startServer({
      root,
      registryUrl: registry.url,
      logDir: tmp,
      nodeArgs,
      ...(prof ? { cpuProfileDir: profDir } : {}),
    });
    const pushStore = createRegistryStore({
      url: registry.url,
      plainHttp: true,
      userAgent: 'tf-oci-bench-push',
      dispatcher: new Agent({ connections: 32 }),
    });
    const signer = await createBenchSigner();
    const ctx = { pushStore, signer, server, registry, tmp };
    let load: () => Promise<string>;
    const thenLoads: Array<() => Promise<string>> = [];
    if (target === 'blob1') {
      const { proxyUrl, size } = await setupBigZip(ctx, 100);
      load = async () => {
        const until = performance.now() + seconds * 1000;
        const speeds: number[] = [];
        while (performance.now() < until) speeds.push((await curlDownload(proxyUrl, size)).speed);
        return `${speeds.length} single downloads of 100 MB, ${speeds.map((s) => `${(s / 1e6).toFixed(0)}`).join(', ')} MB/s`;
      };
    } else if (target === 'blob') {
      const { proxyUrl, size } = await setupBigZip(ctx, 100);
      load = async () => {
        const until = performance.now() + seconds * 1000;
        const speeds: number[] = [];
        while (performance.now() < until) speeds.push((await curlConcurrent(proxyUrl, size, 8)).aggregate);
        return `${speeds.length} rounds of 8 × 100 MB, aggregate ${speeds.map((s) => `${(s / 1e6).toFixed(0)}`).join(', ')} MB/s`;
      };
    } else if (target === 'idle') {
      load = async () => {
        await sleep(seconds * 1000);
        return `idle ${seconds} s`;
      };
    } else {
      let path: string;
      let script: string | undefined;
      let endpoints: Awaited<ReturnType<typeof setupWidget>> | undefined;
      if (target === 'scale1000') {
        const repository = providerRepository('', server.registryHostname, 'acme', 'scale1000');
        const zips = await pushSharedTinyZips(pushStore, repository, 'scale1000', THREE_PLATFORMS);
        log('pushing 1,000 versions');
        await pushProviderVersions(pushStore, signer, {
          repository,
          type: 'scale1000',
          versions: versionList(1000),
          platforms: THREE_PLATFORMS,
          zips,
        });
        path = '/v1/providers/acme/scale1000/versions';
      } else {
        endpoints = await setupWidget(ctx);
        if (target === 'mixed') {
          // Each request of a connection asks for the next of the four documents.
          const paths = endpoints.filter((e) => ['versions', 'download', 'index', 'version'].includes(e.id)).map((e) => e.path);
          script = join(tmp, 'mixed.lua');
          writeFileSync(
            script,
            `local paths = {${paths.map((p) => JSON.stringify(p)).join(', ')}}\nlocal i = 0\nrequest = function()\n  i = i % #paths + 1\n  return wrk.format("GET", paths[i])\nend\n`,
          );
          path = paths[0]!;
        } else path = endpoints.find((e) => e.id === target)!.path;
      }
      const res = await fetch(server.url + path);
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`GET ${path}: ${res.status}`);
      const loadPath = (path: string, script?: string) => async () => {
        if (pin) pinProcess(server.pid, '0');
        const mark = registry.mark();
        const r = await runWrk({
          url: server.url + path,
          connections,
          threads: 1,
          durationS: seconds,
          serverPid: server.pid,
          ...(pin ? { cpus: '1' } : {}),
          ...(script ? { script } : {}),
        });
        return `wrk -t1 -c${connections} ${seconds} s on ${path}: ${fmtRate(r.rps)} req/s, ${r.cpuUsPerRequest.toFixed(1)} CPU µs/req, p50 ${fmtMs(r.p50)}, p99 ${fmtMs(r.p99)}; upstream ${fmtCount(registry.countSince(mark, 'tf-oci-registry'))}${pin ? '; server on CPU 0, wrk on CPU 1' : ''}`;
      };
      load = loadPath(path, script);
      for (const t of then) {
        const e = endpoints?.find((x) => x.id === t);
        if (!e) throw new Error(`--then=${t}: not one of ${endpoints?.map((x) => x.id).join(', ') ?? 'the metadata targets'}`);
        thenLoads.push(loadPath(e.path));
      }
    }
    log(`load: ${target}`);
    let what = '';
    for (const run of [load, ...thenLoads]) {
      for (let i = 0; i < repeat; i++) {
        what = await run();
        log(what);
      }
    }
    await server.stop();
    await registry.stop();
    mkdirSync(join(root, '.tmp'), { recursive: true });
    copyFileSync(join(tmp, 'server.log'), join(root, '.tmp', `bench-profile-${target}.log`));
    if (!prof) return;
    // CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: thread 0 is the main thread (not tsx's loader worker).
    const file = readdirSync(profDir).find((f) => /\.0\.\d+\.cpuprofile$/.test(f));
    if (!file) throw new Error('the server wrote no .cpuprofile');
    const kept = join(root, '.tmp', `bench-profile-${target}.cpuprofile`);
    copyFileSync(join(profDir, file), kept);
    const sum = summarizeProfile(kept);
    const text = [
      `# CPU profile: ${target}`,
      '',
      `Load: ${what}`,
      '',
      `Profile: \`${kept}\`. Samples cover the whole server life (start-up and fixture set-up included): ${sum.totalMs.toFixed(0)} ms, busy ${sum.busyMs.toFixed(0)} ms.`,
      '',
      ...sum.tables.flatMap((t) => [renderTable(t), '']),
    ].join('\n');
    writeFileSync(join(root, '.tmp', `bench-profile-${target}.md`), text);
    process.stdout.write(`${text}\n`);
  } finally {
    await stopAll();
    rmSync(tmp, { recursive: true, force: true });
  }
}

runMain(main);
