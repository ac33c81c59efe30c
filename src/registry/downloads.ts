// Use case behind every download URL: open the sealed ticket, then either stream the blob from the store
// with the ticket's credential, or (HEAD) answer from the ticket alone without opening a stream.
import type { Readable } from 'node:stream';
import { callOpts, type RegistryDeps } from './context.js';
import { openTicket } from './download-tickets.js';
import { toAppError } from './upstream-errors.js';

export interface DownloadHead {
  size: number;
  contentType: string;
  /** Strong validator: the blob digest. */
  etag: string;
}

export interface DownloadBody extends DownloadHead {
  body: Readable;
}

/** HEAD of a download: no upstream request (the ticket says what the blob is). */
export function headDownload(deps: RegistryDeps, token: string): DownloadHead {
  const t = openTicket(deps, token);
  return { size: t.size, contentType: t.contentType, etag: `"${t.digest}"` };
}

/** GET of a download: the blob as a stream of exactly `size` bytes. */
export async function openDownload(deps: RegistryDeps, token: string, signal?: AbortSignal): Promise<DownloadBody> {
  const t = openTicket(deps, token, signal);
  try {
    const blob = await deps.store.fetchBlob(t.repository, t.digest, callOpts(t.caller));
    return { size: blob.size, contentType: t.contentType, etag: `"${t.digest}"`, body: blob.body };
  } catch (err) {
    throw toAppError(err, ['NOT_FOUND', `the blob behind this URL no longer exists (${t.digest})`], deps.store.describe);
  }
}
