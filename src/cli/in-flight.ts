// The requests in flight on the Node listener of `serve`, for a graceful shutdown (src/cli/serve.ts,
// docs/operations.md#shutdown): a request counts until its response is closed AND, when it went to Hono,
// its handler has settled (an upload's handler still writes the version record after its socket is gone).
// `drain` waits for none to be left, up to a deadline; `cut` ends those still running: request bodies
// still being received are destroyed with the given reason (an upload then records it, see
// src/publishing/uploads.ts), other responses are destroyed.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

interface Entry {
  req: IncomingMessage;
  res: ServerResponse;
  pending: number;
}

export interface InFlight {
  /** Wraps the outermost listener: every request is counted until its response closes. */
  track(listener: RequestListener): RequestListener;
  /** Wraps the Hono listener: a request handed to Hono also counts until its handler settles. */
  trackHandler(listener: (req: IncomingMessage, res: ServerResponse) => unknown): RequestListener;
  /** Requests in flight now. */
  readonly size: number;
  /** Resolves true when none is left, false when `ms` passed first. */
  drain(ms: number): Promise<boolean>;
  /** Ends every request still in flight; returns how many uploads (request bodies) were cut. */
  cut(reason: string): number;
}

export function createInFlight(): InFlight {
  const entries = new Map<IncomingMessage, Entry>();
  /** The request whose listener (track) is running now. */
  let current: Entry | undefined;
  let waiters: (() => void)[] = [];
  const done = (e: Entry): void => {
    if (--e.pending > 0) return;
    entries.delete(e.req);
    if (entries.size === 0) {
      const w = waiters;
      waiters = [];
      for (const f of w) f();
    }
  };
  return {
    track(listener) {
      return (req, res) => {
        const e: Entry = { req, res, pending: 1 };
        // The set is entered only after the listener returns, and only by a request still running then:
        // nothing else runs while the listener does (trackHandler finds the entry as `current`).
        current = e;
        listener(req, res);
        current = undefined;
        // Answered synchronously (the hot lane: src/http/pipeline/node-front.ts) with every byte already
        // handed to the kernel, which delivers them even if the process exits now: nothing to wait for,
        // so no entry in the set and no 'close' listener to add and remove on the busiest path. (No
        // try/finally around the listener: a listener that throws fails the process through the server's
        // 'request' event, and a try/finally here made a warm download cost 20 µs more, bench/findings.md.)
        if (e.pending === 1 && res.writableEnded && res.socket?.writableLength === 0) return;
        entries.set(req, e);
        res.once('close', () => done(e));
      };
    },
    trackHandler(listener) {
      return (req, res) => {
        const e = current?.req === req ? current : entries.get(req);
        if (e) e.pending++;
        let out: unknown;
        try {
          out = listener(req, res);
        } finally {
          if (e)
            void Promise.resolve(out).then(
              () => done(e),
              () => done(e),
            );
        }
      };
    },
    get size() {
      return entries.size;
    },
    drain(ms) {
      if (entries.size === 0) return Promise.resolve(true);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== onIdle);
          resolve(false);
        }, ms);
        const onIdle = (): void => {
          clearTimeout(timer);
          resolve(true);
        };
        waiters.push(onIdle);
      });
    },
    cut(reason) {
      let uploads = 0;
      for (const { req, res } of entries.values()) {
        if (req.method !== 'GET' && req.method !== 'HEAD' && !req.readableEnded && !req.destroyed) {
          uploads++;
          req.destroy(new Error(reason));
        }
        if (!res.destroyed) res.destroy();
      }
      return uploads;
    },
  };
}
