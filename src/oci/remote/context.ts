// The state one registry store shares between its manifest, blob, upload and tag modules: the
// registry base URL, the auth and transport layers and the store's default credential, plus helpers
// to build /v2/ URLs, pick the credential of a call and turn an unexpected response into an OciError.
import type { OciError } from '../errors.js';
import type { CallOptions, Credential } from '../store.js';
import { isAnonymous, type AuthClient } from './auth.js';
import { responseError } from './response.js';
import type { HttpResponse, Transport } from './transport.js';

export interface RegistryContext {
  /** The registry origin, e.g. http://127.0.0.1:5000 (URL with path "/"). */
  base: URL;
  auth: AuthClient;
  transport: Transport;
  /** The store's own credential; a call's `opts.credential` overrides it. */
  credential: Credential | undefined;
  /** The store's timeout in ms; blob streams also fail after this long without a byte passing. */
  timeoutMs: number;
}

/** The URL of a Distribution API path, e.g. v2Url(ctx, 'a/b/manifests/1.0'). Path segments must be valid names. */
export function v2Url(ctx: RegistryContext, path: string): URL {
  return new URL(`/v2/${path}`, ctx.base);
}

/** The credential for one call. */
export function callCredential(ctx: RegistryContext, opts: CallOptions | undefined): Credential | undefined {
  return opts?.credential ?? ctx.credential;
}

/** The OciError for an unexpected response of a call made with `credential`. */
export function failure(res: HttpResponse, credential: Credential | undefined, what: string): Promise<OciError> {
  return responseError(res, { what, anonymous: isAnonymous(credential) });
}

/** Spreads an optional AbortSignal into request options. */
export function withSignal(opts: CallOptions | undefined): { signal?: AbortSignal } {
  return opts?.signal ? { signal: opts.signal } : {};
}
