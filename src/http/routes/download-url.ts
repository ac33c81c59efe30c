// The URL a client gets for a download: the download route's base joined with a ticket tail, or as is
// when the use case returned an absolute URL (download mode "direct": the registry's own blob URL,
// src/core/download-tickets.ts).
export function downloadUrl(downloadBase: string, download: string): string {
  return download.startsWith('https://') || download.startsWith('http://') ? download : downloadBase + download;
}
