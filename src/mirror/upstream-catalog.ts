// What the upstreams say, cached: version listings for mirror.upstream_ttl (the upstream may publish
// new versions), and VERIFIED releases for as long as the process lives, bounded (a release's
// SHA256SUMS is signed and immutable; docs/design/protocols.md §4). Concurrent misses share one fetch.
// An upstream that fails is reported to the caller, who decides whether stored content can answer.
import { BoundedMap } from '../core/bounded-map.js';
import { SingleFlight, TtlCache } from '../core/lru-cache.js';
import { formatProviderAddress } from '../upstream/address.js';
import type { ProviderAddress, UpstreamVersion } from '../upstream/types.js';
import { type VerifiedRelease, verifyRelease } from '../upstream/verify-release.js';
import type { Upstream } from './deps.js';

export interface UpstreamCatalog {
  /** The upstream's versions of `address` (cached for the TTL). */
  versions(upstream: Upstream, address: ProviderAddress): Promise<UpstreamVersion[]>;
  /** The upstream's release of `address` at `version`, its signature verified (cached). */
  release(upstream: Upstream, address: ProviderAddress, version: string): Promise<VerifiedRelease>;
}

export function createUpstreamCatalog(opts: { ttlMs: number; now: () => number; maxReleases?: number }): UpstreamCatalog {
  const listings = new TtlCache<UpstreamVersion[]>(opts.ttlMs, 4096, opts.now);
  const releases = new BoundedMap<string, VerifiedRelease>(opts.maxReleases ?? 512);
  const flight = new SingleFlight();
  const versions = (upstream: Upstream, address: ProviderAddress): Promise<UpstreamVersion[]> => {
    const key = formatProviderAddress(address);
    const cached = listings.get(key);
    if (cached) return Promise.resolve(cached);
    return flight.do(`versions|${key}`, async () => {
      const list = await upstream.source.listVersions(address);
      listings.set(key, list);
      return list;
    });
  };
  return {
    versions,
    release(upstream, address, version) {
      const key = `${formatProviderAddress(address)}@${version}`;
      const cached = releases.get(key);
      if (cached) return Promise.resolve(cached);
      return flight.do(`release|${key}`, async () => {
        // The platforms from the cached listing when it names the version: the source then skips its own
        // listing request (for a large provider a big document) before the per-platform ones.
        const listed = listings.get(formatProviderAddress(address))?.find((v) => v.version === version);
        const described = await upstream.source.getRelease(address, version, listed ? { platforms: listed.platforms } : {});
        const verified = await verifyRelease(described, upstream.trustedKeys.length > 0 ? { trustedKeys: [...upstream.trustedKeys] } : {});
        releases.set(key, verified);
        return verified;
      });
    },
  };
}
