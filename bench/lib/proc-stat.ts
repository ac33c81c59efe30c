// CPU time and minor page faults of a process or one of its threads, from /proc/<pid>[/task/<tid>]/stat
// (proc(5): utime, stime and minflt are fields 14, 15 and 10, counted after the parenthesised command name,
// which may hold spaces; times in clock ticks, USER_HZ = 100 on Linux).
import { readdirSync, readFileSync } from 'node:fs';

const CLOCK_TICKS_PER_S = 100; // getconf CLK_TCK

export interface ProcStat {
  userMs: number;
  sysMs: number;
  /** userMs + sysMs. */
  cpuMs: number;
  minflt: number;
}

/** The process `pid` (all its threads, exited ones included), or its thread `tid` (the main thread's id is the pid). Throws when gone. */
export function readProcStat(pid: number, tid?: number): ProcStat {
  const stat = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const userMs = (Number(f[11]) * 1000) / CLOCK_TICKS_PER_S;
  const sysMs = (Number(f[12]) * 1000) / CLOCK_TICKS_PER_S;
  return { userMs, sysMs, cpuMs: userMs + sysMs, minflt: Number(f[7]) };
}

/** CPU ms of every live thread of a process, by thread id. */
export function threadCpuMs(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      out.set(Number(tid), readProcStat(pid, Number(tid)).cpuMs);
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}
