// Pull-through for the provider network mirror (docs/mirror.md): for a hostname with a configured
// [[mirror.upstream]], the mirror's documents merge what is stored with what the upstream offers, and a
// platform not stored yet is served through a `pull` capability URL whose first download streams from the
// upstream to the client while the package is verified and stored (fetch-platform.ts).
//   index.json      stored versions + the upstream's (listing cached mirror.upstream_ttl); the upstream
//                   down: the stored versions alone, with a warning in the log (never a 5xx for them)
//   <version>.json  stored platforms with zh: + h1:, the others with the zh: of the SIGNED SHA256SUMS:
//                   from the stored copy when the version is stored (no upstream request), else from
//                   the upstream's release, verified first (signature over the exact SHA256SUMS bytes)
// Reference: https://developer.hashicorp.com/terraform/internals/provider-network-mirror-protocol
import type { Readable } from 'node:stream';
import { PassThrough } from 'node:stream';
import { AppError } from '../core/app-error.js';
import { openCapability, sealCapability } from '../core/capability.js';
import { type Caller, callOpts } from '../core/caller.js';
import { sealDownload } from '../core/download-tickets.js';
import { storeError } from '../core/store-errors.js';
import { isLayoutError } from '../layout/errors.js';
import { providerRepository } from '../layout/names.js';
import { checkProviderAddress, formatProviderAddress, packageFilename, platformKey } from '../upstream/address.js';
import { isUpstreamError } from '../upstream/errors.js';
import type { ProviderAddress } from '../upstream/types.js';
import { isVersion, sortVersions } from '../upstream/version-constraints.js';
import { parseShasums } from '../verify/shasums.js';
import { type CheckedPackage, type CheckedRelease, fromVerified } from './checked-release.js';
import type { MirrorDeps, Upstream } from './deps.js';
import { toMirrorError } from './errors.js';
import type { PlatformFetcher } from './fetch-platform.js';
import { type StoredVersion, storedVersion, storedVersions } from './stored.js';
import type { UpstreamCatalog } from './upstream-catalog.js';

/** One archive of a <version>.json document: the URL tail under /download/ and its hashes. */
export interface PullArchive {
  download: string;
  hashes: string[];
}

/** The fields of a `pull` capability (short keys: they travel in URLs). */
interface PullTicket {
  h: string;
  n: string;
  t: string;
  v: string;
  o: string;
  a: string;
  f: string;
  s: string;
}

const PULL_WORDS = { what: 'mirror download URL', renew: 'ask the mirror for the version document again' };

export interface PullDownload {
  /** The repository the package is (being) stored in. */
  repository: string;
  /** Who the pull URL was issued to (label or principal), for usage reports. */
  issuedTo: string;
  body: Readable;
  size?: number;
  contentType: string;
}

export class PullThrough {
  readonly #deps: MirrorDeps;
  readonly #catalog: UpstreamCatalog;
  readonly #fetcher: PlatformFetcher;

  constructor(deps: MirrorDeps, catalog: UpstreamCatalog, fetcher: PlatformFetcher) {
    this.#deps = deps;
    this.#catalog = catalog;
    this.#fetcher = fetcher;
  }

  /** True when `hostname` (as in a mirror path) has a configured upstream. */
  handles(hostname: string): boolean {
    return this.#deps.upstreams.has(hostname.toLowerCase());
  }

  async mirrorIndex(hostname: string, namespace: string, type: string, caller: Caller): Promise<readonly string[]> {
    const { upstream, address, repository } = this.#locate(hostname, namespace, type);
    const stored = await this.#storedVersions(repository, caller);
    let offered: string[];
    try {
      offered = (await this.#catalog.versions(upstream, address)).map((v) => v.version);
    } catch (err) {
      if (isUpstreamError(err, 'NOT_FOUND') && stored.length === 0) {
        throw new AppError(
          'PROVIDER_NOT_FOUND',
          `provider ${formatProviderAddress(address)} is not in this mirror nor at ${upstream.source.describe}`,
        );
      }
      if (stored.length === 0) throw toMirrorError(err, upstream.source.describe);
      this.#deps.logger.warn(
        { err: (err as Error).message, provider: formatProviderAddress(address), upstream: upstream.source.describe },
        'upstream unavailable: the mirror lists the stored versions only',
      );
      offered = [];
    }
    const versions = sortVersions(new Set([...stored, ...offered.filter(isVersion)]));
    // terraform asks for <version>.json of the newest matching version next: verify that release now,
    // in the background, when it is not stored (its metadata is ~6 upstream requests and a signature check).
    const newest = versions.filter((v) => !v.includes('-')).at(-1);
    if (newest !== undefined && !stored.includes(newest)) this.#catalog.release(upstream, address, newest).catch(() => undefined);
    return Object.freeze(versions);
  }

