// The port through which mirror population reads provider releases from elsewhere: a providers.v1
// registry, a provider network mirror, or a `terraform providers mirror` directory. Implementations
// read and describe; verification of what they describe is verify-release.ts.
import type { Readable } from 'node:stream';

/** A provider source address, normalized to lower case (hostname may carry a port, e.g. `example.com:8443`). */
export interface ProviderAddress {
  hostname: string;
  namespace: string;
  type: string;
}

export interface Platform {
  os: string;
  arch: string;
}

/** One entry of a version listing. */
export interface UpstreamVersion {
  /** As the source spells it (a semver without "v"). */
  version: string;
  /** Plugin protocol versions ("5.0", "6.0") when the source says (providers.v1 does; mirrors do not). */
  protocols?: string[];
  /** Platforms the source offers; empty when the source does not say before a version is opened. */
  platforms: Platform[];
}

/** One platform's package of a release. */
export interface UpstreamPackage {
  os: string;
  arch: string;
  /** `terraform-provider-<type>_<version>_<os>_<arch>.zip` (the name SHA256SUMS lists). */
  filename: string;
  /** Lower-case hex sha256 of the zip: from the download endpoint's `shasum`, SHA256SUMS, or a `zh:` hash. */
  sha256?: string;
  /** `h1:` / `zh:` hashes the source gives for this package (network mirrors, mirror directories). */
  hashes: string[];
  /** Byte size when the source says. */
  size?: number;
  /**
   * Where this source reads the bytes from (absolute URL or file path). Opaque to callers: pass the
   * package back to {@link ProviderSource.openPackage}. Never log it whole: it may be a presigned URL.
   */
  location?: string;
}

/** One version of a provider as a source describes it, before or after verification. */
export interface UpstreamRelease {
  address: ProviderAddress;
  version: string;
  /** Plugin protocol versions; empty when the source does not say. */
  protocols: string[];
  /** The EXACT bytes of the release's SHA256SUMS (signatures are over these bytes). Undefined for mirror-only releases. */
  shasums?: Buffer;
  /** The detached signature over {@link shasums}, binary form. */
  signature?: Buffer;
  /** ASCII-armored public keys the source offers as signers (providers.v1 `signing_keys.gpg_public_keys`). */
  signingKeys?: string[];
  platforms: UpstreamPackage[];
}

export interface RequestOptions {
  /** Aborts the operation; the abort reason is thrown as is. */
  signal?: AbortSignal;
}

export interface GetReleaseOptions extends RequestOptions {
  /** Only these platforms (default: every platform the source offers). A requested platform the source lacks is PLATFORM_MISSING. */
  platforms?: Platform[];
}

export interface PackageBody {
  /**
   * The zip's bytes. When the package's sha256 is known the stream is already checked: it fails with
   * UpstreamError CHECKSUM_MISMATCH at its end if the bytes differ (before 'end' is emitted).
   */
  stream: Readable;
  /** Content-Length or file size when known. */
  size?: number;
}

/** A place providers can be read from. Every method throws UpstreamError (or the caller's abort reason). */
export interface ProviderSource {
  /** For messages and logs, e.g. "registry registry.terraform.io", "network mirror https://m.example.com/". */
  readonly describe: string;
  /** Versions of a provider, in the source's order. NOT_FOUND when the source does not know the provider. */
  listVersions(address: ProviderAddress, options?: RequestOptions): Promise<UpstreamVersion[]>;
  /** The release's metadata (not its packages' bytes). NOT_FOUND for an unknown version. */
  getRelease(address: ProviderAddress, version: string, options?: GetReleaseOptions): Promise<UpstreamRelease>;
  /** Streams one package's zip (never buffered). */
  openPackage(address: ProviderAddress, version: string, pkg: UpstreamPackage, options?: RequestOptions): Promise<PackageBody>;
}
