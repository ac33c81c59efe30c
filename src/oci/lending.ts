// Lent blob bodies: a blob stream that, besides being an ordinary Readable, can write its bytes to a
// socket straight from the buffers it reads them into, reusing each buffer once the socket took its
// bytes (no allocation and no copy per chunk). The registry store's download client returns them
// (remote/socket-client.ts); the HTTP layer writes them to a client with lendTo (src/http/node-io.ts).
// Why: bench/findings.md, "Downloads from reused buffers".
import type { Readable, Writable } from 'node:stream';

/** Told when the sink stops taking data and when it takes it again (a client idle limit hangs on these). */
export interface LendHooks {
  stalled(): void;
  flowing(): void;
}

export interface LendingReadable extends Readable {
  /**
   * Writes every byte not yet read to `out`, each chunk with a write callback after which its memory is
   * reused: only for sinks that hold no reference to a chunk once they called back (sockets, Node HTTP
   * responses). Resolves when the last byte was handed to `out` (which is not ended); rejects with the
   * body's failure, or when the body is destroyed first. Use it instead of reading, never after.
   */
  lendTo(out: Writable, hooks?: LendHooks): Promise<void>;
  /**
   * The longest silence the store allows this stream (its request timeout). A lender with hooks owns the
   * sink's stalls (the body stops timing them) and cuts a sink that takes nothing for this long.
   */
  readonly idleMs: number;
}

/** True for a body that can lend its chunks. */
export function isLending(body: Readable): body is LendingReadable {
  return typeof (body as Partial<LendingReadable>).lendTo === 'function';
}

/**
 * After `out.write(chunk)` returned false: true when `out` still holds more than `written` bytes (the
 * writer is ahead of its reader and should pause until 'drain'). Node's HTTP response corks its socket
 * until the next tick, so write() of any chunk above the 16 KiB high-water mark is false and the chunk is
 * still held right after, even when the kernel takes it at once on that tick. So a writer asks with the
 * chunk it just wrote, and when that was all, asks again with nothing (`written` 0) on the next tick,
 * after the uncork: pausing at once paused the source for every chunk (765 times per 100 MB, bench/
 * findings.md "Downloads, round 5"). Either way at most one chunk waits in `out`.
 */
export function sinkBehind(out: Writable, written = 0): boolean {
  return out.writableNeedDrain && out.writableLength > written;
}
