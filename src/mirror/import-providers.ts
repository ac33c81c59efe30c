// Import: copies provider releases from a source (a providers.v1 registry, a network mirror, a
// `terraform providers mirror` directory, or a mirrored OCI image-layout directory) into the store, with
// the same checks as pull-through (fetch-platform.ts): signed releases verified by signature, others by
// the hashes the source gives, and every zip against a lock file's hashes when one is given (Terraform's
// rule: one matching zh: or h1: is enough). Idempotent: platforms already stored with the same zip are
// skipped, never uploaded again. Reports every step to `events` (the CLI's progress and summary).
import { formatProviderAddress, platformKey } from '../upstream/address.js';
import { isUpstreamError } from '../upstream/errors.js';
import { sha256FromHashes, zhHash } from '../upstream/hashes.js';
import type { Platform, ProviderAddress, ProviderSource, UpstreamRelease } from '../upstream/types.js';
import { newestMatching, sortVersions, type VersionMatcher } from '../upstream/version-constraints.js';
import { verifyRelease } from '../upstream/verify-release.js';
import { mapLimit } from '../core/map-limit.js';
import { providerRepository } from '../layout/names.js';
import { type CheckedPackage, type CheckedRelease, fromVerified } from './checked-release.js';
import type { MirrorDeps } from './deps.js';
import { toMirrorError } from './errors.js';
import type { PlatformFetcher } from './fetch-platform.js';
import { storedVersion } from './stored.js';

/** What to import of one provider. */
export interface ImportWant {
  address: ProviderAddress;
  /** Exact versions (a lock file), or a constraint (the newest matching version), or undefined (the newest). */
  versions?: readonly string[];
  constraint?: VersionMatcher;
  /** Only these platforms (default: every platform of the release, or those the lock hashes name). */
  platforms?: readonly Platform[];
  /** Lock file hashes: every imported zip must match one; with zh: hashes they also pick the platforms. */
  lockHashes?: readonly string[];
}

/** Platforms of one release fetched at once. */
const PLATFORM_CONCURRENCY = 2;

export interface ImportSource {
  source: ProviderSource;
  /** Pinned keys for signed releases; empty = the keys the source returns. */
  trustedKeys?: readonly string[];
}

/** One platform of one version: the unit of work, progress and the summary. */
export interface ImportItem {
  provider: string;
  version: string;
  platform: string;
  filename: string;
  size?: number;
}

export type ImportOutcome = 'imported' | 'skipped' | 'planned' | 'failed';

export interface ImportResult extends ImportItem {
  outcome: ImportOutcome;
  /** Why it failed, or why it was skipped. */
  detail?: string;
  bytes?: number;
}

export interface ImportEvents {
  /** The release of a version was read (and verified); `items` are about to be fetched. */
  planned?(items: readonly ImportItem[]): void;
  started?(item: ImportItem): void;
  /** Bytes received for `item` so far. */
  progress?(item: ImportItem, bytes: number): void;
  finished?(result: ImportResult): void;
  /** A warning that does not stop the import (e.g. a signing key expiring soon). */
  warning?(message: string): void;
}

export interface ImportSummary {
  results: ImportResult[];
  /** Failures that are not one platform's (an unknown provider, a version that does not verify). */
  errors: string[];
}

export async function importProviders(
  deps: MirrorDeps,
  fetcher: PlatformFetcher,
  from: ImportSource,
  wants: readonly ImportWant[],
  opts: { dryRun?: boolean; events?: ImportEvents } = {},
): Promise<ImportSummary> {
  const events = opts.events ?? {};
  const summary: ImportSummary = { results: [], errors: [] };
  for (const want of wants) {
    const name = formatProviderAddress(want.address);
    let versions: string[];
    try {
      versions = await chooseVersions(from.source, want);
    } catch (err) {
      summary.errors.push(`${name}: ${toMirrorError(err, from.source.describe).message}`);
      continue;
    }
    for (const version of versions) {
      try {
        const release = await checkedRelease(from, want, version, events);
        await importRelease(deps, fetcher, from.source, release, want, summary, events, opts.dryRun === true);
      } catch (err) {
        summary.errors.push(`${name} ${version}: ${toMirrorError(err, from.source.describe).message}`);
      }
    }
  }
  return summary;
}

async function chooseVersions(source: ProviderSource, want: ImportWant): Promise<string[]> {
  if (want.versions) return [...want.versions];
  const offered = (await source.listVersions(want.address)).map((v) => v.version);
  const matcher = want.constraint;
  const newest = matcher ? newestMatching(offered, matcher) : sortVersions(offered).at(-1);
  if (newest === undefined) {
    const what = matcher ? `no version matches "${matcher.text}"` : 'no versions';
    throw new Error(`${what} (offered: ${sortVersions(offered).slice(-5).join(', ') || 'none'})`);
  }
  return [newest];
}