  async mirrorVersion(
    input: { hostname: string; namespace: string; type: string; version: string },
    caller: Caller,
  ): Promise<Readonly<Record<string, PullArchive>>> {
    const { upstream, address, repository } = this.#locate(input.hostname, input.namespace, input.type);
    if (!isVersion(input.version)) throw new AppError('VERSION_NOT_FOUND', `"${input.version}" is not a version`);
    const version = input.version;
    const stored = await this.#stored(repository, version, caller);
    const out: Record<string, PullArchive> = {};
    for (const p of stored?.platforms ?? []) {
      const filename = p.filename ?? packageFilename(address.type, version, p);
      out[platformKey(p)] = {
        download: sealDownload(this.#deps, caller, repository, p.layer.layer, filename, 'application/zip'),
        hashes: [`zh:${p.layer.shasumHex}`, ...(p.h1 ? [p.h1] : [])],
      };
    }
    // Platforms not stored yet: from the stored signed SHA256SUMS when there is one (no upstream request),
    // else from the upstream's verified release.
    let missing: CheckedPackage[];
    if (stored?.signed) {
      missing = listedPackages(address, version, stored.signed.shasums).filter((p) => out[platformKey(p)] === undefined);
    } else {
      try {
        const release = fromVerified(await this.#catalog.release(upstream, address, version));
        missing = release.platforms.filter((p) => out[platformKey(p)] === undefined);
      } catch (err) {
        if (stored) {
          this.#deps.logger.warn(
            { err: (err as Error).message, provider: formatProviderAddress(address), version },
            'upstream unavailable: the mirror serves the stored platforms only',
          );
          missing = [];
        } else if (isUpstreamError(err, 'NOT_FOUND')) {
          throw new AppError(
            'VERSION_NOT_FOUND',
            `provider ${formatProviderAddress(address)} has no version ${version} in this mirror nor at ${upstream.source.describe}`,
          );
        } else throw toMirrorError(err, upstream.source.describe);
      }
    }
    for (const p of missing) {
      if (p.sha256 === undefined) continue;
      const fields: PullTicket = {
        h: address.hostname,
        n: address.namespace,
        t: address.type,
        v: version,
        o: p.os,
        a: p.arch,
        f: p.filename,
        s: p.sha256,
      };
      const ticket = sealCapability(this.#deps.tokens, 'pull', caller, fields, this.#deps.downloadTtl);
      out[platformKey(p)] = { download: `pull/${ticket}/${encodeURIComponent(p.filename)}`, hashes: [`zh:${p.sha256}`] };
    }
    return Object.freeze(Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
  }

  /** GET /download/pull/<ticket>/<file>: the stored blob, or the first download streamed from the upstream. */
  async openPull(token: string, signal?: AbortSignal): Promise<PullDownload> {
    const { fields: t, caller: issued } = openCapability<PullTicket>(this.#deps.tokens, 'pull', token, PULL_WORDS, signal);
    const { upstream, address, repository } = this.#locate(t.h, t.n, t.t);
    const platform = { os: t.o, arch: t.a };
    const issuedTo = issued.label ?? issued.principal;
    const fromStore = async (): Promise<PullDownload | undefined> => {
      const stored = await this.#stored(repository, t.v, this.#deps.writer);
      const p = stored?.platforms.find((x) => x.os === platform.os && x.arch === platform.arch);
      if (!p) return undefined;
      if (p.layer.shasumHex !== t.s) {
        throw new AppError(
          'CONFLICT',
          `${t.f}: the mirror stores another package (sha256 ${p.layer.shasumHex}) than this URL names; ask for the version document again`,
        );
      }
      try {
        const blob = await this.#deps.store.fetchBlob(repository, p.layer.layer.digest, { ...callOpts(this.#deps.writer), verify: 'size' });
        return { repository, issuedTo, body: blob.body, size: p.layer.layer.size, contentType: 'application/zip' };
      } catch (err) {
        throw storeError(err, this.#deps);
      }
    };
    const already = await fromStore();
    if (already) return already;
    let release: CheckedRelease;
    try {
      release = fromVerified(await this.#catalog.release(upstream, address, t.v));
    } catch (err) {
      throw toMirrorError(err, upstream.source.describe);
    }
    const pkg = release.platforms.find((p) => p.os === platform.os && p.arch === platform.arch);
    if (!pkg || pkg.sha256 !== t.s) {
      throw new AppError(
        'UPSTREAM_CHECKSUM_MISMATCH',
        `${t.f}: ${upstream.source.describe} now offers another package than the one this URL names (sha256 ${t.s})`,
      );
    }
    const running = this.#fetcher.running(release, pkg);
    if (running) {
      await running;
      const stored = await fromStore();
      if (stored) return stored;
    }
    const client = new PassThrough({ highWaterMark: 1 << 20 });
    // A failure before the answer started destroys the client stream with nobody reading it yet.
    client.on('error', () => undefined);
    // The answer starts once the upstream has answered: an upstream that cannot be reached is a 502 with
    // its reason, not a 200 that breaks off; a failure later ends the transfer short (never complete-looking).
    let opened!: () => void;
    const upstreamOpen = new Promise<void>((resolve) => {
      opened = resolve;
    });
    const done = this.#fetcher.fetch(upstream.source, release, pkg, client, undefined, opened);
    await Promise.race([upstreamOpen, done.then(() => undefined)]);
    done.catch((err: unknown) => {
      this.#deps.logger.warn(
        { err: (err as Error).message, provider: formatProviderAddress(address), version: t.v, platform: platformKey(pkg) },
        'pull-through fetch failed; nothing was stored',
      );
    });
    return { repository, issuedTo, body: client, ...(pkg.size !== undefined ? { size: pkg.size } : {}), contentType: 'application/zip' };
  }

  #locate(hostname: string, namespace: string, type: string): { upstream: Upstream; address: ProviderAddress; repository: string } {
    const upstream = this.#deps.upstreams.get(hostname.toLowerCase());
    if (!upstream) throw new AppError('PROVIDER_NOT_FOUND', `no upstream is configured for ${hostname}`);
    let address: ProviderAddress;
    let repository: string;
    try {
      address = checkProviderAddress({ hostname: upstream.hostname, namespace, type });
      repository = providerRepository(this.#deps.prefix, address.hostname, address.namespace, address.type);
    } catch (err) {
      if (isUpstreamError(err) || isLayoutError(err)) throw new AppError('PROVIDER_NOT_FOUND', (err as Error).message);
      throw err;
    }
    return { upstream, address, repository };
  }

  async #storedVersions(repository: string, caller: Caller): Promise<string[]> {
    try {
      return await storedVersions(this.#deps, repository, caller);
    } catch (err) {
      throw storeError(err, this.#deps);
    }
  }

  async #stored(repository: string, version: string, caller: Caller): Promise<StoredVersion | null> {
    try {
      return await storedVersion(this.#deps, repository, version, caller);
    } catch (err) {
      throw storeError(err, this.#deps);
    }
  }
}

/** The platform packages a signed SHA256SUMS lists for this provider and version (other lines ignored). */
function listedPackages(address: ProviderAddress, version: string, shasums: Buffer): CheckedPackage[] {
  const prefix = `terraform-provider-${address.type}_${version}_`;
  const out: CheckedPackage[] = [];
  for (const [filename, sha256] of parseShasums(shasums)) {
    if (!filename.startsWith(prefix) || !filename.endsWith('.zip')) continue;
    const m = /^([a-z0-9]+)_([a-z0-9]+)$/.exec(filename.slice(prefix.length, -'.zip'.length));
    if (m) out.push({ os: m[1]!, arch: m[2]!, filename, sha256, hashes: [`zh:${sha256}`] });
  }
  return out;
}
