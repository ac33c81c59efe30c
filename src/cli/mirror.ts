// `tf-oci-registry mirror`: imports provider releases into the configured store (docs/mirror.md), from the
// providers' own registries (or their [[mirror.upstream]] url), a lock file's exact versions and hashes,
// a `terraform providers mirror` directory, another network mirror, or an image-layout directory carried
// across an air gap. Progress per file on a terminal (cli-progress), plain lines otherwise, a summary
// table at the end; exit 1 when anything failed. Re-running skips what is stored.
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import cliProgress from 'cli-progress';
import { UsageError } from './errors.js';
import type { Config } from '../config/load.js';
import type { ImportEvents, ImportItem, ImportResult, ImportSource, ImportWant } from '../mirror/import-providers.js';
import { createLayoutSource } from '../mirror/layout-source.js';
import { formatProviderAddress, parsePlatform, parseProviderAddress } from '../upstream/address.js';
import { createDirectorySource } from '../upstream/directory-source.js';
import { parseLockFile } from '../upstream/lock-file.js';
import { createMirrorSource } from '../upstream/mirror-source.js';
import { createRegistrySource } from '../upstream/registry-source.js';
import type { ProviderAddress } from '../upstream/types.js';
import { parseVersionConstraints } from '../upstream/version-constraints.js';
import { createUpstreamDispatcher } from '../wiring/upstreams.js';
import { createLogger, createServerDeps, createStore } from '../wiring/server-app.js';

export interface MirrorOptions {
  version?: string;
  platform?: string[];
  lockFile?: string;
  fromDir?: string;
  fromMirror?: string;
  fromLayout?: string;
  fromPrefix?: string;
  dryRun?: boolean;
  /** A [[mirror.service]] name: import into its store, with its upstreams. */
  service?: string;
}

export interface MirrorIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/** Runs the import; resolves with the exit code (0 all done or skipped, 1 something failed). */
export async function runMirror(configured: Config, addresses: readonly string[], o: MirrorOptions, io: MirrorIo): Promise<number> {
  const config = o.service !== undefined ? serviceConfig(configured, o.service) : configured;
  const sources = [o.fromDir, o.fromMirror, o.fromLayout].filter((x) => x !== undefined);
  if (sources.length > 1) throw new UsageError('give at most one of --from-dir, --from-mirror, --from-layout');
  if (addresses.length === 0 && o.lockFile === undefined && o.fromLayout === undefined) {
    throw new UsageError('name at least one provider address (e.g. hashicorp/aws), or --lock-file FILE, or --from-layout DIR');
  }
  // Warnings and errors of the server code go to stderr as JSON lines; the progress and the summary are ours.
  const logger = createLogger('warn', new Writable({ write: (c, _e, cb) => io.stderr.write(c, cb) }));
  const store = createStore(config, logger);
  const { mirror } = createServerDeps(config, logger, store);
  const dispatcher = createUpstreamDispatcher(config.proxy);
  const platforms = (o.platform ?? []).map(parsePlatform);
  const constraint = o.version !== undefined ? parseVersionConstraints(o.version) : undefined;
  const only = addresses.map((a) => parseProviderAddress(a));

  let wants: ImportWant[];
  if (o.lockFile !== undefined) {
    const locked = parseLockFile(readFileSync(o.lockFile, 'utf8'), o.lockFile);
    wants = locked
      .filter((l) => only.length === 0 || only.some((a) => formatProviderAddress(a) === formatProviderAddress(l.address)))
      .map((l) => ({ address: l.address, versions: [l.version], lockHashes: l.hashes, ...(platforms.length ? { platforms } : {}) }));
  } else {
    wants = only.map((address) => ({ address, ...(constraint ? { constraint } : {}), ...(platforms.length ? { platforms } : {}) }));
  }

  let layout: ReturnType<typeof createLayoutSource> | undefined;
  if (o.fromLayout !== undefined) {
    layout = createLayoutSource({ path: o.fromLayout, prefix: o.fromPrefix ?? config.storage.prefix, logger });
    if (wants.length === 0) wants = (await layout.providers()).map((address) => ({ address }));
    // A carried layout is imported whole unless a constraint says otherwise: every stored version.
    if (!constraint) {
      const withVersions: ImportWant[] = [];
      for (const w of wants) {
        if (w.versions) withVersions.push(w);
        else withVersions.push({ ...w, versions: (await layout.listVersions(w.address)).map((v) => v.version) });
      }
      wants = withVersions;
    }
  }

  const events = progressEvents(io);
  const results: ImportResult[] = [];
  const errors: string[] = [];
  for (const [from, group] of groupBySource(wants, (w) => pickSource(config, o, w.address, dispatcher, layout))) {
    const summary = await mirror.importProviders(from, group, { dryRun: o.dryRun === true, events });
    results.push(...summary.results);
    errors.push(...summary.errors);
  }
  events.close();
  io.stdout.write(summaryTable(results, errors, o.dryRun === true));
  return errors.length > 0 || results.some((r) => r.outcome === 'failed') ? 1 : 0;
}

/** The configuration as seen from one mirror service: its store, download mode, upstreams and writer. */
function serviceConfig(config: Config, name: string): Config {
  const svc = config.mirror.services.find((s) => s.name === name);
  if (!svc) {
    const names = config.mirror.services.map((s) => s.name);
    throw new UsageError(
      `--service ${name}: no [[mirror.service]] of that name in the configuration (${names.length ? `configured: ${names.join(', ')}` : 'none configured'})`,
    );
  }
  const { username: _u, password: _p, ...mirror } = config.mirror;
  return {
    ...config,
    storage: svc.storage,
    server: { ...config.server, downloadMode: svc.downloadMode },
    mirror: { ...mirror, upstreams: svc.upstreams, upstreamTtl: svc.upstreamTtl, services: [], ...(svc.writer ?? {}) },
  };
}