/** The release, verified by signature when the source has one, else checked by hashes only. */
async function checkedRelease(from: ImportSource, want: ImportWant, version: string, events: ImportEvents): Promise<CheckedRelease> {
  const described: UpstreamRelease = await from.source.getRelease(
    want.address,
    version,
    want.platforms ? { platforms: [...want.platforms] } : {},
  );
  if (described.shasums !== undefined && described.signature !== undefined) {
    const keys = from.trustedKeys && from.trustedKeys.length > 0 ? { trustedKeys: [...from.trustedKeys] } : {};
    const verified = fromVerified(await verifyRelease(described, keys));
    for (const w of verified.warnings) events.warning?.(`${formatProviderAddress(want.address)} ${version}: ${w}`);
    return verified;
  }
  // Mirror-only: integrity from the hashes the source gives (a zh: is the zip's sha256).
  const platforms: CheckedPackage[] = described.platforms.map((p) => {
    const sha256 = p.sha256 ?? sha256FromHashes(p.hashes, p.filename);
    return { ...p, ...(sha256 ? { sha256 } : {}) };
  });
  return { address: described.address, version, protocols: described.protocols, platforms, warnings: [] };
}

async function importRelease(
  deps: MirrorDeps,
  fetcher: PlatformFetcher,
  source: ProviderSource,
  release: CheckedRelease,
  want: ImportWant,
  summary: ImportSummary,
  events: ImportEvents,
  dryRun: boolean,
): Promise<void> {
  const provider = formatProviderAddress(release.address);
  const lock = want.lockHashes ?? [];
  const lockZh = lock.filter((h) => h.startsWith('zh:'));
  let packages = release.platforms;
  if (want.platforms) {
    const keys = new Set(want.platforms.map(platformKey));
    const missing = [...keys].filter((k) => !packages.some((p) => platformKey(p) === k));
    if (missing.length > 0) throw new Error(`platform(s) ${missing.join(', ')} not offered by ${source.describe}`);
    packages = packages.filter((p) => keys.has(platformKey(p)));
  } else if (lockZh.length > 0) {
    // A lock file's zh: hashes name the platforms it was made for.
    packages = packages.filter((p) => p.sha256 !== undefined && lockZh.includes(zhHash(p.sha256)));
    if (packages.length === 0) throw new Error(`no platform of ${source.describe} matches the lock file's zh: hashes`);
  }
  const repository = providerRepository(deps.prefix, release.address.hostname, release.address.namespace, release.address.type);
  const stored = await storedVersion(deps, repository, release.version, deps.writer);
  const items = packages.map((p) => ({
    pkg: p,
    item: {
      provider,
      version: release.version,
      platform: platformKey(p),
      filename: p.filename,
      ...(p.size !== undefined ? { size: p.size } : {}),
    },
  }));
  events.planned?.(items.map((i) => i.item));
  // Platforms in parallel (bounded): one's h1 and index write overlap the next one's transfer.
  const finish = (result: ImportResult): void => {
    summary.results.push(result);
    events.finished?.(result);
    if (result.outcome !== 'planned') deps.onImportOutcome?.(result.outcome, importReason(result));
  };
  const lockH1 = lock.filter((h) => h.startsWith('h1:'));
  await mapLimit(items, PLATFORM_CONCURRENCY, async ({ pkg, item }) => {
    const have = stored?.platforms.find((s) => s.os === pkg.os && s.arch === pkg.arch);
    if (have) {
      if (pkg.sha256 === undefined || have.layer.shasumHex === pkg.sha256)
        return finish({ ...item, outcome: 'skipped', detail: 'already in the store' });
      return finish({
        ...item,
        outcome: 'failed',
        detail: `the store holds another zip (sha256 ${have.layer.shasumHex}) for this version and platform`,
      });
    }
    // What the zip is checked against: its sha256 (checked while it streams) and the h1: hashes in `hashes`
    // (checked before anything is stored). With a lock file, a zip whose zh: the lock lists passes on its
    // sha256; any other must have one of the lock's h1: hashes.
    let checked: CheckedPackage = pkg;
    if (lock.length > 0 && !(pkg.sha256 !== undefined && lock.includes(zhHash(pkg.sha256)))) {
      if (lockH1.length === 0) return finish({ ...item, outcome: 'failed', detail: 'matches no hash of the lock file' });
      checked = { ...pkg, hashes: lockH1 };
    } else if (lock.length === 0 && pkg.sha256 === undefined && !pkg.hashes.some((h) => h.startsWith('h1:'))) {
      return finish({
        ...item,
        outcome: 'failed',
        detail: `${source.describe} gives no hash to check this package against (use --lock-file)`,
      });
    }
    if (dryRun) return finish({ ...item, outcome: 'planned' });
    events.started?.(item);
    try {
      const fetched = await fetcher.fetch(source, release, checked, undefined, (bytes) => events.progress?.(item, bytes));
      finish({
        ...item,
        outcome: fetched.stored ? 'imported' : 'skipped',
        bytes: fetched.size,
        ...(fetched.stored ? {} : { detail: 'stored meanwhile' }),
      });
    } catch (err) {
      finish({ ...item, outcome: 'failed', detail: isUpstreamError(err) ? err.message : toMirrorError(err, source.describe).message });
    }
  });
}

/** A short metric label for an import result: ok, already_stored, verification, registry_error or failed. */
export function importReason(r: ImportResult): string {
  if (r.outcome === 'imported') return 'ok';
  if (r.outcome === 'skipped') return 'already_stored';
  const d = r.detail ?? '';
  if (/checksum|sha256|signature|hash|h1:|zh:|zip|verif/i.test(d)) return 'verification';
  if (/registry|store|upstream|timed? ?out|unavailable|refused|HTTP 5/i.test(d)) return 'registry_error';
  return 'failed';
}
