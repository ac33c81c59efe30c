// The benchmark suite: `npm run bench` (full; overwrites BENCHMARKS.md) or
// `npm run bench -- --quick` (CI: small sizes, one short run each, no assertions on time, exit 1 if a
// scenario errors; report to stdout and .tmp/bench-quick.md).
// Options: --only=id[,id]  run some scenarios (report to .tmp/bench-partial.md)
//          --profile       run the server under `node --cpu-prof` and append a profile summary
//                          (report to .tmp/bench-profile.md; profiling perturbs the numbers)
//          --no-pin        do not pin processes to CPUs with taskset
//          --keep          keep the temp directory (registry data, logs, nginx config)
// One CNCF Distribution registry (access log on) and one tf-oci-registry server process are shared by
// every scenario; both are stopped when the run ends, also on errors and Ctrl-C.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Agent } from 'undici';
import { createRegistryStore } from '../src/oci/remote/registry-store.js';
import type { BenchContext, Scenario } from './scenario.js';
import { summarizeProfile } from './lib/cpuprofile.js';
import { createBenchSigner } from './lib/fixtures.js';
import { canPin, sampleRss, stopAll } from './lib/processes.js';
import { startBenchRegistry } from './lib/registry.js';
import { machineInfo, renderReport, renderTable, type ReportSection } from './lib/report.js';
import { serverNodeArgs, startServer } from './lib/server.js';
import { downloadsScenario } from './scenarios/downloads.js';
import { loadScenario } from './scenarios/load.js';
import { memoryScenario } from './scenarios/memory.js';
import { metadataScenario } from './scenarios/metadata.js';
import { scaleScenario } from './scenarios/scale.js';

// ---------------------------------------------------------------------------------------------------
// SCENARIO REGISTRY. Built-in scenarios run in this order; `memory` must stay last (it reads the peak
// RSS of the server over everything before it).
const BUILT_IN: Scenario[] = [metadataScenario, scaleScenario, downloadsScenario, loadScenario];
const LAST: Scenario[] = [memoryScenario];

// HOOKS: optional scenario modules, joined to the same report when their file exists. Each must
// `export const scenario: Scenario` (see bench/scenario.ts). They run after the built-ins, before
// `memory`, against the same registry and server process.
const OPTIONAL_SCENARIOS: Array<{ id: string; title: string; file: string }> = [
  { id: 'publish', title: 'Publish (bench/publish.ts)', file: 'publish.ts' },
  { id: 'terraform-init', title: '`terraform init` timing (bench/terraform-init.ts)', file: 'terraform-init.ts' },
  { id: 'mirror', title: 'Mirror population (bench/mirror.ts)', file: 'mirror.ts' },
  { id: 'pull-through', title: 'Pull-through `terraform init` (bench/pull-through.ts)', file: 'pull-through.ts' },
  { id: 'peer', title: 'Peer server beside ours (bench/peer.ts)', file: 'peer.ts' },
];
// ---------------------------------------------------------------------------------------------------

/** Tools every built-in scenario needs; missing ones fail the run at once with the package to install. */
const TOOLS: Array<[path: string, apt: string]> = [
  ['/usr/bin/docker-registry', 'docker-registry'],
  ['/usr/sbin/nginx', 'nginx-light (or nginx)'],
  ['/usr/bin/wrk', 'wrk'],
  ['/usr/bin/curl', 'curl'],
];

const benchDir = fileURLToPath(new URL('.', import.meta.url));
const root = fileURLToPath(new URL('..', import.meta.url));

interface Args {
  quick: boolean;
  only?: string[];
  profile: boolean;
  pin: boolean;
  keep: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { quick: false, profile: false, pin: true, keep: false };
  for (const arg of argv) {
    if (arg === '--quick') a.quick = true;
    else if (arg === '--profile') a.profile = true;
    else if (arg === '--no-pin') a.pin = false;
    else if (arg === '--keep') a.keep = true;
    else if (arg.startsWith('--only=')) a.only = arg.slice('--only='.length).split(',').filter(Boolean);
    else {
      console.error(
        `bench: unknown option ${arg}\nusage: npm run bench -- [--quick] [--only=metadata,scale,downloads,load,memory,publish,terraform-init] [--profile] [--no-pin] [--keep]`,
      );
      process.exit(2);
    }
  }
  return a;
}

