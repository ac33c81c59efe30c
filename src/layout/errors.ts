// The single error type of the pure Terraform <-> OCI mapping: names, tags and manifests that cannot be
// mapped. Codes are stable strings; the use-case layer turns them into application errors.

export type LayoutErrorCode =
  | 'INVALID_NAME' // hostname, namespace, type, name or system not usable (Terraform rules or OCI grammar)
  | 'INVALID_VERSION' // not a canonical semantic version, or too long for an OCI tag
  | 'MALFORMED' // bytes are not the JSON shape the OCI spec requires
  | 'UNSUPPORTED_MEDIA_TYPE' // e.g. a Docker manifest list where OpenTofu needs an OCI index
  | 'WRONG_ARTIFACT_TYPE' // e.g. a module package where a provider was expected
  | 'UNSUPPORTED_DIGEST' // a digest OpenTofu cannot use (only sha256 maps to zh:)
  | 'NO_PACKAGE' // no archive/zip layer
  | 'AMBIGUOUS' // several archive/zip layers
  | 'PLATFORM_MISMATCH' // a layer declares another platform than the one selected
  | 'INVALID_INPUT'; // a build input that would produce an artifact OpenTofu rejects

export class LayoutError extends Error {
  override readonly name = 'LayoutError';
  readonly code: LayoutErrorCode;

  constructor(code: LayoutErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export function isLayoutError(err: unknown, code?: LayoutErrorCode): err is LayoutError {
  return err instanceof LayoutError && (code === undefined || err.code === code);
}
