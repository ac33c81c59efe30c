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