async function loadOptional(): Promise<Array<Scenario | { id: string; title: string; missing: string }>> {
  const out: Array<Scenario | { id: string; title: string; missing: string }> = [];
  for (const o of OPTIONAL_SCENARIOS) {
    const file = join(benchDir, o.file);
    if (!existsSync(file)) {
      out.push({ id: o.id, title: o.title, missing: `bench/${o.file} does not exist yet (hook in bench/run.ts OPTIONAL_SCENARIOS)` });
      continue;
    }
    const mod = (await import(pathToFileURL(file).href)) as { scenario?: Scenario };
    if (!mod.scenario) throw new Error(`bench/${o.file} must export \`scenario: Scenario\``);
    out.push(mod.scenario);
  }
  return out;
}

const PREFACE_FULL = [
  'Generated by `npm run bench` (bench/run.ts); every full run overwrites this file. Quick mode (`npm run bench -- --quick`) prints to stdout and `.tmp/bench-quick.md` only.',
  '',
  "Everything runs on 127.0.0.1 over plain HTTP: the real CNCF Distribution registry (`docker-registry`), the tf-oci-registry server as a separate process (the compiled build, `node dist-bench/main.js serve`, as the Docker image runs it; configured by environment), and the anchors (nginx serving the same bytes as static files; the registry's own blob URL). The machine is small and shared, so read the **ratios** (ours / anchor, measured in the same run) rather than the absolute numbers; every figure is a median of several runs.",
];

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const watchdog = setTimeout(
    () => {
      console.error('bench: watchdog expired, stopping');
      void stopAll().finally(() => process.exit(1));
    },
    (args.quick ? 5 : 75) * 60_000,
  );
  watchdog.unref();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      console.error(`bench: ${sig}, stopping child processes`);
      void stopAll().finally(() => process.exit(130));
    });
  }

  const missing = TOOLS.filter(([path]) => !existsSync(path));
  if (missing.length > 0) {
    throw new Error(
      `missing tool(s): ${missing.map(([p]) => p).join(', ')}; install with apt-get install ${missing.map(([, apt]) => apt).join(' ')}`,
    );
  }
  const optional = await loadOptional();
  const all: Array<Scenario | { id: string; title: string; missing: string }> = [...BUILT_IN, ...optional, ...LAST];
  const selected = all.filter((s) => (args.only ? args.only.includes(s.id) : true)).filter((s) => !args.quick || !('run' in s) || s.quick);
  if (args.only) {
    const unknown = args.only.filter((id) => !all.some((s) => s.id === id));
    if (unknown.length > 0) throw new Error(`unknown scenario(s): ${unknown.join(', ')}; known: ${all.map((s) => s.id).join(', ')}`);
  }

  const tmp = mkdtempSync(join(tmpdir(), 'tf-oci-bench-'));
  // performance.now, not Date.now: the scale scenario steps Date.now forward.
  const log = (m: string) => process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${m}\n`);
  log(`temp dir ${tmp}; ${args.quick ? 'QUICK' : 'full'} mode; scenarios: ${selected.map((s) => s.id).join(', ')}`);
  const profileDir = args.profile ? join(tmp, 'cpuprofile') : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });

  const sections: ReportSection[] = [];
  const profileLines: string[] = [];
  let failed = false;
  try {
    const registry = await startBenchRegistry(join(tmp, 'registry'));
    const server = await startServer({
      root,
      registryUrl: registry.url,
      logDir: tmp,
      nodeArgs: serverNodeArgs(process.env.TF_OCI_BENCH_SERVER_NODE_ARGS),
      ...(profileDir ? { cpuProfileDir: profileDir } : {}),
    });
    log(
      `registry ${registry.url} (pid ${registry.pid}); server ${server.url} (pid ${server.pid}, idle RSS ${(server.idleRssKiB / 1024).toFixed(0)} MB)`,
    );
    const pushStore = createRegistryStore({
      url: registry.url,
      plainHttp: true,
      userAgent: 'tf-oci-bench-push',
      dispatcher: new Agent({ keepAliveTimeout: 30_000, connections: 32 }),
    });
    const ctx: BenchContext = {
      quick: args.quick,
      root,
      tmp,
      registry,
      server,
      pushStore,
      signer: await createBenchSigner(),
      pin: args.pin && canPin(),
      log,
      serverPeaks: new Map(),
    };

    for (const s of selected) {
      const t0 = performance.now();
      if (!('run' in s)) {
        sections.push({ id: s.id, title: s.title, skipped: s.missing, seconds: 0 });
        log(`${s.id}: skipped (${s.missing})`);
        continue;
      }
      log(`${s.id}: start`);
      const load0 = loadavg()[0]!;
      const rss = sampleRss(server.pid, 100);
      try {
        const result = await s.run(ctx);
        sections.push({ id: s.id, title: s.title, result, seconds: (performance.now() - t0) / 1000, load: [load0, loadavg()[0]!] });
        log(`${s.id}: done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
      } catch (err) {
        failed = true;
        const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
        sections.push({ id: s.id, title: s.title, error: text, seconds: (performance.now() - t0) / 1000, load: [load0, loadavg()[0]!] });
        log(`${s.id}: ERROR ${text}`);
      } finally {
        ctx.serverPeaks.set(s.id, rss.stop().maxKiB);
      }
    }

    await server.stop();
    await registry.stop();
    if (profileDir) {
      // CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: thread 0 is the main thread (the others are
      // tsx's loader worker).
      for (const f of readdirSync(profileDir).filter((n) => /\.0\.\d+\.cpuprofile$/.test(n))) {
        const kept = join(root, '.tmp', `bench-${f}`);
        mkdirSync(join(root, '.tmp'), { recursive: true });
        copyFileSync(join(profileDir, f), kept);
        const sum = summarizeProfile(join(profileDir, f));
        profileLines.push(`## CPU profile of the server (${selected.map((s) => s.id).join(', ')})`, '');
        profileLines.push(
          `File: \`${kept}\` (open in Chrome DevTools or speedscope). Samples: ${sum.totalMs.toFixed(0)} ms, of which busy (not idle) ${sum.busyMs.toFixed(0)} ms.`,
          '',
        );
        for (const t of sum.tables) profileLines.push(renderTable(t), '');
      }
      if (profileLines.length === 0)
        profileLines.push('## CPU profile', '', 'No .cpuprofile was written (did the server exit cleanly?).', '');
    }
  } catch (err) {
    failed = true;
    const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
    sections.push({ id: 'setup', title: 'Set-up', error: text, seconds: 0 });
    log(`SETUP ERROR ${text}`);
  } finally {
    await stopAll();
  }

  const argText = process.argv.slice(2).join(' ');
  const report = renderReport({
    machine: machineInfo(),
    command: `npm run bench${argText ? ` -- ${argText}` : ''}`,
    quick: args.quick,
    pinned: args.pin && canPin(),
    sections,
    preface: args.quick ? ['Quick mode: small sizes, one short run per measurement; targets are not judged on time.'] : PREFACE_FULL,
  });
  const findingsFile = join(benchDir, 'findings.md');
  const findings = !args.quick && existsSync(findingsFile) ? `\n${readFileSync(findingsFile, 'utf8')}` : '';
  const text = `${report}\n${profileLines.join('\n')}${findings}`;
  process.stdout.write(`${text}\n`);
  mkdirSync(join(root, '.tmp'), { recursive: true });
  const full = !args.quick && !args.only && !args.profile;
  const out = full
    ? join(root, 'BENCHMARKS.md')
    : join(root, '.tmp', args.quick ? 'bench-quick.md' : args.profile ? 'bench-profile.md' : 'bench-partial.md');
  writeFileSync(out, text);
  log(`report written to ${out}${failed ? ' — SOME SCENARIOS FAILED' : ''}`);
  if (args.keep) log(`kept ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  async (err: unknown) => {
    console.error(err);
    await stopAll();
    process.exit(1);
  },
);
