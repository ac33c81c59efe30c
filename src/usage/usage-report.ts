// Usage reporting without a database (docs/operations.md#usage): each replica aggregates its usage events
// per UTC day (usage-day.ts) and flushes the day, every flush interval and on graceful shutdown, into the
// OCI store as a small record `usage.<YYYYMMDD>.<replica>` in the records repository (src/layout/records.ts),
// rewritten with the day's totals each time. Any replica answers GET /api/v1/usage by reading the records
// of the days asked for and merging them: per version downloads, listings, distinct callers, last use and
// client versions; and, for one provider, the stored versions nobody used since a date.
// At most one flush interval of events is lost when a replica crashes.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { AppError } from '../core/app-error.js';
import type { Caller } from '../core/caller.js';
import type { ContentCache } from '../core/lru-cache.js';
import { createRecordStore, type RecordStore } from '../core/record-store.js';
import { isOciError } from '../oci/errors.js';
import { storeError } from '../core/store-errors.js';
import type { OciStore } from '../oci/store.js';
import { normalizeHostname, providerRepository, tagToVersion } from '../layout/names.js';
import { recordTag, tagPrefixes } from '../layout/records.js';
import { sortVersions } from '../upstream/version-constraints.js';
import { dayOf, type UsageDay, UsageDayAggregate } from './usage-day.js';
import { memoizedClientOf, usageEventOf, type UsageEvent, type UsageRequest } from './usage-event.js';
import { MERGED_REPLICA, planDay, resolveDays, type UsageRecord } from './usage-compaction.js';

/** Days merged at most per compaction run (the rest at the next runs). */
const MAX_DAYS_PER_COMPACTION = 7;

export interface UsageDeps {
  store: OciStore;
  content: ContentCache;
  logger: Logger;
  prefix: string;
  registryHostname: string;
  /** Who flushes write as (the storage credential, or the mirror writer in delegate mode). */
  writer: Caller;
  /** Seconds between flushes. */
  flushIntervalSeconds: number;
  now: () => number;
  /** This replica's name in record tags (default: random per process). */
  replica?: string;
}

/** Days a query reads at most (one record per replica and day). */
export const MAX_QUERY_DAYS = 366;

export interface UsageQuery {
  provider?: string;
  version?: string;
  /** First day included, YYYY-MM-DD (default: 30 days ago). */
  since?: string;
}

export interface VersionUsage {
  kind: 'provider' | 'module';
  subject: string;
  version: string;
  downloads: number;
  listings: number;
  distinctCallers: number;
  /** True when some record capped its callers: distinctCallers is then a lower bound. */
  distinctCallersAtLeast: boolean;
  lastUsed: string;
  clients: Record<string, number>;
}

export class UsageReport {
  readonly #deps: UsageDeps;
  readonly #records: RecordStore;
  readonly replica: string;
  #today: UsageDayAggregate;
  /** Start and end (ms, UTC) of #today's day: the hot path compares numbers instead of formatting a date. */
  #dayStart = 0;
  #dayEnd = 0;
  #timer: NodeJS.Timeout | undefined;
  readonly #clientOf = memoizedClientOf();
  #flushing: Promise<void> = Promise.resolve();

  constructor(deps: UsageDeps) {
    this.#deps = deps;
    this.#records = createRecordStore(deps);
    this.replica = deps.replica ?? `r${randomBytes(6).toString('hex')}`;
    this.#today = new UsageDayAggregate(dayOf(new Date(deps.now())));
  }

  /** The usage event of a finished request, for its access line, or undefined. */
  eventOf(r: UsageRequest): UsageEvent | undefined {
    return usageEventOf(r, this.#deps.registryHostname, this.#clientOf);
  }

  /** Counts one event (a request observer calls this). */
  record(event: UsageEvent): void {
    const now = this.#deps.now();
    if (now < this.#dayStart || now >= this.#dayEnd) {
      const day = dayOf(new Date(now));
      const start = Date.parse(`${day}T00:00:00Z`);
      this.#dayStart = start;
      this.#dayEnd = start + 86_400_000;
      if (day !== this.#today.day) {
        const done = this.#today;
        this.#today = new UsageDayAggregate(day);
        void this.#write(done);
      }
    }
    this.#today.add(event, now);
  }

  /** Starts periodic flushes (serve); the timer does not keep the process alive. */
  start(): void {
    this.#timer ??= setInterval(() => void this.flush().then(() => this.compact()), this.#deps.flushIntervalSeconds * 1000);
    this.#timer.unref();
  }

  /** Stops the timer and writes what is pending (graceful shutdown). */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.flush();
  }

