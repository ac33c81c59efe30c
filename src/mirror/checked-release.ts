// A release ready to be mirrored: what was verified about it, whatever the source. Signed releases
// (a registry's providers.v1, a mirrored layout directory) carry the signed SHA256SUMS, the signature and
// the key that verified it, and become full versions (providers.v1 and the mirror); releases without a
// signature (a network mirror, a `terraform providers mirror` directory) are checked against the hashes the
// source or a lock file gives and become mirror-only versions, like ORAS-pushed ones (docs/mirror.md).
import { shasumsFilename } from '../layout/provider-release.js';
import type { MirroredSignature } from '../provider-store/mirrored-plan.js';
import type { ProviderAddress, UpstreamPackage } from '../upstream/types.js';
import type { VerifiedRelease } from '../upstream/verify-release.js';

export interface CheckedPackage extends UpstreamPackage {
  /** Expected lower-case hex sha256 of the zip, when any source of trust gives it. */
  sha256?: string;
}

export interface CheckedRelease {
  address: ProviderAddress;
  version: string;
  protocols: string[];
  platforms: CheckedPackage[];
  signed?: MirroredSignature;
  /** e.g. the signing key expires soon. */
  warnings: string[];
}

/** A signature-verified release as the mirror stores it. */
export function fromVerified(release: VerifiedRelease): CheckedRelease {
  return {
    address: release.address,
    version: release.version,
    protocols: release.protocols,
    platforms: release.platforms,
    signed: {
      shasums: { filename: shasumsFilename(release.address.type, release.version), bytes: release.shasums },
      signature: release.signature,
      armoredKey: release.signer.armoredKey,
      keyId: release.signer.primaryKeyId.toUpperCase(),
    },
    warnings: release.warnings,
  };
}
