// The server log's destination: pino's own asynchronous writer (SonicBoom, via pino.destination: flushed
// synchronously at exit, EPIPE handled), fed bytes instead of strings.
//
// Why bytes: in its default (utf8) mode SonicBoom appends each line to the last pending string and, on
// every write, counts that whole pending string's UTF-8 length again (`Buffer.byteLength(bufs[last])`,
// up to maxWrite = 16 KiB), then encodes the joined string at write time. Under load, lines pile up while a
// write is in flight, so each access line paid for the lines before it: about 6 % of a warm metadata
// request's CPU (bench/findings.md, "The log destination"). In buffer mode SonicBoom keeps a list of
// Buffers and their summed length, and joins them once per write(2); each line is encoded once, here.
import pino from 'pino';

/** What pino needs of a destination, plus the flushes the server calls at shutdown. */
export interface LogDestination {
  write(line: string): boolean;
  /** Writes what is pending now (blocking); at process exit pino does the same on the SonicBoom itself. */
  flushSync(): void;
  /** Starts writing what is pending; `cb` after it is written. */
  flush(cb?: (err?: Error | null) => void): void;
}

/** The log destination on `fd` (standard output by default). */
export function createLogDestination(fd = 1): LogDestination {
  // contentMode is a SonicBoom option that pino's types do not list.
  const boom = pino.destination({ dest: fd, sync: false, contentMode: 'buffer' } as Parameters<typeof pino.destination>[0]) as unknown as {
    write(chunk: Buffer): boolean;
    flushSync(): void;
    once(event: 'drain', f: () => void): void;
    /** True while an asynchronous write(2) is in flight. */
    _writing: boolean;
  };
  return {
    write: (line) => boom.write(Buffer.from(line, 'utf8')),
    flushSync: () => boom.flushSync(),
    // SonicBoom's own flush calls back at once when no minLength is set, even with a write in flight; this
    // one waits for that write (so that lines stay in order), then writes the rest synchronously.
    flush: (cb) => {
      const rest = (): void => {
        try {
          boom.flushSync();
        } catch (err) {
          cb?.(err as Error);
          return;
        }
        cb?.(null);
      };
      if (boom._writing) boom.once('drain', rest);
      else rest();
    },
  };
}