  /** Writes today's totals when something changed since the last write. Never throws (logs). */
  flush(): Promise<void> {
    return this.#write(this.#today);
  }

  #write(day: UsageDayAggregate): Promise<void> {
    this.#flushing = this.#flushing.then(async () => {
      if (!day.dirty) return;
      day.dirty = false;
      const snapshot = day.snapshot(this.replica);
      try {
        await this.#records.put('usage', tagOf(snapshot.day, this.replica), snapshot, this.#deps.writer);
      } catch (err) {
        day.dirty = true; // retried at the next flush
        this.#deps.logger.warn({ err: (err as Error).message }, 'could not write usage; retrying at the next flush');
      }
    });
    return this.#flushing;
  }

  /**
   * Merges the per-replica records of ended days into one record per day (usage-compaction.ts). A day is
   * merged once it ended two flush intervals ago (every replica has written its last counts). Returns
   * the number of days merged or cleaned. Never throws (logs).
   */
  async compact(): Promise<number> {
    const now = this.#deps.now();
    const settleMs = 2 * this.#deps.flushIntervalSeconds * 1000;
    const store = this.#deps.store;
    let done = 0;
    try {
      let tags: string[];
      try {
        tags = await store.listTags(this.#records.repository, {
          ...(this.#deps.writer.credential ? { credential: this.#deps.writer.credential } : {}),
        });
      } catch (err) {
        if (isOciError(err, 'NOT_FOUND')) return 0;
        throw err;
      }
      const days = new Map<string, string[]>();
      for (const tag of tags) {
        const m = /^usage\.(\d{4})(\d{2})(\d{2})\.(.+)$/.exec(tag);
        if (!m || m[4] === MERGED_REPLICA) continue;
        const day = `${m[1]}-${m[2]}-${m[3]}`;
        if (Date.parse(`${day}T00:00:00Z`) + 86400_000 + settleMs > now) continue;
        days.set(day, [...(days.get(day) ?? []), tag]);
      }
      for (const [day, dayTags] of [...days].sort().slice(0, MAX_DAYS_PER_COMPACTION)) {
        const writer = this.#deps.writer;
        const current = await this.#records.get<UsageRecord>('usage', tagOf(day, MERGED_REPLICA), writer);
        const replicas = (await Promise.all(dayTags.map((t) => this.#records.get<UsageRecord>('usage', t, writer)))).filter(
          (r): r is NonNullable<typeof r> => r !== null && r.data.day === day,
        );
        const plan = planDay(day, current, replicas);
        if (plan.write) await this.#records.put('usage', tagOf(day, MERGED_REPLICA), plan.write, writer);
        for (const r of plan.remove) await this.#records.remove(r, writer);
        if (plan.write || plan.remove.length > 0) done++;
      }
    } catch (err) {
      this.#deps.logger.warn({ err: (err as Error).message }, 'could not compact usage records; retrying at the next flush');
    }
    return done;
  }

  /** GET /api/v1/usage: usage per version over the days asked for, from every replica's records. */
  async query(q: UsageQuery, caller: Caller): Promise<VersionUsage[]> {
    const since = this.#since(q.since);
    const provider = q.provider !== undefined ? this.#subject(q.provider) : undefined;
    const days = await this.#days(since, caller);
    const merged = new Map<string, VersionUsage & { callerSet: Set<string> }>();
    for (const d of days) {
      for (const e of d.entries) {
        if (provider !== undefined && e.subject !== provider) continue;
        if (q.version !== undefined && e.version !== q.version) continue;
        const key = `${e.kind}|${e.subject}|${e.version}`;
        let m = merged.get(key);
        if (!m) {
          m = {
            kind: e.kind,
            subject: e.subject,
            version: e.version,
            downloads: 0,
            listings: 0,
            distinctCallers: 0,
            distinctCallersAtLeast: false,
            lastUsed: '',
            clients: {},
            callerSet: new Set(),
          };
          merged.set(key, m);
        }
        m.downloads += e.downloads;
        m.listings += e.listings;
        if (e.lastUsed > m.lastUsed) m.lastUsed = e.lastUsed;
        for (const c of e.callers) m.callerSet.add(c);
        if (e.callersCapped) m.distinctCallersAtLeast = true;
        for (const [client, n] of Object.entries(e.clients)) m.clients[client] = (m.clients[client] ?? 0) + n;
      }
    }
    return [...merged.values()]
      .map(({ callerSet, ...m }) => ({ ...m, distinctCallers: callerSet.size }))
      .sort((a, b) => (a.subject + a.version < b.subject + b.version ? -1 : a.subject + a.version > b.subject + b.version ? 1 : 0));
  }

  /** The stored versions of `provider` (hostname/namespace/type) that nobody downloaded since `since`. */
  async unusedSince(providerText: string, sinceText: string, caller: Caller): Promise<string[]> {
    const subject = this.#subject(providerText);
    const [hostname, namespace, type] = subject.split('/') as [string, string, string];
    let tags: string[];
    try {
      tags = await this.#deps.store.listTags(providerRepository(this.#deps.prefix, hostname, namespace, type), {
        credential: caller.credential,
      });
    } catch (err) {
      if (isOciError(err, 'NOT_FOUND')) throw new AppError('PROVIDER_NOT_FOUND', `provider ${subject} is not stored here`);
      throw storeError(err, this.#deps);
    }
    const used = new Set(
      (await this.query({ provider: subject, since: sinceText }, caller)).filter((u) => u.downloads > 0).map((u) => u.version),
    );
    const stored = tags.map(tagToVersion).filter((v): v is string => v !== null);
    return sortVersions(stored.filter((v) => !used.has(v)));
  }

  async #days(since: string, caller: Caller): Promise<UsageDay[]> {
    // Only the records of the days asked for are read (one tag prefix per day), not the whole history.
    const today = dayOf(new Date(this.#deps.now()));
    const prefixes: string[] = [];
    for (let t = Date.parse(`${since}T00:00:00Z`); dayOf(new Date(t)) <= today; t += 86400_000) {
      prefixes.push(...tagPrefixes('usage', dayOf(new Date(t)).replaceAll('-', '')));
    }
    const stored = await this.#records.list<UsageRecord>('usage', prefixes, caller);
    // The running day of this replica: what is not flushed yet counts too (instead of its last flush).
    const own = this.#today.snapshot(this.replica);
    // Merged days and per-replica records, each replica's day counted once (usage-compaction.ts).
    const others = resolveDays(stored).filter((d) => !(d.replica === this.replica && d.day === own.day));
    return own.day >= since ? [...others, own] : others;
  }

  #since(text: string | undefined): string {
    const now = this.#deps.now();
    if (text === undefined) return dayOf(new Date(now - 30 * 86400_000));
    const t = Date.parse(`${text}T00:00:00Z`);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || Number.isNaN(t)) {
      throw new AppError('BAD_REQUEST', `"since" must be a date YYYY-MM-DD, got ${JSON.stringify(text.slice(0, 40))}`);
    }
    if (now - t > MAX_QUERY_DAYS * 86400_000) throw new AppError('BAD_REQUEST', `"since" may reach back ${MAX_QUERY_DAYS} days at most`);
    return text;
  }

  /** "[hostname/]namespace/type" -> "hostname/namespace/type" (hostname default: this registry's). */
  #subject(text: string): string {
    const parts = text.trim().toLowerCase().split('/');
    if (parts.length === 2) parts.unshift(this.#deps.registryHostname);
    if (parts.length !== 3 || parts.some((p) => !/^[a-z0-9][a-z0-9._:-]{0,127}$/.test(p))) {
      throw new AppError(
        'BAD_REQUEST',
        `"provider" must be "namespace/type" or "hostname/namespace/type", got ${JSON.stringify(text.slice(0, 80))}`,
      );
    }
    try {
      parts[0] = normalizeHostname(parts[0]!);
    } catch (err) {
      throw new AppError('BAD_REQUEST', `"provider": ${(err as Error).message}`);
    }
    return parts.join('/');
  }
}

const tagOf = (day: string, replica: string): string => recordTag('usage', day.replaceAll('-', ''), replica);
