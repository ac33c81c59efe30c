// A client of the provider network mirror protocol
// (https://developer.hashicorp.com/terraform/internals/provider-network-mirror-protocol), as Terraform's
// HTTPMirrorSource reads it. Mirrors serve no SHA256SUMS or signatures: releases read here are
// "mirror-only" (shasums undefined); integrity comes from `zh:` hashes when the mirror gives them, and
// from `h1:` hashes checked on the bytes (verify-release.ts checkPackageFile).
import { formatProviderAddress, packageFilename, platformKey } from './address.js';
import { isUpstreamError, UpstreamError } from './errors.js';
import { sha256FromHashes } from './hashes.js';
import { createHttpClient, networkError, type HttpClientOptions } from './http-client.js';
import { resolveUrl } from './json-shape.js';
import { parseMirrorIndex, parseMirrorVersion } from './mirror-index.js';
import { guardBody } from './package-body.js';
import type {
  GetReleaseOptions,
  PackageBody,
  ProviderAddress,
  ProviderSource,
  RequestOptions,
  UpstreamPackage,
  UpstreamRelease,
  UpstreamVersion,
} from './types.js';
import { isVersion } from './version-constraints.js';

export interface MirrorSourceOptions extends HttpClientOptions {
  /** The mirror's base URL, e.g. https://mirror.example.com/providers/ (a missing final "/" is added). */
  baseUrl: string;
  /** Sent as a bearer token to the mirror's own origin only. */
  token?: string;
  /** Cap on one package zip. Default 2 GiB. */
  maxPackageBytes?: number;
}

export function createMirrorSource(options: MirrorSourceOptions): ProviderSource {
  let base: URL;
  try {
    base = new URL(options.baseUrl);
  } catch (err) {
    throw new UpstreamError('BAD_INPUT', `network mirror URL ${JSON.stringify(options.baseUrl)} is not an absolute URL`, { cause: err });
  }
  if (base.protocol !== 'https:' && base.protocol !== 'http:') {
    throw new UpstreamError('BAD_INPUT', `network mirror URL ${JSON.stringify(options.baseUrl)} must use https (or http)`);
  }
  base.hash = '';
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  base.search = '';
  const http = createHttpClient(options);
  const maxPackageBytes = options.maxPackageBytes ?? 2 * 1024 * 1024 * 1024;
  const headers = (url: URL): Record<string, string> =>
    options.token !== undefined && url.origin === base.origin ? { authorization: `Bearer ${options.token}` } : {};

  const providerUrl = (a: ProviderAddress, leaf: string) =>
    new URL([a.hostname, a.namespace, a.type, leaf].map((s) => encodeURIComponent(s).replace(/%2B/g, '+')).join('/'), base);

  async function listVersions(address: ProviderAddress, opts: RequestOptions = {}): Promise<UpstreamVersion[]> {
    const name = formatProviderAddress(address);
    const what = `network mirror index of ${name}`;
    const url = providerUrl(address, 'index.json');
    const { value } = await http
      .getJson(url, { what, signal: opts.signal, headers: headers(url), requireJsonType: true })
      .catch((err: unknown) => {
        throw isUpstreamError(err, 'NOT_FOUND')
          ? new UpstreamError('NOT_FOUND', `${name} is not in the network mirror ${base.href}`, { cause: err })
          : err;
      });
    return parseMirrorIndex(value, what).map((version) => ({ version, platforms: [] }));
  }

  async function getRelease(address: ProviderAddress, version: string, opts: GetReleaseOptions = {}): Promise<UpstreamRelease> {
    const name = `${formatProviderAddress(address)} ${version}`;
    if (!isVersion(version)) throw new UpstreamError('BAD_INPUT', `${JSON.stringify(version)} is not a version (semver, no "v")`);
    const what = `network mirror archives of ${name}`;
    const url = providerUrl(address, `${version}.json`);
    const doc = await http
      .getJson(url, { what, signal: opts.signal, headers: headers(url), requireJsonType: true })
      .catch((err: unknown) => {
        throw isUpstreamError(err, 'NOT_FOUND')
          ? new UpstreamError('NOT_FOUND', `${name} is not in the network mirror ${base.href}`, { cause: err })
          : err;
      });
    const archives = parseMirrorVersion(doc.value, what);
    const wanted = opts.platforms ?? archives;
    const platforms = wanted.map((p): UpstreamPackage => {
      const a = archives.find((x) => x.os === p.os && x.arch === p.arch);
      if (a === undefined) throw new UpstreamError('PLATFORM_MISSING', `${name} is not in the network mirror for ${platformKey(p)}`);
      const label = `${what} ${platformKey(p)}`;
      // The archive URL is relative to the version document's (final) URL.
      const location = resolveUrl(a.url, doc.url, `${label} "url"`).href;
      const sha256 = sha256FromHashes(a.hashes, label);
      // The name SHA256SUMS would list; the URL's own last segment may be anything (e.g. a signed download path).
      const filename = packageFilename(address.type, version, p);
      return sha256 === undefined
        ? { os: p.os, arch: p.arch, filename, hashes: a.hashes, location }
        : { os: p.os, arch: p.arch, filename, sha256, hashes: a.hashes, location };
    });
    return { address, version, protocols: [], platforms };
  }

  async function openPackage(
    address: ProviderAddress,
    version: string,
    pkg: UpstreamPackage,
    opts: RequestOptions = {},
  ): Promise<PackageBody> {
    const location = pkg.location ?? (await getRelease(address, version, { ...opts, platforms: [pkg] })).platforms[0]?.location;
    const url = new URL(location as string);
    const what = `download of ${pkg.filename}`;
    const opened = await http.openStream(url, { what, signal: opts.signal, headers: headers(url) });
    return guardBody(opened.body, {
      label: pkg.filename,
      sha256: pkg.sha256,
      size: opened.size,
      maxBytes: maxPackageBytes,
      mapError: (err) => networkError(err, opened.url, what, opts.signal),
    });
  }

  return { describe: `network mirror ${base.href}`, listVersions, getRelease, openPackage };
}
