// Wraps a package body being downloaded or read: size cap, streaming sha256 check (checksum-stream.ts),
// and the source's own errors (network, timeout) turned into UpstreamError on the stream handed out.
import type { Readable } from 'node:stream';
import { ChecksumCheck } from './checksum-stream.js';
import type { PackageBody } from './types.js';

export interface GuardOptions {
  label: string;
  sha256?: string | undefined;
  size?: number | undefined;
  maxBytes?: number | undefined;
  /** Maps an error of the raw body to what the consumer sees. */
  mapError: (err: unknown) => unknown;
}

/** The consumer reads the returned stream; destroying it stops the raw body too. */
export function guardBody(raw: Readable, options: GuardOptions): PackageBody {
  const check = new ChecksumCheck({ label: options.label, sha256: options.sha256, size: options.size, maxBytes: options.maxBytes });
  raw.on('error', (err) => check.destroy(options.mapError(err) as Error));
  check.on('close', () => {
    if (!raw.destroyed) raw.destroy();
  });
  raw.pipe(check);
  return options.size === undefined ? { stream: check } : { stream: check, size: options.size };
}
