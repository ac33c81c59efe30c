// One replica's usage of one UTC day, aggregated in memory and bounded (docs/operations.md#usage): per
// (kind, subject, version) the downloads, listings, last use, distinct callers (short hashes, at most
// MAX_CALLERS kept per entry: beyond that the count is a lower bound) and client versions (at most
// MAX_CLIENTS). At most MAX_ENTRIES entries a day; events for new entries beyond that are counted as
// dropped. The snapshot is what a flush writes: a record of at most a few MB (src/layout/records.ts).
import { createHash } from 'node:crypto';
import type { UsageEvent } from './usage-event.js';

export const MAX_ENTRIES = 2000;
export const MAX_CALLERS = 50;
export const MAX_CLIENTS = 20;

/** One entry as stored (JSON). */
export interface UsageEntry {
  kind: 'provider' | 'module';
  subject: string;
  /** "" for listings of the subject's versions. */
  version: string;
  downloads: number;
  listings: number;
  /** ISO time of the last event. */
  lastUsed: string;
  /** Short hashes of the distinct callers seen (at most MAX_CALLERS). */
  callers: string[];
  /** True when more callers were seen than `callers` holds. */
  callersCapped: boolean;
  /** Client product/version -> events. */
  clients: Record<string, number>;
}

/** A replica's day, as flushed. */
export interface UsageDay {
  day: string;
  replica: string;
  entries: UsageEntry[];
  /** Events not counted because the day had MAX_ENTRIES entries already. */
  dropped: number;
}

export class UsageDayAggregate {
  readonly day: string;
  readonly #entries = new Map<string, UsageEntry & { lastMs: number }>();
  /** Caller -> short hash, bounded (a request's hot path: one Map lookup instead of a SHA-256). */
  readonly #hashes = new Map<string, string>();
  #dropped = 0;
  /** Events since the last snapshot (a flush with nothing new writes nothing). */
  dirty = false;

  constructor(day: string) {
    this.day = day;
  }

  /**
   * Per reused event (a frozen one: the usage services hand the same object to every request of a warm
   * listing), its entry and whether its client is counted there: the caller is in the entry's callers (or
   * they are capped) after its first event, and neither changes later, so a reused event is counted with
   * one WeakMap probe instead of a key, a Map probe and two searches per request.
   */
  readonly #seen = new WeakMap<UsageEvent, { entry: UsageEntry & { lastMs: number }; client: boolean }>();

  /** Counts one event at `atMs` (epoch ms). */
  add(e: UsageEvent, atMs: number): void {
    const seen = this.#seen.get(e);
    if (seen !== undefined) {
      const entry = seen.entry;
      if (e.action === 'download') entry.downloads++;
      else entry.listings++;
      entry.lastMs = atMs;
      if (seen.client) entry.clients[e.client] = (entry.clients[e.client] ?? 0) + 1;
      this.dirty = true;
      return;
    }
    const key = `${e.kind}|${e.subject}|${e.version}`;
    let entry = this.#entries.get(key);
    if (!entry) {
      if (this.#entries.size >= MAX_ENTRIES) {
        this.#dropped++;
        this.dirty = true;
        return;
      }
      entry = {
        lastMs: 0,
        kind: e.kind,
        subject: e.subject,
        version: e.version,
        downloads: 0,
        listings: 0,
        lastUsed: '',
        callers: [],
        callersCapped: false,
        clients: {},
      };
      this.#entries.set(key, entry);
    }
    if (e.action === 'download') entry.downloads++;
    else entry.listings++;
    entry.lastMs = atMs; // lastUsed is written by snapshot()
    let caller = this.#hashes.get(e.caller);
    if (caller === undefined) {
      caller = callerHash(e.caller);
      if (this.#hashes.size >= 4096) this.#hashes.clear();
      this.#hashes.set(e.caller, caller);
    }
    if (!entry.callers.includes(caller)) {
      if (entry.callers.length < MAX_CALLERS) entry.callers.push(caller);
      else entry.callersCapped = true;
    }
    if (e.client !== '' && (e.client in entry.clients || Object.keys(entry.clients).length < MAX_CLIENTS)) {
      entry.clients[e.client] = (entry.clients[e.client] ?? 0) + 1;
    }
    this.dirty = true;
    if (Object.isFrozen(e)) this.#seen.set(e, { entry, client: e.client !== '' && e.client in entry.clients });
  }

  /** The day as it is now (does not change `dirty`). */
  snapshot(replica: string): UsageDay {
    const entries = [...this.#entries.values()].map(({ lastMs, ...e }) => ({
      ...structuredClone(e),
      lastUsed: new Date(lastMs).toISOString(),
    }));
    return { day: this.day, replica, entries, dropped: this.#dropped };
  }
}

/** A short, non-reversible id of a caller (principals are already hashes or token names; this keeps records small). */
export function callerHash(caller: string): string {
  return createHash('sha256').update(caller).digest('base64url').slice(0, 12);
}

/** The UTC day of a time, "YYYY-MM-DD". */
export function dayOf(at: Date): string {
  return at.toISOString().slice(0, 10);
}
