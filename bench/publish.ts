// Publish benchmark: a ~1 GB GoReleaser-named release (14 platforms, random incompressible
// stored zips, SHA256SUMS, signature, _manifest.json, `tar | gzip -1`) published through the HTTP API
// (create key, provider, version; one streamed PUT of the .tar.gz) to the real Distribution registry,
// timed, with the peak RSS (VmHWM) of the server process; and, in the same run, the same blobs pushed
// straight to the registry with pushBlob (no verification): the anchor; and the work floor
// (bench/lib/publish-floor-program.ts, its own process): the smallest Node program doing the work a verifying
// publish cannot skip on the same tarball, received as the publish receives it (one HTTP PUT; gunzip, tar,
// push + temp file per zip, h1). Targets: peak RSS < 200 MB,
// throughput >= 80 % of the raw push. Also reports where the CPU goes, per GB moved: the server's main
// thread (user/system), its other threads (zip inspection worker, libuv pool, V8 helpers), its minor page
// faults, the registry's CPU and the bench client's (the anchor's sender), from /proc; on a shared box
// the CPU figures, not the wall times, predict a quiet machine.
//
// Runs as the `publish` scenario of `npm run bench` (bench/run.ts) or alone:
//   node --import tsx bench/publish.ts [--quick] [--mb=1024] [--rounds=3] [--profile]
// (--profile: the server under --cpu-prof; summary and profile under .tmp/bench-profile-publish.*)
// The server is a dedicated `src/main.ts serve` child process, so its VmHWM is the publish's own.
import { randomUUID } from 'node:crypto';
import { copyFileSync, createReadStream, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Agent } from 'undici';
import { createRegistryStore } from '../src/oci/remote/registry-store.js';
import type { OciStore } from '../src/oci/store.js';
import { summarizeProfile } from './lib/cpuprofile.js';
import { createBenchSigner, type BenchSigner } from './lib/fixtures.js';
import { makeRelease, PLATFORMS, type Release } from './lib/publish-release.js';
import { AnchorRuns } from './lib/anchor.js';
import { publishOnce, startPublishServer, type Upload } from './lib/publish-through-api.js';
import { readProcStat } from './lib/proc-stat.js';
import { runPublishFloor, type FloorRun } from './lib/publish-floor.js';
import { procStatusKiB, sampleRss, stopAll } from './lib/processes.js';
import { startBenchRegistry } from './lib/registry.js';
import { renderTable } from './lib/report.js';
import { fmtKiB } from './lib/stats.js';
import type { BenchContext, Scenario, ScenarioResult } from './scenario.js';

/** The anchors' names (report lines). */
const RAW = 'raw pushBlob';
const FLOOR = 'publish work floor';

/** CPU time of one side of a run, ms. */
interface RawRun {
  ms: number;
  /** This (bench) process, which hashes and sends the files. */
  clientMs: number;
  registryMs: number;
}

/** The anchor: every release file pushed straight to the registry, streamed, one after the other. */
async function rawPush(store: OciStore, release: Release, registryPid: number | undefined, runs: RawRun[]): Promise<number> {
  const repository = `bench/raw-${randomUUID().slice(0, 8)}`;
  const reg0 = registryPid === undefined ? 0 : readProcStat(registryPid).cpuMs;
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  for (const f of release.files) await store.pushBlob(repository, createReadStream(join(release.dir, f)));
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpu0);
  const registryMs = registryPid === undefined ? Number.NaN : readProcStat(registryPid).cpuMs - reg0;
  runs.push({ ms, clientMs: (cpu.user + cpu.system) / 1000, registryMs });
  return ms;
}

const mbps = (bytes: number, ms: number): number => bytes / 1024 / 1024 / (ms / 1000);
const mid = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export interface PublishBenchOptions {
  quick: boolean;
  totalMb?: number;
  rounds?: number;
  root: string;
  tmp: string;
  registryUrl: string;
  signer: BenchSigner;
  pushStore: OciStore;
  /** The registry's process id, for its CPU time (where time goes). */
  registryPid?: number;
  /** Run the server under --cpu-prof, writing the profile here. */
  cpuProfileDir?: string;
  log(m: string): void;
}

