// The usage use cases bound to their dependencies: the only surface http/ and the wiring see.
import type { Caller } from '../core/caller.js';
import { type UsageDeps, type UsageQuery, UsageReport } from './usage-report.js';
import type { UsageEvent, UsageRequest } from './usage-event.js';

export function createUsageServices(deps: UsageDeps) {
  const report = new UsageReport(deps);
  // The event computed for a request's access line, reused by the observer of the same request: the
  // pipeline calls both for one record, one right after the other (src/http/pipeline/pipeline.ts finish),
  // so the last record is the only one worth remembering (a WeakMap entry per request cost GC time).
  let lastRequest: UsageRequest | undefined;
  let lastEvent: UsageEvent | undefined;
  const eventOf = (r: UsageRequest): UsageEvent | undefined => {
    if (r !== lastRequest) {
      lastEvent = report.eventOf(r);
      lastRequest = r;
    }
    return lastEvent;
  };
  return {
    /** Fields of the access line: `usage` when the request is a usage event (docs/operations.md#usage). */
    accessFields: (r: UsageRequest) => {
      const e = eventOf(r);
      return e ? { usage: e } : undefined;
    },
    /** The request observer: counts the event. */
    observe: (r: UsageRequest) => {
      const e = eventOf(r);
      if (e) report.record(e);
    },
    start: () => report.start(),
    stop: () => report.stop(),
    flush: () => report.flush(),
    /** Merges the records of ended days into one per day (docs/operations.md#usage). */
    compact: () => report.compact(),
    query: (q: UsageQuery, caller: Caller) => report.query(q, caller),
    unusedSince: (provider: string, since: string, caller: Caller) => report.unusedSince(provider, since, caller),
  };
}

export type UsageServices = ReturnType<typeof createUsageServices>;
