// Public surface of src/upstream: the ProviderSource port, its three implementations (providers.v1
// registry, network mirror, mirror directory), release verification, lock files and version constraints.
export {
  DEFAULT_REGISTRY_HOST,
  formatProviderAddress,
  packageFilename,
  parsePlatform,
  parseProviderAddress,
  platformKey,
} from './address.js';
export { ChecksumCheck, type ChecksumCheckOptions } from './checksum-stream.js';
export { createDirectorySource, type DirectorySourceOptions } from './directory-source.js';
export { isUpstreamError, UpstreamError, type UpstreamErrorCode } from './errors.js';
export { lockHashesAccept, zhHash } from './hashes.js';
export type { HttpClientOptions } from './http-client.js';
export { type LockedProvider, parseLockFile } from './lock-file.js';
export { createMirrorSource, type MirrorSourceOptions } from './mirror-source.js';
export { createRegistrySource, type RegistrySourceOptions } from './registry-source.js';
export type * from './types.js';
export {
  checkPackageFile,
  type VerifiedPackage,
  type VerifiedRelease,
  type VerifyReleaseOptions,
  verifyRelease,
} from './verify-release.js';
export {
  isVersion,
  newestMatching,
  parseVersionConstraints,
  sortVersions,
  type VersionConstraint,
  type VersionMatcher,
} from './version-constraints.js';
