// The usage use cases bound to their dependencies: the only surface http/ and the wiring see.
import type { Caller } from '../core/caller.js';
import { JsonMembers } from '../core/json-text.js';
import { KeyInterner } from '../core/key-interner.js';
import { type UsageDeps, type UsageQuery, UsageReport } from './usage-report.js';
import { sameUsageEvent, type UsageEvent, type UsageRequest } from './usage-event.js';

export function createUsageServices(deps: UsageDeps) {
  const report = new UsageReport(deps);
  interface Known {
    event: UsageEvent | undefined;
    fields: JsonMembers | undefined;
  }
  // The access line's `usage` member as JSON text, made once per Known: a reused event is not serialized again.
  const known = (event: UsageEvent | undefined): Known => ({
    event,
    fields: event === undefined ? undefined : JsonMembers.of({ usage: event }),
  });
  // Warm listings (and other non-download answers) of the hot lane, which hands the same frozen parameters
  // object to every request of a path (src/http/pipeline/hot-routes.ts): their event per (parameters,
  // route, caller, User-Agent), found with two Map probes instead of built, with its subject, each time.
  const byParams = new WeakMap<object, Map<string, Known>>();
  const requestKeys = new KeyInterner(4096);
  const computeKnown = (r: UsageRequest): Known => {
    const p = r.params;
    if (p === undefined || !Object.isFrozen(p) || r.download !== undefined || r.status >= 400 || r.method !== 'GET') {
      return known(report.eventOf(r));
    }
    const key = requestKeys.key(r.route ?? '', r.principal ?? '', r.apiToken ?? '', r.userAgent ?? '');
    let forParams = byParams.get(p);
    let k = forParams?.get(key);
    if (k === undefined) {
      // Frozen: the day's aggregate recognizes a reused event (usage-day.ts).
      const event = report.eventOf(r);
      k = known(event && Object.freeze(event));
      if (forParams === undefined) byParams.set(p, (forParams = new Map()));
      else if (forParams.size >= 64) forParams.clear();
      forParams.set(key, k);
    }
    return k;
  };
  // The last request's Known, reused for the same record (the pipeline asks for the access line's fields,
  // then the observer, one right after the other: src/http/pipeline/pipeline.ts finish) and for the next
  // request when it gives the same event (under load, the same document for the same client: a few
  // comparisons instead of the interned key's four Map probes). A WeakMap entry per request cost GC time.
  let lastRequest: UsageRequest | undefined;
  let lastKnown: Known = { event: undefined, fields: undefined };
  const knownOf = (r: UsageRequest): Known => {
    if (r !== lastRequest && (lastRequest === undefined || !sameUsageEvent(lastRequest, r))) lastKnown = computeKnown(r);
    lastRequest = r;
    return lastKnown;
  };
  return {
    /** Fields of the access line: `usage` when the request is a usage event (docs/operations.md#usage). */
    accessFields: (r: UsageRequest) => knownOf(r).fields,
    /** The request observer: counts the event. */
    observe: (r: UsageRequest) => {
      const e = knownOf(r).event;
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
