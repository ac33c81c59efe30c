// Compaction of the usage records (docs/operations.md#usage): each replica writes one record per UTC day,
// `usage.<YYYYMMDD>.<replica>`; once a day has ended (and every replica had a flush interval to write its
// last counts), any replica merges that day's records into ONE, `usage.<YYYYMMDD>.all`, which holds each
// replica's day with the digest of the record it came from. Safe with several replicas without a lock:
// - a replica record whose digest the merged record holds is deleted only at a LATER run, when every
//   compaction that could have written an older merged record has long finished; a record whose digest
//   differs (written again after the merge) is merged again, never lost;
// - readers (resolveDays) take the merged parts and replace a part by the replica's own record whenever
//   that record is newer (another digest), so nothing is counted twice while records and merges overlap;
// - two replicas merging at once write the same content from the same records.
import type { Stored } from '../core/record-store.js';
import type { UsageDay } from './usage-day.js';

/** The replica name of merged records. Random replica names start with "r". */
export const MERGED_REPLICA = 'all';

/** A replica's day inside a merged record, with the digest of the record it was read from. */
export interface UsagePart extends UsageDay {
  digest: string;
}

/** A stored usage record: one replica's day, or (replica "all") the merged day. */
export interface UsageRecord extends UsageDay {
  parts?: UsagePart[];
}

/** Merged records larger than this (JSON bytes) are not written (records stay per replica). */
export const MAX_MERGED_BYTES = 1024 * 1024;

/** The replicas' days of every day in `stored`, each counted once (see the file comment). */
export function resolveDays(stored: ReadonlyArray<Stored<UsageRecord>>): UsageDay[] {
  const merged = new Map<string, Map<string, UsagePart>>();
  for (const r of stored) {
    if (r.data.replica === MERGED_REPLICA) merged.set(r.data.day, new Map((r.data.parts ?? []).map((p) => [p.replica, p])));
  }
  const out: UsageDay[] = [];
  const replaced = new Set<string>();
  for (const r of stored) {
    if (r.data.replica === MERGED_REPLICA) continue;
    const part = merged.get(r.data.day)?.get(r.data.replica);
    if (part && part.digest === r.digest) continue; // already in the merged record
    if (part) replaced.add(`${r.data.day}|${r.data.replica}`);
    out.push(r.data);
  }
  for (const [day, parts] of merged) {
    for (const p of parts.values()) {
      if (replaced.has(`${day}|${p.replica}`)) continue;
      const { digest: _digest, ...data } = p;
      out.push(data);
    }
  }
  return out;
}

/** What one compaction of a day does: the merged record to write (or none), and the records to delete. */
export interface DayCompaction {
  /** The new merged record, when some replica record is not in the current one. */
  write?: UsageRecord;
  /** Replica records the CURRENT merged record already holds with the same digest: safe to delete now. */
  remove: Array<Stored<UsageRecord>>;
}

/** Plans the compaction of one day from its merged record (or null) and its replica records. */
export function planDay(day: string, current: Stored<UsageRecord> | null, replicas: ReadonlyArray<Stored<UsageRecord>>): DayCompaction {
  const parts = new Map((current?.data.parts ?? []).map((p) => [p.replica, p]));
  const remove: Array<Stored<UsageRecord>> = [];
  let changed = false;
  for (const r of replicas) {
    const part = parts.get(r.data.replica);
    if (part && part.digest === r.digest) {
      remove.push(r);
      continue;
    }
    const { parts: _nested, ...data } = r.data;
    parts.set(r.data.replica, { ...data, digest: r.digest });
    changed = true;
  }
  if (!changed) return { remove };
  const sorted = [...parts.values()].sort((a, b) => (a.replica < b.replica ? -1 : a.replica > b.replica ? 1 : 0));
  const write: UsageRecord = { day, replica: MERGED_REPLICA, entries: [], dropped: 0, parts: sorted };
  if (Buffer.byteLength(JSON.stringify(write)) > MAX_MERGED_BYTES) return { remove: [] };
  return { write, remove };
}
