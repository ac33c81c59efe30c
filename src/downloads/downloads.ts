// Use case behind every download URL: open the sealed ticket, then either stream the blob from the store
// with the ticket's credential, or (HEAD) answer from the ticket alone without opening a stream. In
// redirect mode (deps.downloadMode), a registry redirect to object storage is handed to the client
// instead of streaming, when src/auth/redirect-guard.ts finds it safe to pass on.
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { callOpts } from '../core/caller.js';
import type { TicketDeps } from '../core/download-tickets.js';
import type { BlobLocation, CallOptions, OciStore } from '../oci/store.js';
import type { Digest } from '../oci/types.js';

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
  /**
   * Download offload (docs/mirror.md#download-offload): a download that would stream is answered with
   * X-Accel-Redirect to `location` + the blob's path, for nginx in front to fetch the bytes itself.
   */
  offload?: {
    location: string;
    locate: (repository: string, digest: Digest, opts?: CallOptions) => Promise<BlobLocation>;
  };
}

/** Where nginx fetches an offloaded download: its internal URI and the registry Authorization to send. */
export interface OffloadTarget {
  uri: string;
  /** A Bearer token the registry issued for this repository's pull (never a Basic credential). */
  authorization?: string;
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

/** A download: the blob as a stream, or where the client (redirect mode) or nginx (offload) fetches it. */
export type DownloadBody = DownloadHead & {
  repository: string;
  /** Who the ticket was issued to (label or principal), for usage reports. */
  issuedTo: string;
} & (
    | { body: Readable; redirect?: undefined; offload?: undefined }
    | { redirect: string; body?: undefined; offload?: undefined }
    | { offload: OffloadTarget; body?: undefined; redirect?: undefined }
  );

/** HEAD of a download: no upstream request (the ticket says what the blob is). */
export function headDownload(deps: DownloadDeps, token: string): DownloadHead {
  const t = openTicket(deps, token);
  return { size: t.size, contentType: t.contentType, etag: `"${t.digest}"` };
}

/**
 * GET of a download: a stream of exactly `size` bytes, or in redirect mode possibly a location, or (when the
 * request came through nginx announcing offload: `offloadable`) the target nginx fetches itself.
 */
export async function openDownload(deps: DownloadDeps, token: string, signal?: AbortSignal, offloadable = false): Promise<DownloadBody> {
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
    if (offloadable && deps.offload) {
      const target = await offloadTarget(deps, deps.offload, t);
      if (target !== undefined) return { ...head, offload: target };
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

/**
 * The offload target of the ticket's blob, or undefined (stream it) when the registry took a Basic
 * credential: a long-lived password is never put in a response header, only a pull token the registry issued.
 */
async function offloadTarget(
  deps: DownloadDeps,
  offload: NonNullable<DownloadDeps['offload']>,
  t: OpenedTicket,
): Promise<OffloadTarget | undefined> {
  const found = await offload.locate(t.repository, t.digest, callOpts(t.caller));
  const uri = offload.location + found.path;
  if (found.authorization === null) return { uri };
  if (/^bearer /i.test(found.authorization)) return { uri, authorization: found.authorization };
  deps.logger.debug({ digest: t.digest }, 'download not offloaded: the registry takes a Basic credential; streaming instead');
  return undefined;
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
