// Summarizes a V8 .cpuprofile (written by `node --cpu-prof`): self time per area (our src/ folders,
// each node_modules package, Node internals, GC, idle) and the top functions by self and by inclusive
// time, as markdown tables. Used by `npm run bench -- --profile` and `node --import tsx
// bench/profile-summary.ts FILE`.
import { readFileSync } from 'node:fs';
import type { Table } from '../scenario.js';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame's code lives: `src/http`, `hono`, `node:internal`, `(garbage collector)`, … */
export function areaOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  if (url.startsWith('node:')) return url.startsWith('node:internal') ? 'node:internal' : url;
  // The benchmarked server runs the compiled build (dist-bench/, bench/lib/server.ts): named as its src/ file.
  const src = /\/(src|dist-bench|test|bench)\/([^/]+)\//.exec(url);
  if (src) return `${src[1] === 'dist-bench' ? 'src' : src[1]}/${src[2]}`;
  const top = /\/(src|dist-bench|test|bench)\/[^/]+$/.exec(url);
  if (top) return top[1] === 'dist-bench' ? 'src' : top[1]!;
  return url;
}

function frameKey(f: CallFrame): string {
  const file =
    f.url === ''
      ? ''
      : ` ${f.url
          .replace(/^.*\/(node_modules|src|dist-bench|test|bench)\//, '$1/')
          .replace(/^dist-bench\//, 'src/')
          .replace(/^file:\/\//, '')}:${f.lineNumber + 1}`;
  return `${f.functionName || '(anonymous)'}${file}`;
}

export interface ProfileSummary {
  totalMs: number;
  /** ms of samples that were not (idle). */
  busyMs: number;
  tables: Table[];
}

export function summarizeProfile(file: string, top = 25): ProfileSummary {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  for (const n of prof.nodes) byId.set(n.id, n);
  const selfUs = new Map<number, number>();
  for (let i = 0; i < prof.samples.length; i++) {
    const id = prof.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0));
  }
  // Inclusive time per node, then per function key (counted once per stack, so recursion does not double).
  const parent = new Map<number, number>();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusiveByKey = new Map<string, number>();
  const selfByKey = new Map<string, number>();
  const selfByArea = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    totalUs += us;
    if (node.callFrame.functionName === '(idle)') idleUs += us;
    const key = frameKey(node.callFrame);
    selfByKey.set(key, (selfByKey.get(key) ?? 0) + us);
    const area = areaOf(node.callFrame);
    selfByArea.set(area, (selfByArea.get(area) ?? 0) + us);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const k = frameKey(byId.get(cur)!.callFrame);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusiveByKey.set(k, (inclusiveByKey.get(k) ?? 0) + us);
    }
  }
  const busyUs = totalUs - idleUs;
  const pct = (us: number) => `${((100 * us) / Math.max(1, busyUs)).toFixed(1)} %`;
  const ms = (us: number) => (us / 1000).toFixed(0);
  const sorted = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]);
  const skip = new Set(['(root)', '(program)', '(idle)']);
  return {
    totalMs: totalUs / 1000,
    busyMs: busyUs / 1000,
    tables: [
      {
        title: 'Self time by area (% of non-idle samples)',
        columns: ['area', 'self ms', 'share'],
        rows: sorted(selfByArea)
          .filter(([a]) => a !== '(idle)')
          .slice(0, top)
          .map(([a, us]) => [a, ms(us), pct(us)]),
      },
      {
        title: `Top ${top} functions by self time`,
        columns: ['function', 'self ms', 'share'],
        rows: sorted(selfByKey)
          .filter(([k]) => !skip.has(k))
          .slice(0, top)
          .map(([k, us]) => [k, ms(us), pct(us)]),
      },
      {
        title: `Top ${top} functions by inclusive time (src/ and packages only)`,
        columns: ['function', 'incl. ms', 'share'],
        rows: sorted(inclusiveByKey)
          .filter(([k]) => / (src|node_modules)\//.test(k))
          .slice(0, top)
          .map(([k, us]) => [k, ms(us), pct(us)]),
      },
    ],
  };
}
