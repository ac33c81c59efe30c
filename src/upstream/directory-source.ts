// Reads the output of `terraform providers mirror DIR` / `tofu providers mirror DIR`: the packed layout
// DIR/<hostname>/<namespace>/<type>/terraform-provider-<type>_<version>_<os>_<arch>.zip plus the network
// mirror JSON files that command writes beside the zips (index.json, <version>.json with `h1:` hashes),
// as Terraform's filesystem mirror reads it
// (https://developer.hashicorp.com/terraform/cli/config/config-file#filesystem_mirror). The unpacked layout
// (<version>/<os>_<arch>/ directories) is listed but not read: it has no zip, so no release file to store.
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { formatProviderAddress, packageFilename, parsePlatform, platformKey } from './address.js';
import { isUpstreamError, UpstreamError } from './errors.js';
import { sha256FromHashes } from './hashes.js';
import { parseMirrorVersion } from './mirror-index.js';
import { guardBody } from './package-body.js';
import type {
  GetReleaseOptions,
  PackageBody,
  Platform,
  ProviderAddress,
  ProviderSource,
  RequestOptions,
  UpstreamPackage,
  UpstreamRelease,
  UpstreamVersion,
} from './types.js';
import { isVersion, sortVersions } from './version-constraints.js';

export interface DirectorySourceOptions {
  /** The directory given to `terraform providers mirror`. */
  root: string;
  /** Cap on a JSON index file. Default 4 MiB. */
  maxDocumentBytes?: number;
  /** Cap on one package zip. Default 2 GiB. */
  maxPackageBytes?: number;
}

interface Found {
  packed: Map<string, Map<string, { platform: Platform; path: string }>>; // version -> os_arch -> zip
  unpacked: Map<string, Platform[]>; // version -> platforms (directories)
}

function fsError(err: unknown, path: string, what: string): UpstreamError {
  const code = (err as { code?: string }).code;
  if (code === 'ENOENT' || code === 'ENOTDIR')
    return new UpstreamError('NOT_FOUND', `${what}: ${path} does not exist`, { location: path, cause: err });
  return new UpstreamError('UNREACHABLE', `${what}: cannot read ${path}: ${(err as Error).message}`, { location: path, cause: err });
}

