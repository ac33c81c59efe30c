// Download tickets: the sealed payload behind every download URL (zip, SHA256SUMS, signature, module
// archive). A ticket names one blob in one repository, its size and media type, and (in delegated auth)
// the caller's credential, so that the blob is fetched with the caller's rights. Nothing else.
import type { Descriptor, Digest } from '../oci/types.js';
import type { Caller } from './caller.js';
import { openCapability, sealCapability } from './capability.js';
import type { SealedTokens } from './sealed-token.js';

/** What sealing and opening tickets needs. */
export interface TicketDeps {
  tokens: SealedTokens;
  /** Lifetime of download tickets, seconds. */
  downloadTtl: number;
  /**
   * Download mode "direct" (docs/mirror.md#download-modes): the registry's own URL of a blob, handed to
   * clients instead of a ticket (registries that allow anonymous pulls). Absent: tickets.
   */
  directBlobUrl?: (repository: string, digest: Digest) => string;
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
}

/**
 * Seals a ticket for `blob` and returns the URL tail `<ticket>/<filename>` under the download route, or
 * in direct mode the blob's absolute registry URL (http/routes/download-url.ts joins either).
 */
export function sealDownload(
  deps: TicketDeps,
  caller: Caller,
  repository: string,
  blob: Descriptor,
  filename: string,
  contentType: string,
): string {
  if (deps.directBlobUrl) return deps.directBlobUrl(repository, blob.digest);
  const fields: TicketPayload = { r: repository, d: blob.digest, s: blob.size, t: contentType };
  return `${sealCapability(deps.tokens, 'download', caller, fields, deps.downloadTtl)}/${encodeURIComponent(filename)}`;
}

export interface OpenedTicket {
  repository: string;
  digest: Digest;
  size: number;
  contentType: string;
  caller: Caller;
}

const DOWNLOAD_WORDS = { what: 'download URL', renew: 'ask the registry for a new one' };

/** Opens a ticket or refuses it with 403 (tampered, unknown key, expired, or not a download ticket). */
export function openTicket(deps: TicketDeps, token: string, signal?: AbortSignal): OpenedTicket {
  const { fields: p, caller } = openCapability<TicketPayload>(deps.tokens, 'download', token, DOWNLOAD_WORDS, signal);
  return {
    repository: p.r,
    digest: p.d as Digest,
    size: p.s,
    contentType: p.t,
    caller,
  };
}
