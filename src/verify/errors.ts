// Error types of the verification code. Codes are stable strings; the publish use case turns them into
// 400-class application errors with the message shown to the publisher.

export type VerifyErrorCode =
  | 'TOO_LARGE' // a stream or a zip's content went past its size limit
  | 'NOT_A_ZIP' // the file has no zip central directory
  | 'CORRUPT_ZIP' // the zip's structure or an entry's data is damaged (size, CRC, compression)
  | 'UNSAFE_ZIP' // directory, link, absolute or `..` path, duplicate, encrypted entry, name not UTF-8
  | 'ZIP_POLICY' // a well-formed zip that does not hold just the provider binary (and license/readme files)
  | 'BAD_SHASUMS' // a SHA256SUMS document that does not parse
  | 'BAD_FILENAME' // a release file name that does not match the expected provider, version or platform
  | 'KEY_MALFORMED' // not an ASCII-armored OpenPGP public key
  | 'KEY_PRIVATE' // a private key was given where a public key belongs
  | 'KEY_MULTIPLE'; // several keys where exactly one is expected

export class VerifyError extends Error {
  override readonly name: string = 'VerifyError';
  readonly code: VerifyErrorCode;

  constructor(code: VerifyErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export function isVerifyError(err: unknown, code?: VerifyErrorCode): err is VerifyError {
  return err instanceof VerifyError && (code === undefined || err.code === code);
}

export type SignatureErrorCode =
  | 'BAD_SIGNATURE' // the signer's key is known but the signature does not match the data
  | 'UNKNOWN_SIGNER' // no signature in the input was made by the given key or its subkeys
  | 'MALFORMED'; // the signature (or the key) is not parseable OpenPGP

/** A detached signature that does not verify (see gpg.ts `verifyDetachedSignature`). */
export class SignatureError extends Error {
  override readonly name = 'SignatureError';
  readonly code: SignatureErrorCode;

  constructor(code: SignatureErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export function isSignatureError(err: unknown, code?: SignatureErrorCode): err is SignatureError {
  return err instanceof SignatureError && (code === undefined || err.code === code);
}
