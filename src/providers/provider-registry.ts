// Use cases of the provider registry protocol (providers.v1): list a provider's versions, and describe
// one platform's package with signed download URLs. Reference: docs/design/protocols.md §4; Terraform
// internal/getproviders/registry_client.go (fields read), OpenTofu likewise.
import { AppError } from '../core/app-error.js';
import { DEFAULT_PROTOCOLS, defaultProviderFilename, shasumsFilename } from '../layout/provider-release.js';
import { readPublicKey } from '../verify/gpg.js';
import type { Caller } from '../core/caller.js';
import type { ProviderDeps } from './deps.js';
import { sealDownload } from '../core/download-tickets.js';
import { memoizedDocument, memoizedListing, warmOrAsync } from '../read-cache/memoized.js';
import { readMetadata, readPlatformLayer, readProviderIndex, readProviderIndexes } from '../provider-store/provider-reader.js';
import { readSmallBlob } from '../read-cache/reader.js';
import { toAppError } from '../core/store-errors.js';
import { locateProvider, parseVersion, type ProviderAddress, type ProviderLocation } from './addresses.js';

export interface ProviderVersionSummary {
  version: string;
  protocols: string[];
  platforms: Array<{ os: string; arch: string }>;
}

export interface ProviderVersionList {
  versions: ProviderVersionSummary[];
  warnings: string[];
}

/**
 * GET :namespace/:type/versions — every version servable on providers.v1, oldest first. Memoized on the
 * caller's listing (memoized.ts): a warm request returns the SAME object, and the HTTP layer its JSON text.
 */
export function listProviderVersions(
  deps: ProviderDeps,
  namespace: string,
  type: string,
  caller: Caller,
): ProviderVersionList | Promise<ProviderVersionList> {
  let loc: ProviderLocation | undefined;
  return warmOrAsync(
    () => {
      loc = locateProvider(deps, deps.registryHostname, namespace, type);
      return listVersions(deps, loc, caller);
    },
    (err) => toAppError(err, ['PROVIDER_NOT_FOUND', `provider ${loc?.display} does not exist`], deps.store.describe),
  );
}

function listVersions(deps: ProviderDeps, loc: ProviderLocation, caller: Caller): ProviderVersionList | Promise<ProviderVersionList> {
  return memoizedListing(deps, loc.repository, caller, 'providers.v1 versions', async (list) => {
    const read = await readProviderIndexes(deps, loc.repository, list, caller);
    const versions: ProviderVersionSummary[] = [];
    const unsigned: string[] = [];
    const broken: string[] = [];
    // The listing is sorted oldest first already (tag-lists.ts).
    for (const r of read) {
      if (!r.index) {
        broken.push(`${r.version} (${r.error})`);
        continue;
      }
      if (!r.index.metadata) {
        unsigned.push(r.version);
        continue;
      }
      versions.push({
        version: r.version,
        protocols: r.index.protocols ?? DEFAULT_PROTOCOLS,
        platforms: r.index.platforms.map((p) => ({ os: p.os, arch: p.arch })),
      });
    }
    const warnings: string[] = [];
    if (unsigned.length > 0) {
      warnings.push(
        `${loc.display}: version(s) ${unsigned.join(', ')} are stored without a signed SHA256SUMS and are only served through the network mirror`,
      );
    }
    if (broken.length > 0) warnings.push(`${loc.display}: version(s) ${broken.join('; ')} could not be read and are hidden`);
    return { result: Object.freeze({ versions, warnings }), cacheable: !read.some((r) => r.vanished) };
  });
}

export interface ProviderPackage {
  protocols: string[];
  os: string;
  arch: string;
  filename: string;
  /** sha256 hex of the zip (= OCI layer digest = zh: hash). */
  shasum: string;
  size: number;
  /** Path tail (`<ticket>/<filename>`) of each download, to be put under the server's download route. */
  downloads: { zip: string; shasums: string; signature: string };
  key: { keyId: string; asciiArmor: string };
}

/**
 * GET :namespace/:type/:version/download/:os/:arch. The document (with its three sealed tickets) is
 * memoized per principal for the document window (memoized.ts), so a warm request seals nothing.
 */
export function findProviderPackage(
  deps: ProviderDeps,
  input: { namespace: string; type: string; version: string; os: string; arch: string },
  caller: Caller,
): ProviderPackage | Promise<ProviderPackage> {
  let where = '';
  return warmOrAsync(
    () => {
      const loc = locateProvider(deps, deps.registryHostname, input.namespace, input.type);
      const { version, tag } = parseVersion(deps, input.version);
      where = `${loc.display} ${version}`;
      const key = ['providers.v1 download', tag, input.os, input.arch];
      return memoizedDocument(deps, loc.repository, tag, caller, key, () => describePackage(deps, loc, version, tag, input, caller));
    },
    (err) => toAppError(err, ['VERSION_NOT_FOUND', `provider ${where} not found`], deps.store.describe),
  );
}

async function describePackage(
  deps: ProviderDeps,
  loc: ProviderAddress & { repository: string },
  version: string,
  tag: string,
  input: { os: string; arch: string },
  caller: Caller,
): Promise<ProviderPackage> {
  const { repository } = loc;
  const where = `${loc.display} ${version}`;
  const { index } = await readProviderIndex(deps, repository, tag, caller).catch((err: unknown) => {
    throw toAppError(err, ['VERSION_NOT_FOUND', `provider ${loc.display} has no version ${version}`], deps.store.describe);
  });
  const entry = index.platforms.find((p) => p.os === input.os && p.arch === input.arch);
  if (!entry) {
    const available = index.platforms.map((p) => `${p.os}_${p.arch}`).join(', ') || 'none';
    throw new AppError('PLATFORM_NOT_FOUND', `provider ${where} is not available for ${input.os}_${input.arch} (available: ${available})`);
  }
  if (!index.metadata) {
    throw new AppError(
      'VERSION_NOT_FOUND',
      `provider ${where} has no signed SHA256SUMS; install it through the network mirror or tofu's oci_mirror`,
    );
  }
  const [layer, meta] = await Promise.all([
    readPlatformLayer(deps, repository, entry, caller),
    readMetadata(deps, repository, index.metadata, caller),
  ]);
  const armored = (await readSmallBlob(deps, repository, meta.publicKey, caller)).toString('utf8');
  const keyId = index.keyId ?? (await keyIdOf(deps, meta.publicKey.digest, armored));
  const filename = layer.filename ?? entry.filename ?? defaultProviderFilename(loc.type, version, input.os, input.arch);
  const sumsName = meta.shasumsFilename ?? shasumsFilename(loc.type, version);
  return Object.freeze({
    protocols: index.protocols ?? DEFAULT_PROTOCOLS,
    os: input.os,
    arch: input.arch,
    filename,
    shasum: layer.shasumHex,
    size: layer.layer.size,
    downloads: {
      zip: sealDownload(deps, caller, repository, layer.layer, filename, 'application/zip'),
      shasums: sealDownload(deps, caller, repository, meta.shasums, sumsName, 'text/plain; charset=utf-8'),
      signature: sealDownload(deps, caller, repository, meta.signature, `${sumsName}.sig`, 'application/pgp-signature'),
    },
    key: { keyId, asciiArmor: armored },
  });
}

async function keyIdOf(deps: ProviderDeps, digest: string, armored: string): Promise<string> {
  const ckey = `key-id|${digest}`;
  const cached = deps.content.get<string>(ckey);
  if (cached) return cached;
  const info = await readPublicKey(armored);
  deps.content.set(ckey, info.keyId, 64);
  return info.keyId;
}

export type { ProviderAddress };
