// Small statistics and formatting helpers: medians of repeated runs, ratios, and human units. Every
// reported number is a median of several runs on a noisy shared machine; ratios compare numbers taken
// in the same run.

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Nearest-rank percentile (p in 0..100). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const rank = Math.min(s.length, Math.max(1, Math.ceil((p / 100) * s.length)));
  return s[rank - 1]!;
}

export function min(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : Math.min(...values);
}

export function max(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : Math.max(...values);
}

/** `ours / anchor` with two decimals, e.g. "0.43". */
export function ratio(ours: number, anchor: number): string {
  if (!Number.isFinite(ours) || !Number.isFinite(anchor) || anchor === 0) return 'n/a';
  return (ours / anchor).toFixed(2);
}

export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return 'n/a';
  if (ms < 1) return `${(ms * 1000).toFixed(0)} µs`;
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${ms.toFixed(1)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

export function fmtRate(perSecond: number): string {
  if (!Number.isFinite(perSecond)) return 'n/a';
  return perSecond >= 10_000 ? `${(perSecond / 1000).toFixed(1)} k` : perSecond.toFixed(0);
}

/** Bytes per second as MB/s (10^6). */
export function fmtMBps(bytesPerSecond: number): string {
  return Number.isFinite(bytesPerSecond) ? `${(bytesPerSecond / 1e6).toFixed(0)} MB/s` : 'n/a';
}

/** KiB (as /proc reports) as MB (2^20). */
export function fmtKiB(kib: number): string {
  return Number.isFinite(kib) ? `${(kib / 1024).toFixed(0)} MB` : 'n/a';
}

/** "median (min–max)" of a list of values formatted by `f`. */
export function spread(values: readonly number[], f: (n: number) => string): string {
  if (values.length <= 1) return f(median(values));
  return `${f(median(values))} (${f(min(values))}–${f(max(values))})`;
}

/**
 * The index of the costliest of `costs` when it exceeds `factor` times their median (a window the machine
 * disturbed, judged by an anchor's CPU per unit of work), or undefined. Non-finite costs (an anchor that
 * did not run) are never picked and do not count in the median.
 */
export function disturbedIndex(costs: readonly number[], factor: number): number | undefined {
  const finite = costs.filter((c) => Number.isFinite(c));
  if (finite.length < 2) return undefined;
  const typical = median(finite);
  let worst: number | undefined;
  costs.forEach((c, i) => {
    if (Number.isFinite(c) && c > factor * typical && (worst === undefined || c > costs[worst]!)) worst = i;
  });
  return worst;
}
