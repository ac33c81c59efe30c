// A client of the provider registry protocol (providers.v1) as Terraform's getproviders registry client
// reads it: https://developer.hashicorp.com/terraform/internals/provider-registry-protocol, with service
// discovery per https://developer.hashicorp.com/terraform/internals/remote-service-discovery.
import { isVerifyError, SignatureError } from '../verify/errors.js';
import { toBinarySignature } from '../verify/gpg.js';
import { parseShasums } from '../verify/shasums.js';
import { formatProviderAddress, packageFilename, platformKey } from './address.js';
import { isUpstreamError, UpstreamError } from './errors.js';
import { createHttpClient, type HttpClient, type HttpClientOptions, networkError, redactUrl } from './http-client.js';
import { asObject, optionalArray, optionalObject, requiredString, resolveUrl, stringArray } from './json-shape.js';
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
import { isVersion } from './version-constraints.js';

export interface RegistrySourceOptions extends HttpClientOptions {
  /** providers.v1 base URLs by hostname, skipping service discovery for those hosts (relative to nothing: absolute). */
  serviceOverrides?: Record<string, string>;
  /**
   * Where service discovery happens, by hostname: `<url>.well-known/terraform.json` (default
   * `<discoveryScheme>://<hostname>/`), e.g. from `[[mirror.upstream]] url`.
   */
  discoveryUrls?: Record<string, string>;
  /** Scheme of the default discovery URL. Terraform always uses https; 'http' is for local tests. */
  discoveryScheme?: 'https' | 'http';
  /** Credentials for a hostname, sent as a bearer token to its discovery and providers.v1 API only, never to download URLs. */
  token?: (hostname: string) => string | undefined;
  /** Cap on one package zip. Default 2 GiB. */
  maxPackageBytes?: number;
  /** Download endpoint calls in flight at once for one release. Default 4. */
  concurrency?: number;
}

const HEX64 = /^[0-9a-fA-F]{64}$/;

