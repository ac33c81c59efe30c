// The self-test's text output: one line per check ("ok", "warn", "FAIL", "skip"), a fix hint on the same
// line for warnings and failures, and a summary line (docs/operations.md#check shows an example).
import type { StoreCheckReport } from './types.js';

const LABEL = { ok: 'ok  ', warn: 'warn', fail: 'FAIL', skip: 'skip' } as const;

export function reportLines(report: StoreCheckReport): string[] {
  const width = Math.max(...report.results.map((r) => r.name.length));
  const lines = report.results.map((r) => `${LABEL[r.status]}  ${r.name.padEnd(width)}  ${r.message}${r.hint ? ` -- fix: ${r.hint}` : ''}`);
  const count = (s: string) => report.results.filter((r) => r.status === s).length;
  lines.push(
    `${report.ok ? 'check passed' : 'check FAILED'}: ${count('ok')} ok, ${count('warn')} warn, ${count('fail')} fail, ${count('skip')} skipped ` +
      `(store ${report.store}, scratch repository ${report.repository})`,
  );
  return lines;
}