/**
 * Rounds of (raw push, publish) on the same files, alternating so that both see the same disk and
 * page-cache conditions; medians are reported (a shared 2-core box is noisy).
 */
export async function runPublishBench(opts: PublishBenchOptions): Promise<ScenarioResult> {
  const totalMb = opts.totalMb ?? (opts.quick ? 28 : 1024);
  const rounds = opts.rounds ?? (opts.quick ? 1 : 3);
  opts.log(`publish: generating a ${totalMb} MB release (${PLATFORMS.length} platforms)`);
  const release = await makeRelease(join(opts.tmp, 'publish-release'), totalMb, opts.signer);
  const server = await startPublishServer(opts.root, opts.tmp, opts.registryUrl, opts.cpuProfileDir);
  const idleKiB = procStatusKiB(server.pid, 'VmRSS');
  const rss = sampleRss(server.pid, 50);
  const raws: number[] = [];
  const rawRuns: RawRun[] = [];
  const uploads: Upload[] = [];
  const floors: FloorRun[] = [];
  // The raw push and the work floor (anchors) are retried and may end up unavailable; the publish through our API is not.
  const anchors = new AnchorRuns({ log: (m) => opts.log(`publish: ${m}`) });
  let hwmKiB: number;
  try {
    for (let i = 0; i < rounds; i++) {
      opts.log(`publish: round ${i + 1}/${rounds}: raw pushBlob of the files`);
      const raw = await anchors.measure(RAW, () => rawPush(opts.pushStore, release, opts.registryPid, rawRuns));
      if (raw !== undefined) raws.push(raw);
      opts.log(`publish: round ${i + 1}/${rounds}: work floor (bench/lib/publish-floor-program.ts) on the tarball`);
      const floor = await anchors.measure(FLOOR, () =>
        runPublishFloor(opts.registryUrl, release.tarball, join(opts.tmp, 'publish-floor'), opts.registryPid),
      );
      if (floor !== undefined) floors.push(floor);
      opts.log(`publish: round ${i + 1}/${rounds}: PUT through the HTTP API`);
      uploads.push(await publishOnce(server.base, server.pid, opts.signer, release, opts.registryPid));
    }
    hwmKiB = procStatusKiB(server.pid, 'VmHWM');
  } finally {
    rss.stop();
    await server.stop();
  }
  const rawMs = raws.length === 0 ? Number.NaN : mid(raws);
  const ms = mid(uploads.map((u) => u.ms));
  const cpuMs = mid(uploads.map((u) => u.cpuMs));
  const gb = release.bytes / 1024 ** 3;
  const perGb = (x: number) => (Number.isFinite(x) ? `${(x / 1000 / gb).toFixed(2)}` : 'n/a');
  const mainMs = mid(uploads.map((u) => u.mainUserMs + u.mainSysMs));
  const mainUser = mid(uploads.map((u) => u.mainUserMs));
  const mainSys = mid(uploads.map((u) => u.mainSysMs));
  const otherMs = mid(uploads.map((u) => u.cpuMs - u.mainUserMs - u.mainSysMs));
  const regPub = mid(uploads.map((u) => u.registryMs));
  const rawClient = rawRuns.length === 0 ? Number.NaN : mid(rawRuns.map((r) => r.clientMs));
  const rawReg = rawRuns.length === 0 ? Number.NaN : mid(rawRuns.map((r) => r.registryMs));
  const ofFloor = (f: (r: FloorRun) => number) => (floors.length === 0 ? Number.NaN : mid(floors.map(f)));
  const floorMs = ofFloor((r) => r.ms);
  const floorCpu = ofFloor((r) => r.cpuMs);
  const floorMain = ofFloor((r) => r.mainUserMs + r.mainSysMs);
  const floorReg = ofFloor((r) => r.registryMs);
  const floorDown = anchors.unavailable(FLOOR) !== undefined;
  // On an idle 2-core box the publish is bound by its busiest thread (the main thread) or by both cores
  // (everything that runs: server, registry, client), whichever takes longer; same for the anchor.
  const busy = (s: number) => (s / 1000).toFixed(2);
  const cpuTable = {
    title: `Where the CPU goes: CPU-seconds per GB moved (medians of ${rounds} round(s); /proc/<pid>/stat and /proc/<pid>/task/<pid>/stat)`,
    columns: ['', 'publish through the API', 'work floor (anchor)', 'raw push (anchor)'],
    rows: [
      [
        'main thread of the server / the floor (event loop: sockets, streams, tar, sha256 of each zip; the floor also inspects the zips)',
        `${perGb(mainMs)} (user ${perGb(mainUser)}, sys ${perGb(mainSys)})`,
        anchors.cell(FLOOR, `${perGb(floorMain)} (user ${perGb(ofFloor((r) => r.mainUserMs))}, sys ${perGb(ofFloor((r) => r.mainSysMs))})`),
        'n/a',
      ],
      [
        'other threads of the server / the floor (zip inspection worker, libuv pool: gunzip, inflate, file I/O; V8 helpers)',
        perGb(otherMs),
        anchors.cell(FLOOR, perGb(ofFloor((r) => r.cpuMs - r.mainUserMs - r.mainSysMs))),
        'n/a',
      ],
      [
        'of which the 4 busiest other threads',
        [0, 1, 2, 3].map((i) => perGb(mid(uploads.map((u) => u.busiestOthers[i] ?? 0)))).join(', '),
        'n/a',
        'n/a',
      ],
      ['server / floor process total', perGb(cpuMs), anchors.cell(FLOOR, perGb(floorCpu)), 'n/a'],
      [
        'server / floor minor page faults per MB moved',
        (mid(uploads.map((u) => u.minorFaults)) / (release.bytes / 1024 ** 2)).toFixed(0),
        anchors.cell(FLOOR, (ofFloor((r) => r.minorFaults) / (release.bytes / 1024 ** 2)).toFixed(0)),
        'n/a',
      ],
      [
        'bench client (sends the tarball / hashes and pushes the files)',
        'not measured (sends a file)',
        'not measured (sends the same file the same way)',
        perGb(rawClient),
      ],
      ['registry (docker-registry: receives, hashes, writes)', perGb(regPub), anchors.cell(FLOOR, perGb(floorReg)), perGb(rawReg)],
    ],
  };
  const raw = mbps(release.bytes, rawMs);
  const ours = mbps(release.bytes, ms);
  const ratio = ours / raw;
  const rawDown = anchors.unavailable(RAW) !== undefined;
  const ratioText = anchors.measured([RAW], `${(ratio * 100).toFixed(0)} %`);
  const floorMbps = mbps(release.bytes, floorMs);
  const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(0)} %` : 'n/a');
  const floorText = anchors.measured(
    [FLOOR],
    `work floor ${floorMbps.toFixed(1)} MB/s at ${perGb(floorCpu)} CPU-s/GB (+ registry ${perGb(floorReg)}) = ${rawDown ? 'n/a (raw push unavailable)' : pct(floorMbps / raw)} of the raw push (${raw.toFixed(1)} MB/s at ${perGb(rawClient)} CPU-s/GB, + registry ${perGb(rawReg)}); ours ${pct(ours / floorMbps)} of the floor (${ours.toFixed(1)} MB/s at ${perGb(cpuMs)} CPU-s/GB, + registry ${perGb(regPub)}); by all CPU per GB (steadier on a shared box): floor ${rawDown ? 'n/a' : pct((rawClient + rawReg) / (floorCpu + floorReg))} of the raw push, ours ${pct((floorCpu + floorReg) / (cpuMs + regPub))} of the floor`,
  );
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;
  const each = (xs: number[]) => xs.map((x) => `${mbps(release.bytes, x).toFixed(0)}`).join(', ');
  return {
    tables: [
      {
        title: `Publishing a ${mb(release.bytes)} release (${PLATFORMS.length} zips; tarball ${mb(release.tarballBytes)} after gzip -1), median of ${rounds} round(s)`,
        columns: ['', 'time', 'throughput', 'each round (MB/s)', 'server peak RSS (VmHWM)'],
        rows: [
          [
            'raw pushBlob of the files (anchor, no verification)',
            anchors.cell(RAW, `${(rawMs / 1000).toFixed(2)} s`),
            anchors.cell(RAW, `${raw.toFixed(1)} MB/s`),
            anchors.cell(RAW, each(raws)),
            'n/a',
          ],
          [
            'work floor: the smallest Node program doing the unskippable work (anchor, bench/lib/publish-floor-program.ts)',
            anchors.cell(FLOOR, `${(floorMs / 1000).toFixed(2)} s`),
            anchors.cell(FLOOR, `${floorMbps.toFixed(1)} MB/s`),
            anchors.cell(FLOOR, each(floors.map((f) => f.ms))),
            'n/a',
          ],
          [
            'PUT .tar.gz to the upload URL (stream, verify, publish)',
            `${(ms / 1000).toFixed(2)} s`,
            `${ours.toFixed(1)} MB/s`,
            each(uploads.map((u) => u.ms)),
            fmtKiB(hwmKiB),
          ],
          ['ratio ours / raw push', '', anchors.cell(RAW, `${(ratio * 100).toFixed(0)} %`), '', ''],
          ['ratio work floor / raw push', '', rawDown || floorDown ? 'unavailable' : pct(floorMbps / raw), '', ''],
          ['ratio ours / work floor', '', anchors.cell(FLOOR, pct(ours / floorMbps)), '', ''],
        ],
      },
      cpuTable,
    ],
    targets: [
      { target: 'server peak RSS during the publish < 200 MB', measured: fmtKiB(hwmKiB), met: hwmKiB < 200 * 1024 },
      {
        target: 'publish throughput >= 80 % of the raw push',
        measured: ratioText,
        met: opts.quick || rawDown ? null : ratio >= 0.8,
      },
      {
        target: 'the limit beside the 0.8 goal: the publish work floor (no code of ours but pushBlob and inspectZip) vs raw push',
        measured: floorText,
        met: null,
      },
    ],
    notes: [
      ...anchors.notes(),
      `Every upload ended ${[...new Set(uploads.map((u) => u.status))].join('/')} and the version was then listed on providers.v1 with all ${PLATFORMS.length} platforms (checked).`,
      'The publish does strictly more work than the anchor: receive the upload, gunzip, tar parsing, a second copy of every zip to a temp file (pushed to the registry and written to disk in one pass, sha256 computed once on the way: OCI digest = zh: = SHA256SUMS line), zip inspection and the h1 hash (reads every zip again, on a worker thread, while the next zip streams in), signature verification, manifests. The anchor only streams the same bytes to the registry.',
      "Work floor: bench/lib/publish-floor-program.ts, run once per round as its own process (`node --import tsx`; its wall time and CPU are counted by itself from the upload's arrival to its end, from /proc/self), on the same .tar.gz against the same registry: receive it as the body of one HTTP PUT (node:http; sent by this process exactly as the publish's), gunzip (node:zlib, 1 MiB chunks), tar-stream, each zip streamed to the registry (the project's pushBlob, sha256 on the way) and to a temp file in one pass, then inspectZip on the file (inflates every entry: the h1 hash; at most 2 in flight, on its own main thread) and deleted; SHA256SUMS and .sig read into memory and every digest checked against SHA256SUMS. No framework, auth, JSON:API, limits, logging, signature check or manifests: what any verifying publish written in Node must do, so its throughput is the limit beside the 0.8 goal.",
      `Prediction for a quiet machine: the publish needs about ${busy(mainMs / gb)} s/GB on its busiest thread and ${busy((cpuMs + regPub) / gb)} CPU-s/GB in all (server + registry, client aside); the work floor ${busy(floorMain / gb)} s/GB on its busiest thread and ${busy((floorCpu + floorReg) / gb)} CPU-s/GB in all (floor + registry); the raw push ${busy((rawClient + rawReg) / gb)} CPU-s/GB (client + registry). On 2 free cores each takes max(busiest thread, all CPU / 2).`,
      `Server RSS idle ${fmtKiB(idleKiB)}; peak ${fmtKiB(hwmKiB)} (VmHWM, includes start-up: tsx compiles TypeScript at load); max polled VmRSS (50 ms) ${fmtKiB(rss.maxKiB)}.`,
      `Server CPU time per upload (median): ${(cpuMs / 1000).toFixed(1)} s for ${(ms / 1000).toFixed(1)} s of wall time; 2 cores are shared by the client, the server and the registry.`,
      "Server: a dedicated `src/main.ts serve` process (the production entry point, configured by environment), so its peak RSS is the publish's alone.",
    ],
  };
}

export const scenario: Scenario = {
  id: 'publish',
  title: 'Publish: a GoReleaser release through the HTTP API vs. raw blob pushes',
  quick: true,
  run: (ctx: BenchContext) =>
    runPublishBench({
      quick: ctx.quick,
      root: ctx.root,
      tmp: ctx.tmp,
      registryUrl: ctx.registry.url,
      registryPid: ctx.registry.pid,
      signer: ctx.signer,
      pushStore: ctx.pushStore,
      log: (m) => ctx.log(m),
    }),
};

async function standalone(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const mbArg = process.argv.find((a) => a.startsWith('--mb='));
  const roundsArg = process.argv.find((a) => a.startsWith('--rounds='));
  const root = fileURLToPath(new URL('..', import.meta.url));
  const tmp = mkdtempSync(join(tmpdir(), 'tfoci-bench-publish-'));
  const profDir = process.argv.includes('--profile') ? join(tmp, 'prof') : undefined;
  if (profDir) mkdirSync(profDir);
  try {
    const registry = await startBenchRegistry(join(tmp, 'registry'));
    const pushStore = createRegistryStore({
      url: registry.url,
      plainHttp: true,
      userAgent: 'bench-push',
      dispatcher: new Agent({ keepAliveTimeout: 10_000 }),
    });
    const result = await runPublishBench({
      quick,
      ...(mbArg ? { totalMb: Number(mbArg.slice(5)) } : {}),
      ...(roundsArg ? { rounds: Number(roundsArg.slice(9)) } : {}),
      ...(profDir ? { cpuProfileDir: profDir } : {}),
      root,
      tmp,
      registryUrl: registry.url,
      registryPid: registry.pid,
      signer: await createBenchSigner(),
      pushStore,
      log: (m) => process.stderr.write(`${m}\n`),
    });
    for (const t of result.tables) {
      console.log(`\n### ${t.title}\n\n| ${t.columns.join(' | ')} |\n|${t.columns.map(() => '---').join('|')}|`);
      for (const r of t.rows) console.log(`| ${r.join(' | ')} |`);
    }
    console.log('');
    for (const t of result.targets)
      console.log(`- ${t.met === null ? 'n/a' : t.met ? 'MET' : 'MISSED'}: ${t.target} (measured ${t.measured})`);
    for (const n of result.notes) console.log(`- ${n}`);
    if (profDir) {
      for (const f of readdirSync(profDir).filter((n) => /\.0\.\d+\.cpuprofile$/.test(n))) {
        const kept = join(root, '.tmp', 'bench-profile-publish.cpuprofile');
        mkdirSync(join(root, '.tmp'), { recursive: true });
        copyFileSync(join(profDir, f), kept);
        const text = [`# CPU profile: publish (${kept})`, '', ...summarizeProfile(kept).tables.map((t) => renderTable(t))].join('\n\n');
        writeFileSync(join(root, '.tmp', 'bench-profile-publish.md'), text);
        console.log(`\n${text}`);
      }
    }
  } finally {
    await stopAll();
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await standalone();