/** What the download endpoint says for one platform, URLs resolved. */
interface DownloadInfo {
  pkg: UpstreamPackage;
  protocols: string[];
  shasumsUrl: URL;
  signatureUrl: URL;
  keys: string[];
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/**
 * The file names an unverified SHA256SUMS lists; none when it does not parse (verifyRelease then reports
 * why, after every platform's own document was read).
 */
function listedFilenames(shasums: Buffer): ReadonlySet<string> {
  try {
    return new Set(parseShasums(shasums).keys());
  } catch (err) {
    if (isVerifyError(err)) return new Set();
    throw err;
  }
}

export function createRegistrySource(options: RegistrySourceOptions): ProviderSource {
  const http: HttpClient = createHttpClient(options);
  const scheme = options.discoveryScheme ?? 'https';
  const maxPackageBytes = options.maxPackageBytes ?? 2 * 1024 * 1024 * 1024;
  const concurrency = options.concurrency ?? 4;
  // Per-instance cache of discovered base URLs (a source lives for one command or one server).
  const discovered = new Map<string, Promise<URL>>();

  function authHeaders(hostname: string): Record<string, string> {
    const token = options.token?.(hostname);
    return token === undefined ? {} : { authorization: `Bearer ${token}` };
  }

  async function discover(hostname: string, signal: AbortSignal | undefined): Promise<URL> {
    const override = options.serviceOverrides?.[hostname];
    if (override !== undefined)
      return withSlash(resolveUrl(override, new URL(`${scheme}://${hostname}/`), `providers.v1 base URL for ${hostname}`));
    const what = `service discovery of ${hostname}`;
    const configured = options.discoveryUrls?.[hostname];
    const docUrl = new URL(
      '.well-known/terraform.json',
      withSlash(resolveUrl(configured ?? `${scheme}://${hostname}/`, new URL(`${scheme}://${hostname}/`), what)),
    );
    let doc: { url: URL; value: unknown };
    try {
      doc = await http.getJson(docUrl, { what, signal, headers: authHeaders(hostname), requireJsonType: true });
    } catch (err) {
      // A host without a discovery document offers no services (terraform-svchost disco).
      if (isUpstreamError(err, 'NOT_FOUND'))
        throw new UpstreamError('NO_SERVICE', `${hostname} is not a Terraform registry (no ${redactUrl(docUrl)})`, { cause: err });
      throw err;
    }
    const services = asObject(doc.value, what);
    const value = services['providers.v1'];
    if (value === undefined) {
      const other = Object.keys(services).find((k) => k.startsWith('providers.'));
      throw new UpstreamError('NO_SERVICE', `${hostname} does not offer providers.v1${other ? ` (it offers ${other})` : ''}`);
    }
    if (typeof value !== 'string') throw new UpstreamError('BAD_RESPONSE', `${what}: "providers.v1" must be a URL string`);
    // Relative values resolve against the discovery document's final URL.
    return withSlash(resolveUrl(value, doc.url, `${what} "providers.v1"`));
  }

  function baseUrl(hostname: string, signal: AbortSignal | undefined): Promise<URL> {
    let p = discovered.get(hostname);
    if (p === undefined) {
      p = discover(hostname, signal);
      discovered.set(hostname, p);
      p.catch(() => discovered.delete(hostname)); // failures are not remembered
    }
    return p;
  }

  // Segments are validated address parts, versions and platform names; "+" of build metadata stays literal as in Terraform.
  function endpoint(base: URL, ...segments: string[]): URL {
    return new URL(segments.map((s) => encodeURIComponent(s).replace(/%2B/g, '+')).join('/'), base);
  }

  async function listVersions(address: ProviderAddress, opts: RequestOptions = {}): Promise<UpstreamVersion[]> {
    const name = formatProviderAddress(address);
    const what = `versions of ${name}`;
    const base = await baseUrl(address.hostname, opts.signal);
    const { value } = await http
      .getJson(endpoint(base, address.namespace, address.type, 'versions'), {
        what,
        signal: opts.signal,
        headers: authHeaders(address.hostname),
      })
      .catch((err: unknown) => {
        throw isUpstreamError(err, 'NOT_FOUND')
          ? new UpstreamError('NOT_FOUND', `${name} is not known to ${address.hostname}`, { cause: err })
          : err;
      });
    const body = asObject(value, what);
    const out: UpstreamVersion[] = [];
    for (const entry of optionalArray(body, 'versions', what)) {
      const v = asObject(entry, `${what}: a versions[] entry`);
      const version = requiredString(v, 'version', `${what}: a versions[] entry`);
      if (!isVersion(version)) continue; // Terraform skips (and logs) unparsable versions
      const platforms: Platform[] = optionalArray(v, 'platforms', `${what} ${version}`).map((p) => {
        const o = asObject(p, `${what} ${version} platforms[]`);
        return {
          os: requiredString(o, 'os', `${what} ${version} platforms[]`),
          arch: requiredString(o, 'arch', `${what} ${version} platforms[]`),
        };
      });
      out.push({ version, protocols: stringArray(v, 'protocols', `${what} ${version}`), platforms });
    }
    return out;
  }

  async function downloadInfo(address: ProviderAddress, version: string, p: Platform, signal?: AbortSignal): Promise<DownloadInfo> {
    const name = `${formatProviderAddress(address)} ${version}`;
    const what = `package metadata of ${name} for ${platformKey(p)}`;
    const base = await baseUrl(address.hostname, signal);
    const url = endpoint(base, address.namespace, address.type, version, 'download', p.os, p.arch);
    const doc = await http.getJson(url, { what, signal, headers: authHeaders(address.hostname) }).catch((err: unknown) => {
      if (!isUpstreamError(err, 'NOT_FOUND')) throw err;
      throw new UpstreamError('PLATFORM_MISSING', `${name} is not available for ${platformKey(p)} on ${address.hostname}`, { cause: err });
    });
    const body = asObject(doc.value, what);
    const os = requiredString(body, 'os', what);
    const arch = requiredString(body, 'arch', what);
    if (os !== p.os || arch !== p.arch) throw new UpstreamError('BAD_RESPONSE', `${what}: the answer is for ${os}_${arch}`);
    const filename = requiredString(body, 'filename', what);
    if (/[/\\]/.test(filename))
      throw new UpstreamError('BAD_RESPONSE', `${what}: filename ${JSON.stringify(filename)} holds a path separator`);
    const shasum = requiredString(body, 'shasum', what);
    if (!HEX64.test(shasum)) throw new UpstreamError('BAD_RESPONSE', `${what}: "shasum" is not a hex SHA-256`);
    const keysObj = optionalObject(body, 'signing_keys', what);
    const keys = (keysObj ? optionalArray(keysObj, 'gpg_public_keys', what) : []).map((k) =>
      requiredString(asObject(k, `${what} gpg_public_keys[]`), 'ascii_armor', `${what} gpg_public_keys[]`),
    );
    return {
      pkg: {
        os,
        arch,
        filename,
        sha256: shasum.toLowerCase(),
        hashes: [],
        location: resolveUrl(requiredString(body, 'download_url', what), doc.url, `${what} "download_url"`).href,
      },
      protocols: stringArray(body, 'protocols', what),
      shasumsUrl: resolveUrl(requiredString(body, 'shasums_url', what), doc.url, `${what} "shasums_url"`),
      signatureUrl: resolveUrl(requiredString(body, 'shasums_signature_url', what), doc.url, `${what} "shasums_signature_url"`),
      keys,
    };
  }

  /**
   * The download URL of a package described from SHA256SUMS (getRelease): its download document must name
   * the same file with the sha256 the signed list gives (the check verifyRelease makes for documents read
   * up front; Terraform's own check of the download endpoint's `shasum`).
   */
  async function locate(address: ProviderAddress, version: string, pkg: UpstreamPackage, signal?: AbortSignal): Promise<string> {
    const info = (await downloadInfo(address, version, pkg, signal)).pkg;
    const label = `${formatProviderAddress(address)} ${version} ${platformKey(pkg)}`;
    if (info.filename !== pkg.filename) {
      throw new UpstreamError('BAD_RESPONSE', `${label}: the download endpoint names ${info.filename}, SHA256SUMS lists ${pkg.filename}`);
    }
    if (pkg.sha256 !== undefined && info.sha256 !== pkg.sha256.toLowerCase()) {
      throw new UpstreamError(
        'CHECKSUM_MISMATCH',
        `${label}: the source says sha256 ${info.sha256}, SHA256SUMS lists ${pkg.sha256.toLowerCase()}`,
      );
    }
    return info.location as string;
  }

  /**
   * One platform's download document names the release's SHA256SUMS and signature; every other platform
   * whose conventional filename SHA256SUMS lists is described from it (no location: its download document
   * is read when its package is opened, and checked against the signed list then). Terraform reads one
   * platform's document per install too; asking for all of them first cost a cold pull-through <version>.json
   * two more round trips, and the SHA256SUMS fetched once per platform (each document names it at its own
   * URL, e.g. a signed one). linux_amd64 is read first when offered (most installs are CI runners).
   */
  async function getRelease(address: ProviderAddress, version: string, opts: GetReleaseOptions = {}): Promise<UpstreamRelease> {
    const name = `${formatProviderAddress(address)} ${version}`;
    if (!isVersion(version)) throw new UpstreamError('BAD_INPUT', `${JSON.stringify(version)} is not a version (semver, no "v")`);
    let platforms = opts.platforms;
    if (platforms === undefined) {
      const found = (await listVersions(address, opts)).find((v) => v.version === version);
      if (found === undefined) throw new UpstreamError('NOT_FOUND', `${name} is not a published version on ${address.hostname}`);
      platforms = found.platforms;
    }
    if (platforms.length === 0) throw new UpstreamError('PLATFORM_MISSING', `${name}: no platforms to read`);
    const lead = platforms.find((p) => p.os === 'linux' && p.arch === 'amd64') ?? (platforms[0] as Platform);
    const first = await downloadInfo(address, version, lead, opts.signal);
    // Both documents at once: one round trip less before a pull-through answer (bench/pull-through.ts).
    const [shasums, rawSignature] = await Promise.all([
      http.getBytes(first.shasumsUrl, { what: `SHA256SUMS of ${name}`, signal: opts.signal }).then((r) => r.value),
      http.getBytes(first.signatureUrl, { what: `SHA256SUMS signature of ${name}`, signal: opts.signal }).then((r) => r.value),
    ]);
    let signature: Buffer;
    try {
      signature = toBinarySignature(rawSignature);
    } catch (err) {
      if (!(err instanceof SignatureError)) throw err;
      throw new UpstreamError('SIGNATURE_INVALID', `SHA256SUMS signature of ${name}: ${err.message}`, { cause: err });
    }
    const listed = listedFilenames(shasums);
    const unlisted = platforms.filter((p) => p !== lead && !listed.has(packageFilename(address.type, version, p)));
    // A platform whose package is not under its conventional name: its own document says which file it is.
    const others = await mapLimit(unlisted, concurrency, (p) => downloadInfo(address, version, p, opts.signal));
    const infos = [first, ...others];
    const packages = platforms.map(
      (p): UpstreamPackage =>
        infos.find((i) => i.pkg.os === p.os && i.pkg.arch === p.arch)?.pkg ?? {
          os: p.os,
          arch: p.arch,
          filename: packageFilename(address.type, version, p),
          hashes: [],
        },
    );
    const keys = [...new Set(infos.flatMap((i) => i.keys))];
    const protocols = [...new Set(infos.flatMap((i) => i.protocols))];
    return { address, version, protocols, shasums, signature, signingKeys: keys, platforms: packages };
  }

  async function openPackage(
    address: ProviderAddress,
    version: string,
    pkg: UpstreamPackage,
    opts: RequestOptions = {},
  ): Promise<PackageBody> {
    const where = pkg.location ?? (await locate(address, version, pkg, opts.signal));
    const url = new URL(where as string);
    const what = `download of ${pkg.filename}`;
    // No credentials: Terraform sends none to download URLs either.
    const opened = await http.openStream(url, { what, signal: opts.signal });
    return guardBody(opened.body, {
      label: pkg.filename,
      sha256: pkg.sha256,
      size: opened.size,
      maxBytes: maxPackageBytes,
      mapError: (err) => networkError(err, opened.url, what, opts.signal),
    });
  }

  return { describe: `provider registry (providers.v1, ${scheme})`, listVersions, getRelease, openPackage };
}

function withSlash(url: URL): URL {
  // Terraform resolves "<namespace>/<type>/versions" against the base URL, which only works when it ends
  // with "/"; the protocol's examples always do. We add the slash rather than drop the last segment.
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  url.search = '';
  return url;
}
