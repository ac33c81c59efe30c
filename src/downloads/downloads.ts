// Use case behind every download URL: open the sealed ticket, then either stream the blob from the store
// with the ticket's credential, or (HEAD) answer from the ticket alone without opening a stream. In
// redirect mode (deps.downloadMode), a registry redirect to object storage is handed to the client
// instead of streaming, when src/auth/redirect-guard.ts finds it safe to pass on.
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { callOpts } from '../core/caller.js';
import type { TicketDeps } from '../core/download-tickets.js';
import type { OciStore } from '../oci/store.js';

/** What serving a download needs. */
export interface DownloadDeps extends TicketDeps {
  store: OciStore;
  logger: Logger;
  /**
   * "redirect": hand out the registry's object-storage redirects for blobs (docs/auth.md). Default "proxy";
   * "direct" lists registry URLs instead of tickets, so the tickets that still come here (pull-through's
   * first downloads) stream as in "proxy".
   */
  downloadMode?: 'proxy' | 'redirect' | 'direct';
}
import { openTicket, type OpenedTicket } from '../core/download-tickets.js';
import { registryOriginOf, unsafeRedirectReason } from './redirect-guard.js';
import { toAppError } from '../core/store-errors.js';

export interface DownloadHead {
  size: number;
  contentType: string;
  /** Strong validator: the blob digest. */
  etag: string;
}

/** A download: the blob as a stream, or (redirect mode) where the client may fetch it itself. */
export type DownloadBody = DownloadHead & {
  repository: string;
  /** Who the ticket was issued to (label or principal), for usage reports. */
  issuedTo: string;
} & ({ body: Readable; redirect?: undefined } | { redirect: string; body?: undefined });

/** HEAD of a download: no upstream request (the ticket says what the blob is). */
export function headDownload(deps: DownloadDeps, token: string): DownloadHead {
  const t = openTicket(deps, token);
  return { size: t.size, contentType: t.contentType, etag: `"${t.digest}"` };
}

/** GET of a download: a stream of exactly `size` bytes, or in redirect mode possibly a location. */
export async function openDownload(deps: DownloadDeps, token: string, signal?: AbortSignal): Promise<DownloadBody> {
  const t = openTicket(deps, token, signal);
  const head = {
    size: t.size,
    contentType: t.contentType,
    etag: `"${t.digest}"`,
    repository: t.repository,
    issuedTo: t.caller.label ?? t.caller.principal,
  };
  try {
    if (deps.downloadMode === 'redirect') {
      const location = await safeRedirect(deps, t);
      if (location !== undefined) return { ...head, redirect: location };
    }
    // Zips are verified by their receiver (terraform/tofu: signed SHA256SUMS, lock-file hashes; go-getter:
    // checksum=), so the proxied stream checks the size only; everything else is digest-checked.
    const verify = t.contentType === 'application/zip' ? 'size' : 'digest';
    const blob = await deps.store.fetchBlob(t.repository, t.digest, { ...callOpts(t.caller), verify, purpose: 'download' });
    return { ...head, size: blob.size, body: blob.body };
  } catch (err) {
    throw toAppError(err, ['NOT_FOUND', `the blob behind this URL no longer exists (${t.digest})`], deps.store.describe);
  }
}

/** The registry's redirect for the ticket's blob when it may be passed on, else undefined (stream). */
async function safeRedirect(deps: DownloadDeps, t: OpenedTicket): Promise<string | undefined> {
  const found = await deps.store.blobRedirect(t.repository, t.digest, callOpts(t.caller));
  if (found === null) return undefined;
  const reason = unsafeRedirectReason(found.location, registryOriginOf(deps.store.describe), t.caller.credential);
  if (reason === null) return found.location;
  deps.logger.debug({ digest: t.digest, reason }, 'blob redirect not passed on; streaming instead');
  return undefined;
}