/** The source of one provider: the chosen --from-*, else its registry (a configured upstream's url and keys). */
function pickSource(
  config: Config,
  o: MirrorOptions,
  address: ProviderAddress,
  dispatcher: ReturnType<typeof createUpstreamDispatcher>,
  layout?: ReturnType<typeof createLayoutSource>,
): ImportSource {
  const configured = config.mirror.upstreams.find((u) => u.hostname === address.hostname);
  const trustedKeys = configured?.signingKeys ?? [];
  if (layout) return { source: layout, trustedKeys };
  if (o.fromDir !== undefined) return { source: createDirectorySource({ root: o.fromDir }) };
  if (o.fromMirror !== undefined)
    return { source: createMirrorSource({ baseUrl: o.fromMirror, dispatcher, userAgent: 'tf-oci-registry (mirror)' }) };
  const source = createRegistrySource({
    dispatcher,
    timeoutMs: config.server.requestTimeout * 1000,
    userAgent: 'tf-oci-registry (mirror)',
    ...(configured ? { discoveryUrls: { [address.hostname]: configured.url.href } } : {}),
  });
  return { source, trustedKeys };
}

/** Groups wants by the source object that serves them (one registry source per hostname). */
function groupBySource(wants: ImportWant[], pick: (w: ImportWant) => ImportSource): Map<ImportSource, ImportWant[]> {
  const byKey = new Map<string, { from: ImportSource; wants: ImportWant[] }>();
  for (const w of wants) {
    const from = pick(w);
    const key = from.source.describe;
    const entry = byKey.get(key) ?? { from, wants: [] };
    entry.wants.push(w);
    byKey.set(key, entry);
  }
  return new Map([...byKey.values()].map((e) => [e.from, e.wants]));
}

const MB = 1024 * 1024;
const fmtBytes = (n: number | undefined) =>
  n === undefined ? '' : n >= MB ? `${(n / MB).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1024))} KB`;
const label = (i: ImportItem) => `${i.provider} ${i.version} ${i.platform}`;

/** Progress bars on a terminal; plain lines (one per file and outcome) otherwise. */
function progressEvents(io: MirrorIo): ImportEvents & { close(): void } {
  const line = (s: string) => io.stderr.write(`${s}\n`);
  if (!io.stderr.isTTY) {
    return {
      planned: (items) => {
        if (items.length > 0) line(`mirror: ${items[0]!.provider} ${items[0]!.version}: ${items.length} platform(s)`);
      },
      started: (i) => line(`mirror: fetching ${label(i)}${i.size ? ` (${fmtBytes(i.size)})` : ''}`),
      finished: (r) =>
        line(`mirror: ${r.outcome} ${label(r)}${r.bytes ? ` (${fmtBytes(r.bytes)})` : ''}${r.detail ? `: ${r.detail}` : ''}`),
      warning: (m) => line(`mirror: warning: ${m}`),
      close: () => undefined,
    };
  }
  const multi = new cliProgress.MultiBar(
    {
      format: ' {bar} {percentage}% | {name} | {value_mb}/{total_mb} MB | {speed} | ETA {eta_formatted}',
      hideCursor: true,
      clearOnComplete: false,
      stream: io.stderr as NodeJS.WriteStream,
    },
    cliProgress.Presets.shades_grey,
  );
  const bars = new Map<string, { bar: cliProgress.SingleBar; started: number }>();
  const overall = multi.create(0, 0, { name: 'overall', value_mb: '0', total_mb: '?', speed: '' });
  let total = 0;
  return {
    planned: (items) => {
      total += items.length;
      overall.setTotal(total);
    },
    started: (i) => {
      const bar = multi.create(i.size ?? 0, 0, {
        name: label(i),
        value_mb: '0',
        total_mb: i.size ? (i.size / MB).toFixed(1) : '?',
        speed: '',
      });
      bars.set(label(i), { bar, started: Date.now() });
    },
    progress: (i, bytes) => {
      const b = bars.get(label(i));
      if (!b) return;
      if (!i.size) b.bar.setTotal(Math.max(bytes, 1));
      const secs = Math.max(0.001, (Date.now() - b.started) / 1000);
      b.bar.update(bytes, { value_mb: (bytes / MB).toFixed(1), speed: `${(bytes / MB / secs).toFixed(1)} MB/s` });
    },
    finished: (r) => {
      overall.increment(1, { name: `overall (${r.outcome} ${label(r)})` });
      const b = bars.get(label(r));
      if (b) b.bar.stop();
    },
    warning: (m) => multi.log(`warning: ${m}\n`),
    close: () => multi.stop(),
  };
}

function summaryTable(results: readonly ImportResult[], errors: readonly string[], dryRun: boolean): string {
  const rows = results.map((r) => [r.provider, r.version, r.platform, r.outcome, fmtBytes(r.bytes ?? r.size), r.detail ?? '']);
  const head = ['PROVIDER', 'VERSION', 'PLATFORM', 'RESULT', 'SIZE', 'DETAIL'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => `${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')}`.trimEnd();
  const count = (o: ImportResult['outcome']) => results.filter((r) => r.outcome === o).length;
  const lines = [fmt(head), ...rows.map(fmt)];
  for (const e of errors) lines.push(`error: ${e}`);
  lines.push(
    dryRun
      ? `dry run: ${count('planned')} to import, ${count('skipped')} already stored, ${count('failed') + errors.length} failed`
      : `${count('imported')} imported, ${count('skipped')} already stored, ${count('failed') + errors.length} failed`,
  );
  return `${lines.join('\n')}\n`;
}
