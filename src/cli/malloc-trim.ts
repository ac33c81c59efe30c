// Keeps the memory of freed socket buffers in the process instead of handing it back to the kernel after
// every garbage collection, so that a streamed download does not page-fault every 4 KiB (bench/findings.md,
// "Downloads at the native-proxy ceiling").
//
// Node reads every socket into a fresh 64 KiB buffer (malloc) and V8 frees those buffers in batches, at its
// garbage collections: tens of MB at once during a download. glibc's malloc gives the free memory at the
// top of its heap back to the kernel as soon as more than M_TRIM_THRESHOLD (128 KiB by default) is free
// there, so each batch went back and the next one was faulted in again page by page (16,000 to 24,000 minor
// faults and 4 to 6 CPU-seconds per GB proxied, against 0.6 for nginx). glibc raises that threshold itself
// when a block it had mapped for one allocation (larger than the mmap threshold, at most 32 MiB) is freed:
// the mmap threshold becomes that block's size and the trim threshold twice that (mallopt(3), "dynamic
// mmap threshold"). keepFreedMemory() does that once at start-up: it allocates a 32 MiB buffer outside the
// V8 heap (never touched, so never resident), drops it and collects it. The process then keeps up to
// 64 MiB of freed memory for reuse (a bounded plateau of RSS, not growth), and allocations up to 32 MiB
// come from the heap. Settings of the operator (MALLOC_*_ / GLIBC_TUNABLES environment variables, which
// turn glibc's dynamic thresholds off) are left alone, and so are other C libraries (musl).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** glibc's largest dynamic mmap threshold on 64-bit systems (DEFAULT_MMAP_THRESHOLD_MAX, mallopt(3)). */
const DYNAMIC_THRESHOLD_MAX = 32 * 1024 * 1024;

/** Why keepFreedMemory() did nothing here, or undefined when it applies. */
export function mallocTrimSkipReason(env: NodeJS.ProcessEnv, platform: string, glibcVersion: string | undefined): string | undefined {
  if (platform !== 'linux') return `platform ${platform}`;
  if (glibcVersion === undefined) return 'not glibc';
  const set = Object.keys(env).filter((k) => k === 'GLIBC_TUNABLES' || (k.startsWith('MALLOC_') && k.endsWith('_')));
  if (set.length > 0) return `allocator settings given (${set.join(', ')})`;
  return undefined;
}

/** The glibc version this process runs on (process.report), or undefined on other C libraries. */
export function glibcRuntimeVersion(): string | undefined {
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return header?.glibcVersionRuntime;
}

/**
 * Raises glibc's trim threshold to 64 MiB (see the file comment). Call once, early in a serving process;
 * returns why it did nothing, or undefined when done. Costs one full garbage collection of a small heap.
 */
export function keepFreedMemory(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const skip = mallocTrimSkipReason(env, process.platform, glibcRuntimeVersion());
  if (skip !== undefined) return skip;
  // A gc() function for this one call only: exposed in a new context, then the flag is turned off again.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (opts?: unknown) => void;
  setFlagsFromString('--no-expose-gc');
  dropLargeBlock();
  gc();
  return undefined;
}

/** Allocates (and forgets) a block just under the maximum: its malloc chunk (request + header, page-rounded) must stay <= 32 MiB. */
function dropLargeBlock(): void {
  Buffer.allocUnsafeSlow(DYNAMIC_THRESHOLD_MAX - 8192);
}
