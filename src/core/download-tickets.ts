// Download tickets: the sealed payload behind every download URL (zip, SHA256SUMS, signature, module
// archive). A ticket names one blob in one repository, its size and media type, and (in delegated auth)
// the caller's credential, so that the blob is fetched with the caller's rights. Nothing else.
import { AppError } from './app-error.js';
import type { Credential } from '../oci/store.js';
import type { Descriptor, Digest } from '../oci/types.js';
import type { Caller } from './caller.js';
import type { SealedTokens } from './sealed-token.js';

/** What sealing and opening tickets needs. */
export interface TicketDeps {
  tokens: SealedTokens;
  /** Lifetime of download tickets, seconds. */
  downloadTtl: number;
}

/** What a ticket carries (short keys keep URLs short). */
export interface TicketPayload {
  /** repository */
  r: string;
  /** blob digest */
  d: string;
  /** size */
  s: number;
  /** content type */
  t: string;
  /** credential to use upstream, when the caller brought one */
  c?: Credential;
  /** principal the ticket was issued to */
  p: string;
}

/** Seals a ticket for `blob` and returns the URL tail `<ticket>/<filename>`. */
export function sealDownload(
  deps: TicketDeps,
  caller: Caller,
  repository: string,
  blob: Descriptor,
  filename: string,
  contentType: string,
): string {
  const payload: TicketPayload = { r: repository, d: blob.digest, s: blob.size, t: contentType, p: caller.principal };
  if (caller.credential) payload.c = caller.credential;
  return `${deps.tokens.seal(payload, deps.downloadTtl)}/${encodeURIComponent(filename)}`;
}

export interface OpenedTicket {
  repository: string;
  digest: Digest;
  size: number;
  contentType: string;
  caller: Caller;
}

/** Opens a ticket or refuses it with 403 (tampered, unknown key, or expired). */
export function openTicket(deps: TicketDeps, token: string, signal?: AbortSignal): OpenedTicket {
  const r = deps.tokens.open<TicketPayload>(token);
  if (!r.ok) {
    throw r.reason === 'expired'
      ? new AppError('URL_EXPIRED', 'this download URL has expired; ask the registry for a new one')
      : new AppError('URL_INVALID', 'this download URL is not valid (tampered, or signed with an unknown key)');
  }
  const p = r.payload;
  return {
    repository: p.r,
    digest: p.d as Digest,
    size: p.s,
    contentType: p.t,
    caller: { principal: p.p, ...(p.c ? { credential: p.c } : {}), ...(signal ? { signal } : {}) },
  };
}
