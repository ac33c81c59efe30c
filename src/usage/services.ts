// The usage use cases bound to their dependencies: the only surface http/ and the wiring see.
import { BoundedMap } from '../core/bounded-map.js';
import type { Caller } from '../core/caller.js';
import { JsonText } from '../core/json-text.js';
import { KeyInterner } from '../core/key-interner.js';
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
  // The access line's `usage` member as JSON text, per distinct event: the same few events (a provider,
  // a caller, a client) recur on every request, and serializing the event was most of the line's cost.
  const eventKeys = new KeyInterner(4096);
  const eventTexts = new BoundedMap<string, { usage: JsonText }>(4096);
  const fieldsOf = (e: UsageEvent): { usage: JsonText } => {
    const key = eventKeys.key(e.action, e.kind, e.subject, e.version, e.platform, e.caller, e.client);
    let fields = eventTexts.get(key);
    if (fields === undefined) {
      fields = Object.freeze({ usage: new JsonText(JSON.stringify(e)) });
      eventTexts.set(key, fields);
    }
    return fields;
  };
  return {
    /** Fields of the access line: `usage` when the request is a usage event (docs/operations.md#usage). */
    accessFields: (r: UsageRequest) => {
      const e = eventOf(r);
      return e ? fieldsOf(e) : undefined;
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
