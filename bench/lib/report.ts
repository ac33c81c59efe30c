// Renders the benchmark report as markdown: the machine (nproc, memory, CPU model, Node, tool versions,
// date, exact command), then per scenario its tables (ours / anchor / ratio), target checks and notes.
import { spawnSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import type { ScenarioResult, Table, TargetCheck } from '../scenario.js';

export interface MachineInfo {
  nproc: number;
  memory: string;
  cpuModel: string;
  node: string;
  kernel: string;
  date: string;
  tools: Record<string, string>;
}

function firstLine(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  const text = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
  return r.error ? 'not found' : (text.split('\n')[0] ?? '').trim();
}

export function machineInfo(): MachineInfo {
  return {
    nproc: Number(firstLine('nproc', [])) || cpus().length,
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    kernel: firstLine('uname', ['-sr']),
    date: new Date().toISOString(),
    tools: {
      'docker-registry': firstLine('/usr/bin/docker-registry', ['--version']).split(' ').pop() ?? '',
      nginx: firstLine('/usr/sbin/nginx', ['-v']).replace('nginx version: ', ''),
      wrk: firstLine('/usr/bin/wrk', ['-v']).split(' ').slice(0, 2).join(' '),
      curl: firstLine('/usr/bin/curl', ['--version']).split(' ').slice(0, 2).join(' '),
    },
  };
}

export function renderTable(t: Table): string {
  const esc = (s: string) => s.replaceAll('|', '\\|');
  const lines = [`**${t.title}**`, '', `| ${t.columns.map(esc).join(' | ')} |`, `|${t.columns.map(() => '---').join('|')}|`];
  for (const r of t.rows) lines.push(`| ${r.map(esc).join(' | ')} |`);
  return lines.join('\n');
}

function renderTargets(targets: TargetCheck[]): string {
  if (targets.length === 0) return '';
  const mark = (m: boolean | null) => (m === null ? '—' : m ? 'met' : '**MISSED**');
  return renderTable({
    title: 'Targets',
    columns: ['target', 'measured', ''],
    rows: targets.map((t) => [t.target, t.measured, mark(t.met)]),
  });
}

export interface ReportSection {
  id: string;
  title: string;
  result?: ScenarioResult;
  error?: string;
  skipped?: string;
  seconds: number;
  /** 1-minute load average at the start and at the end (other work on the machine shows here). */
  load?: [number, number];
}

export function renderReport(opts: {
  machine: MachineInfo;
  command: string;
  quick: boolean;
  pinned: boolean;
  sections: ReportSection[];
  preface: string[];
}): string {
  const m = opts.machine;
  const out: string[] = [];
  out.push(opts.quick ? '# Benchmarks (quick mode)' : '# Benchmarks');
  out.push('');
  out.push(...opts.preface);
  out.push('');
  out.push('## Machine and run');
  out.push('');
  out.push(`- Date: ${m.date}`);
  out.push(`- Command: \`${opts.command}\``);
  out.push(`- CPUs (nproc): ${m.nproc} — ${m.cpuModel}; memory ${m.memory}; ${m.kernel}`);
  out.push(
    `- Node ${m.node}; ${Object.entries(m.tools)
      .map(([k, v]) => `${k}: ${v}`)
      .join('; ')}`,
  );
  out.push(`- CPU pinning (taskset): ${opts.pinned ? 'on where stated' : 'unavailable, not pinned'}`);
  out.push('');
  const summary: string[][] = [];
  for (const s of opts.sections) {
    const status = s.error ? 'ERROR' : s.skipped ? `skipped: ${s.skipped}` : 'ok';
    summary.push([s.id, s.title, status, `${s.seconds.toFixed(0)} s`, s.load ? `${s.load[0].toFixed(1)} → ${s.load[1].toFixed(1)}` : '']);
  }
  out.push(
    renderTable({
      title: `Scenarios (load average: 1-minute, at start → end; above ~${m.nproc} other work was competing for the CPUs)`,
      columns: ['id', 'scenario', 'status', 'time', 'load average'],
      rows: summary,
    }),
  );
  out.push('');
  // Every target of the run in one table, each goal followed by the limit measured beside it (the rows
  // without a verdict), so that one run's standing can be read in one place.
  const all = opts.sections.flatMap((s) => (s.result?.targets ?? []).map((t) => ({ id: s.id, t })));
  if (all.length > 0) {
    const mark = (m: boolean | null) => (m === null ? '—' : m ? 'met' : '**MISSED**');
    const judged = all.filter((x) => x.t.met !== null);
    out.push(
      renderTable({
        title: `Every target of this run (${judged.filter((x) => x.t.met).length} of ${judged.length} met; "—": a limit measured beside the goal above it, or not judged)`,
        columns: ['scenario', 'target', 'measured', ''],
        rows: all.map(({ id, t }) => [id, t.target, t.measured, mark(t.met)]),
      }),
    );
    out.push('');
  }
  for (const s of opts.sections) {
    out.push(`## ${s.title}`);
    out.push('');
    if (s.error) {
      out.push('```');
      out.push(s.error);
      out.push('```');
      out.push('');
      continue;
    }
    if (s.skipped) {
      out.push(`Skipped: ${s.skipped}`);
      out.push('');
      continue;
    }
    const r = s.result!;
    for (const t of r.tables) {
      out.push(renderTable(t));
      out.push('');
    }
    const targets = renderTargets(r.targets);
    if (targets) {
      out.push(targets);
      out.push('');
    }
    if (r.notes.length > 0) {
      for (const n of r.notes) out.push(`- ${n}`);
      out.push('');
    }
  }
  return out.join('\n');
}
