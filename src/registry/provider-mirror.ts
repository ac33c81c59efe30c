// Use cases of the provider network mirror protocol: the versions of any provider (any hostname) and one
// version's archives with `h1:` and `zh:` hashes. Reference: protocols.md §5; Terraform
// internal/getproviders/http_mirror_source.go. Serving both hash schemes lets lock files made here
// satisfy tofu's oci_mirror (which checks zh:) and Terraform (which records h1:).
import { providerRepository, versionToTag } from '../layout/names.js';
import { defaultProviderFilename } from '../layout/provider-index.js';
import { parseProviderAddress } from './addresses.js';
import { mapLimit, type Caller, type RegistryDeps } from './context.js';
import { sealDownload } from './download-tickets.js';
import { resolveH1 } from './h1-resolver.js';
import { listVersionTags, readPlatformLayer, readProviderIndex } from './provider-reader.js';
import { canonicalVersion } from './provider-registry.js';
import { toAppError } from './upstream-errors.js';

/** :hostname/:namespace/:type/index.json — `{"versions": {"1.0.0": {}}}`. */
export async function mirrorIndex(deps: RegistryDeps, hostname: string, namespace: string, type: string, caller: Caller): Promise<string[]> {
  const addr = parseProviderAddress(hostname, namespace, type);
  const repository = providerRepository(deps.prefix, addr.hostname, addr.namespace, addr.type);
  try {
    const tags = await listVersionTags(deps, repository, caller);
    return tags.map((t) => t.version);
  } catch (err) {
    throw toAppError(err, ['PROVIDER_NOT_FOUND', `provider ${addr.display} is not in this mirror`], deps.store.describe);
  }
}

export interface MirrorArchive {
  /** URL tail `<ticket>/<filename>` under the download route. */
  download: string;
  hashes: string[];
}

/** :hostname/:namespace/:type/:version.json — archives keyed by `<os>_<arch>`. */
export async function mirrorVersion(
  deps: RegistryDeps,
  input: { hostname: string; namespace: string; type: string; version: string },
  caller: Caller,
): Promise<Record<string, MirrorArchive>> {
  const addr = parseProviderAddress(input.hostname, input.namespace, input.type);
  const version = canonicalVersion(input.version);
  const repository = providerRepository(deps.prefix, addr.hostname, addr.namespace, addr.type);
  try {
    const { index } = await readProviderIndex(deps, repository, versionToTag(version), caller);
    const entries = await mapLimit(index.platforms, 8, async (entry) => {
      const layer = await readPlatformLayer(deps, repository, entry, caller);
      const filename = layer.filename ?? entry.filename ?? defaultProviderFilename(addr.type, version, entry.os, entry.arch);
      const h1 = entry.h1 ?? layer.h1 ?? (await resolveH1(deps, repository, layer.layer, caller));
      const hashes = [...(h1 ? [h1] : []), `zh:${layer.shasumHex}`];
      return [`${entry.os}_${entry.arch}`, { download: sealDownload(deps, caller, repository, layer.layer, filename, 'application/zip'), hashes }] as const;
    });
    return Object.fromEntries(entries);
  } catch (err) {
    throw toAppError(err, ['VERSION_NOT_FOUND', `provider ${addr.display} has no version ${version} in this mirror`], deps.store.describe);
  }
}
