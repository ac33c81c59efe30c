// The two JSON documents of the provider network mirror protocol
// (https://developer.hashicorp.com/terraform/internals/provider-network-mirror-protocol), which
// `terraform providers mirror` also writes beside the zips: `index.json` {"versions": {"1.0.0": {}}} and
// `<version>.json` {"archives": {"linux_amd64": {"url": "...zip", "hashes": ["h1:..."]}}}.
import { parsePlatform } from './address.js';
import { isUpstreamError, UpstreamError } from './errors.js';
import { checkPackageHashes } from './hashes.js';
import { asObject, requiredString, stringArray } from './json-shape.js';
import type { Platform } from './types.js';
import { isVersion } from './version-constraints.js';

export interface MirrorArchive extends Platform {
  /** As written: relative to the version document's URL (or directory). */
  url: string;
  hashes: string[];
}

/** Versions of an `index.json`, in document order; entries that are not versions are skipped (as Terraform does). */
export function parseMirrorIndex(value: unknown, what: string): string[] {
  const versions = asObject(asObject(value, what)['versions'] ?? {}, `${what} "versions"`);
  return Object.keys(versions).filter(isVersion);
}

/** Archives of a `<version>.json`. UpstreamError BAD_RESPONSE names the entry that is wrong. */
export function parseMirrorVersion(value: unknown, what: string): MirrorArchive[] {
  const archives = asObject(asObject(value, what)['archives'] ?? {}, `${what} "archives"`);
  return Object.entries(archives).map(([key, entry]) => {
    const label = `${what} archives.${key}`;
    let platform: Platform;
    try {
      platform = parsePlatform(key);
    } catch (err) {
      if (!isUpstreamError(err)) throw err;
      throw new UpstreamError('BAD_RESPONSE', `${what}: archive key ${JSON.stringify(key)} is not "<os>_<arch>"`, { cause: err });
    }
    const o = asObject(entry, label);
    return { ...platform, url: requiredString(o, 'url', label), hashes: checkPackageHashes(stringArray(o, 'hashes', label), label) };
  });
}
