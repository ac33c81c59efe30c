// Use cases of the module registry protocol (modules.v1, docs/design/protocols.md §6): list a module's versions, and
// find one version's package as a signed download URL. Versions are the semver tags of the module's OCI
// repository that hold an OpenTofu module package (docs/design/protocols.md §2), whoever pushed them. Both answers
// are memoized like the provider ones (registry/memoized.ts): the listing on the caller's tag listing,
// the download (a sealed ticket) per principal for the document window.
import { AppError } from '../core/app-error.js';
import { isLayoutError } from '../layout/errors.js';
import type { Caller } from '../core/caller.js';
import type { ModuleDeps } from './types.js';
import { sealDownload } from '../core/download-tickets.js';
import { memoizedDocument, memoizedListing, warmOrAsync } from '../read-cache/memoized.js';
import { toAppError } from '../core/store-errors.js';
import { parseModuleAddress, parseModuleVersion, type ModuleAddress } from './addresses.js';
import { readModuleVersion, readModuleVersions } from './module-reader.js';
import type { ModuleKey } from './types.js';

export interface ModuleVersionList {
  /** `hostname/namespace/name/system`. */
  source: string;
  /** Oldest first. */
  versions: string[];
}

/**
 * GET :namespace/:name/:system/versions. Tags that do not hold a module package (a container image, a
 * broken push) are left out and logged: the CLIs would pick them and then fail to download.
 */
export function listModuleVersions(deps: ModuleDeps, key: ModuleKey, caller: Caller): ModuleVersionList | Promise<ModuleVersionList> {
  let display = '';
  return warmOrAsync(
    () => {
      const addr = moduleAddress(deps, key);
      display = addr.display;
      return memoizedListing(deps, addr.repository, caller, 'modules.v1 versions', async (list) => {
        const read = await readModuleVersions(deps, addr.repository, list.versions, caller);
        const broken = read.filter((r) => !r.read).map((r) => `${r.version} (${r.error})`);
        if (broken.length > 0) deps.logger.warn({ module: addr.display, broken }, 'module versions hidden: not OpenTofu module packages');
        // The listing is sorted oldest first already (registry/tag-lists.ts).
        const versions = read.filter((r) => r.read).map((r) => r.version);
        return { result: Object.freeze({ source: addr.display, versions }), cacheable: !read.some((r) => r.vanished) };
      });
    },
    (err) => toAppError(err, ['MODULE_NOT_FOUND', `module ${display} does not exist`], deps.store.describe),
  );
}

/** parseModuleAddress, memoized in deps.parsed (successes only) under an interned key of its parts. */
function moduleAddress(deps: ModuleDeps, key: ModuleKey): ModuleAddress {
  const mkey = deps.keys.key('module', key.namespace, key.name, key.system);
  const hit = deps.parsed.get(mkey) as ModuleAddress | undefined;
  if (hit) return hit;
  const addr = Object.freeze(parseModuleAddress(deps, key));
  deps.parsed.set(mkey, addr);
  return addr;
}

/** parseModuleVersion, memoized in deps.parsed. */
function moduleVersion(deps: ModuleDeps, raw: string): { version: string; tag: string } {
  const mkey = deps.keys.key('module version', raw);
  const hit = deps.parsed.get(mkey) as { version: string; tag: string } | undefined;
  if (hit) return hit;
  const parsed = Object.freeze(parseModuleVersion(raw));
  deps.parsed.set(mkey, parsed);
  return parsed;
}

export interface ModuleDownload {
  version: string;
  /** File name of the zip (the layer title, or `<name>-<system>-<version>.zip`). */
  filename: string;
  /** sha256 hex of the zip (the layer digest): go-getter's `checksum=` verifies it. */
  shasum: string;
  size: number;
  /** Path tail `<ticket>/<filename>` to put under the server's download route. */
  download: string;
}

/** GET :namespace/:name/:system/:version/download: the version's zip as a sealed download URL tail. */
export async function findModuleDownload(deps: ModuleDeps, key: ModuleKey & { version: string }, caller: Caller): Promise<ModuleDownload> {
  const addr = moduleAddress(deps, key);
  const { version, tag } = moduleVersion(deps, key.version);
  try {
    return await memoizedDocument(deps, addr.repository, tag, caller, ['modules.v1 download', tag], () =>
      describeDownload(deps, addr, version, tag, caller),
    );
  } catch (err) {
    throw toAppError(err, ['VERSION_NOT_FOUND', `module ${addr.display} has no version ${version}`], deps.store.describe);
  }
}

async function describeDownload(
  deps: ModuleDeps,
  addr: ModuleAddress,
  version: string,
  tag: string,
  caller: Caller,
): Promise<ModuleDownload> {
  let pkg: Awaited<ReturnType<typeof readModuleVersion>>['pkg'];
  try {
    pkg = (await readModuleVersion(deps, addr.repository, tag, caller)).pkg;
  } catch (err) {
    if (isLayoutError(err)) {
      // A tag that holds something else (the listing hides it): for this protocol, no such version.
      throw new AppError('VERSION_NOT_FOUND', `module ${addr.display} ${version} is not an OpenTofu module package: ${err.message}`, {
        cause: err,
      });
    }
    throw toAppError(err, ['VERSION_NOT_FOUND', `module ${addr.display} has no version ${version}`], deps.store.describe);
  }
  const filename = safeFilename(pkg.filename) ?? `${addr.name}-${addr.system}-${tag}.zip`;
  return Object.freeze({
    version,
    filename,
    shasum: pkg.shasumHex,
    size: pkg.layer.size,
    download: sealDownload(deps, caller, addr.repository, pkg.layer, filename, 'application/zip'),
  });
}

/** A layer title usable as the last URL segment, or null (titles come from any tool that pushed). */
function safeFilename(title: string | undefined): string | null {
  if (title === undefined || !/^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/.test(title)) return null;
  return title;
}