export function createDirectorySource(options: DirectorySourceOptions): ProviderSource {
  const maxDocumentBytes = options.maxDocumentBytes ?? 4 * 1024 * 1024;
  const maxPackageBytes = options.maxPackageBytes ?? 2 * 1024 * 1024 * 1024;
  const providerDir = (a: ProviderAddress) => join(options.root, a.hostname, a.namespace, a.type);

  async function scan(address: ProviderAddress): Promise<Found> {
    const dir = providerDir(address);
    const name = formatProviderAddress(address);
    const entries = await readdir(dir, { withFileTypes: true }).catch((err: unknown) => {
      const e = fsError(err, dir, `mirror directory of ${name}`);
      throw e.code === 'NOT_FOUND' ? new UpstreamError('NOT_FOUND', `${name} is not in the mirror directory ${options.root}`, e) : e;
    });
    const found: Found = { packed: new Map(), unpacked: new Map() };
    // Names are matched case-insensitively, as Terraform's SearchLocalDirectory does.
    const prefix = `terraform-provider-${address.type}_`;
    for (const entry of entries) {
      const lower = entry.name.toLowerCase();
      if (!entry.isDirectory() && lower.startsWith(prefix) && lower.endsWith('.zip')) {
        const parts = lower.slice(prefix.length, -'.zip'.length).split('_');
        if (parts.length !== 3 || !isVersion(parts[0] as string)) continue; // not a package of this provider: ignored, as Terraform does
        const [version, os, arch] = parts as [string, string, string];
        const byPlatform = found.packed.get(version) ?? new Map();
        byPlatform.set(`${os}_${arch}`, { platform: { os, arch }, path: join(dir, entry.name) });
        found.packed.set(version, byPlatform);
      } else if (entry.isDirectory() && isVersion(entry.name)) {
        const subs = await readdir(join(dir, entry.name), { withFileTypes: true }).catch(() => []);
        const platforms = subs.filter((s) => s.isDirectory() && /^[a-z0-9]+_[a-z0-9]+$/.test(s.name)).map((s) => parsePlatform(s.name));
        if (platforms.length > 0) found.unpacked.set(entry.name, platforms);
      }
    }
    return found;
  }

  async function readJson(path: string, what: string): Promise<unknown | undefined> {
    const info = await stat(path).catch(() => undefined);
    if (info === undefined) return undefined;
    if (info.size > maxDocumentBytes)
      throw new UpstreamError('BAD_RESPONSE', `${what}: ${path} is larger than ${maxDocumentBytes} bytes`, { location: path });
    const text = await readFile(path, 'utf8').catch((err: unknown) => {
      throw fsError(err, path, what);
    });
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw new UpstreamError('BAD_RESPONSE', `${what}: ${path} is not valid JSON (${(err as Error).message})`, {
        location: path,
        cause: err,
      });
    }
  }

  async function listVersions(address: ProviderAddress, _opts: RequestOptions = {}): Promise<UpstreamVersion[]> {
    const found = await scan(address);
    const versions = sortVersions(new Set([...found.packed.keys(), ...found.unpacked.keys()]));
    const byKey = (a: Platform, b: Platform) => platformKey(a).localeCompare(platformKey(b));
    return versions.map((version) => ({
      version,
      platforms: (found.packed.has(version)
        ? [...(found.packed.get(version)?.values() ?? [])].map((z) => z.platform)
        : (found.unpacked.get(version) ?? [])
      ).sort(byKey),
    }));
  }

  async function getRelease(address: ProviderAddress, version: string, opts: GetReleaseOptions = {}): Promise<UpstreamRelease> {
    const name = `${formatProviderAddress(address)} ${version}`;
    const found = await scan(address);
    const zips = found.packed.get(version.toLowerCase());
    if (zips === undefined) {
      if (found.unpacked.has(version)) {
        throw new UpstreamError(
          'UNSUPPORTED',
          `${name} is in the unpacked layout (${join(providerDir(address), version)}/<os>_<arch>/), which holds no release zip; ` +
            'use the packed layout that `terraform providers mirror` writes',
        );
      }
      throw new UpstreamError('NOT_FOUND', `${name} is not in the mirror directory ${options.root}`);
    }
    const indexPath = join(providerDir(address), `${version}.json`);
    const doc = await readJson(indexPath, `mirror index of ${name}`);
    const archives = doc === undefined ? [] : parseMirrorVersion(doc, `${indexPath}`);
    const wanted = opts.platforms ?? [...zips.values()].map((z) => z.platform);
    const platforms: UpstreamPackage[] = [];
    for (const p of wanted) {
      const zip = zips.get(platformKey(p));
      if (zip === undefined) throw new UpstreamError('PLATFORM_MISSING', `${name} is not in the mirror directory for ${platformKey(p)}`);
      const info = await stat(zip.path).catch((err: unknown) => {
        throw fsError(err, zip.path, name);
      });
      const hashes = archives.find((a) => a.os === p.os && a.arch === p.arch)?.hashes ?? [];
      const sha256 = sha256FromHashes(hashes, `${indexPath} ${platformKey(p)}`);
      const pkg: UpstreamPackage = {
        os: p.os,
        arch: p.arch,
        filename: packageFilename(address.type, version, p),
        hashes,
        size: info.size,
        location: zip.path,
      };
      platforms.push(sha256 === undefined ? pkg : { ...pkg, sha256 });
    }
    return { address, version, protocols: [], platforms };
  }

  async function openPackage(
    address: ProviderAddress,
    version: string,
    pkg: UpstreamPackage,
    opts: RequestOptions = {},
  ): Promise<PackageBody> {
    const path = pkg.location ?? (await getRelease(address, version, { platforms: [pkg] })).platforms[0]?.location;
    const info = await stat(path as string).catch((err: unknown) => {
      throw fsError(err, path as string, pkg.filename);
    });
    const raw = createReadStream(path as string, opts.signal ? { signal: opts.signal } : {});
    return guardBody(raw, {
      label: pkg.filename,
      sha256: pkg.sha256,
      size: info.size,
      maxBytes: maxPackageBytes,
      mapError: (err) =>
        opts.signal?.aborted ? opts.signal.reason : isUpstreamError(err) ? err : fsError(err, path as string, pkg.filename),
    });
  }

  return { describe: `mirror directory ${options.root}`, listVersions, getRelease, openPackage };
}
