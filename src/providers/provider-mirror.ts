// Use cases of the provider network mirror protocol: the versions of any provider (any hostname) and one
// version's archives with `h1:` and `zh:` hashes. Reference: docs/design/protocols.md §5; Terraform
// internal/getproviders/http_mirror_source.go. Serving both hash schemes lets lock files made here
// satisfy tofu's oci_mirror (which checks zh:) and Terraform (which records h1:). Both documents are
// memoized (memoized.ts): index.json on the caller's listing, <version>.json (sealed tickets inside) per
// principal for the document window.
import { defaultProviderFilename } from '../layout/provider-release.js';
import { locateProvider, parseVersion, type ProviderLocation } from './addresses.js';
import type { Caller } from '../core/caller.js';
import type { ProviderDeps } from './deps.js';
import { mapLimit } from '../core/map-limit.js';
import { sealDownload } from '../core/download-tickets.js';
import { resolveH1 } from '../provider-store/h1-resolver.js';
import { memoizedDocument, memoizedListing, warmOrAsync } from '../read-cache/memoized.js';
import { readPlatformLayer, readProviderIndex } from '../provider-store/provider-reader.js';
import { toAppError } from '../core/store-errors.js';

/** :hostname/:namespace/:type/index.json — the versions, oldest first (same array while nothing changed). */
export function mirrorIndex(
  deps: ProviderDeps,
  hostname: string,
  namespace: string,
  type: string,
  caller: Caller,
): readonly string[] | Promise<readonly string[]> {
  let display = '';
  return warmOrAsync(
    () => {
      const loc = locateProvider(deps, hostname, namespace, type);
      display = loc.display;
      return memoizedListing(deps, loc.repository, caller, 'mirror index', (list) => ({
        result: Object.freeze(list.versions.map((t) => t.version)),
        cacheable: true,
      }));
    },
    (err) => toAppError(err, ['PROVIDER_NOT_FOUND', `provider ${display} is not in this mirror`], deps.store.describe),
  );
}

export interface MirrorArchive {
  /** URL tail `<ticket>/<filename>` under the download route. */
  download: string;
  hashes: string[];
}

/** :hostname/:namespace/:type/:version.json — archives keyed by `<os>_<arch>`. */
export function mirrorVersion(
  deps: ProviderDeps,
  input: { hostname: string; namespace: string; type: string; version: string },
  caller: Caller,
): Readonly<Record<string, MirrorArchive>> | Promise<Readonly<Record<string, MirrorArchive>>> {
  let what = '';
  return warmOrAsync(
    () => {
      const loc = locateProvider(deps, input.hostname, input.namespace, input.type);
      const { version, tag } = parseVersion(deps, input.version);
      what = `provider ${loc.display} has no version ${version} in this mirror`;
      return versionArchives(deps, loc, version, tag, caller);
    },
    (err) => toAppError(err, ['VERSION_NOT_FOUND', what], deps.store.describe),
  );
}

function versionArchives(
  deps: ProviderDeps,
  loc: ProviderLocation,
  version: string,
  tag: string,
  caller: Caller,
): Readonly<Record<string, MirrorArchive>> | Promise<Readonly<Record<string, MirrorArchive>>> {
  const { repository } = loc;
  return memoizedDocument(deps, repository, tag, caller, ['mirror version', tag], async () => {
    const { index } = await readProviderIndex(deps, repository, tag, caller);
    const entries = await mapLimit(index.platforms, 8, async (entry) => {
      const layer = await readPlatformLayer(deps, repository, entry, caller);
      const filename = layer.filename ?? entry.filename ?? defaultProviderFilename(loc.type, version, entry.os, entry.arch);
      const h1 = entry.h1 ?? layer.h1 ?? (await resolveH1(deps, repository, layer.layer, caller));
      // zh: first: terraform checks a mirror archive against the listed hashes in order and stops at
      // the first match; zh: is one sha256 of the zip, h1: unzips and hashes every entry (bench:
      // terraform-init measured ~80 ms less per install). Both are listed so lock files get both.
      const hashes = [`zh:${layer.shasumHex}`, ...(h1 ? [h1] : [])];
      return [
        `${entry.os}_${entry.arch}`,
        { download: sealDownload(deps, caller, repository, layer.layer, filename, 'application/zip'), hashes },
      ] as const;
    });
    return Object.freeze(Object.fromEntries(entries));
  });
}
