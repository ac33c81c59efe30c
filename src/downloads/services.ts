// The download use cases bound to their dependencies: the only surface the /download/ route sees.
import { headDownload, openDownload, type DownloadDeps } from './downloads.js';

export function createDownloadServices(deps: DownloadDeps) {
  return {
    /** HEAD: answered from the sealed ticket alone, without an upstream request. */
    headDownload: (token: string) => headDownload(deps, token),
    /** GET: the blob as a stream, or where the client (redirect mode) or nginx (offload, when `offloadable`) fetches it. */
    openDownload: (token: string, signal?: AbortSignal, offloadable?: boolean) => openDownload(deps, token, signal, offloadable),
  };
}

export type DownloadServices = ReturnType<typeof createDownloadServices>;
