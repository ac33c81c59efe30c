// Redirect download mode (server.download_mode = "redirect"): when the registry answers a blob GET with
// a redirect to object storage (S3, GCS, Azure backends of Distribution, Harbor, ECR…), the client can
// fetch the bytes there itself. Such a location is only passed on when it cannot carry anyone's
// credentials: it must be http(s), on ANOTHER origin than the registry (a same-origin hop would be
// answered with the caller's Authorization), without userinfo, and must not contain any secret of the
// credential the blob was located with (raw, URL-encoded or base64). Otherwise the blob is streamed.
import type { Credential } from '../oci/store.js';

/** Why a location is not handed to the client, or null when it may be. */
export function unsafeRedirectReason(
  location: string,
  registryOrigin: string | undefined,
  credential: Credential | undefined,
): string | null {
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    return 'not a URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `scheme ${url.protocol}`;
  if (url.username !== '' || url.password !== '') return 'carries userinfo';
  if (registryOrigin !== undefined && url.origin === registryOrigin) return "on the registry's own origin";
  if (containsSecret(url.href, credential)) return 'contains a credential';
  return null;
}

function containsSecret(href: string, credential: Credential | undefined): boolean {
  if (!credential) return false;
  let decoded = href;
  try {
    decoded = decodeURIComponent(href);
  } catch {
    // keep the raw form
  }
  const secrets = [credential.password, credential.accessToken, credential.refreshToken].filter((s): s is string => !!s);
  if (credential.username && credential.password !== undefined) secrets.push(`${credential.username}:${credential.password}`);
  for (const s of secrets) {
    const forms = [s, encodeURIComponent(s), Buffer.from(s).toString('base64'), Buffer.from(s).toString('base64url')];
    if (forms.some((f) => href.includes(f) || decoded.includes(f))) return true;
  }
  return false;
}

/** The registry origin behind a store's `describe` (an origin URL for registry stores), if any. */
export function registryOriginOf(describe: string): string | undefined {
  try {
    const u = new URL(describe);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : undefined;
  } catch {
    return undefined;
  }
}
