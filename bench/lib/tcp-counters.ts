// The kernel's TCP counters around a load round (Linux /proc/net/netstat "TcpExt" and /proc/net/snmp
// "Tcp", as `nstat` prints them): whether the machine, not the server, stalled the transfers. Under
// tcp_mem pressure the kernel stops growing socket buffers and prunes receive queues; the dropped
// segments come back after retransmission timeouts that double up to 120 s (tcp(7), "tcp_mem").
import { readFileSync } from 'node:fs';

/** The counters this report reads. */
export const TCP_COUNTERS = ['TCPMemoryPressures', 'TCPMemoryPressuresChrono', 'RcvPruned', 'ListenOverflows', 'RetransSegs'] as const;
export type TcpCounter = (typeof TCP_COUNTERS)[number];
export type TcpCounters = Record<TcpCounter, number>;

function parsePairs(text: string, prefix: string, out: Map<string, number>): void {
  const lines = text.split('\n').filter((l) => l.startsWith(`${prefix}:`));
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const names = lines[i]!.split(/\s+/).slice(1);
    const values = lines[i + 1]!.split(/\s+/).slice(1);
    for (let j = 0; j < names.length; j++) out.set(names[j]!, Number(values[j]));
  }
}

/** The system-wide counters now, or undefined where /proc/net is not readable (not Linux). */
export function readTcpCounters(): TcpCounters | undefined {
  try {
    const all = new Map<string, number>();
    parsePairs(readFileSync('/proc/net/netstat', 'utf8'), 'TcpExt', all);
    parsePairs(readFileSync('/proc/net/snmp', 'utf8'), 'Tcp', all);
    return Object.fromEntries(TCP_COUNTERS.map((c) => [c, all.get(c) ?? 0])) as TcpCounters;
  } catch {
    return undefined;
  }
}

/** What changed between two readings, in words: "TCP memory pressure 3 times (12 s), 40 receive queues pruned, ...". */
export function describeTcpDelta(before: TcpCounters | undefined, after: TcpCounters | undefined): string {
  if (!before || !after) return 'n/a (no /proc/net)';
  const d = (c: TcpCounter) => after[c] - before[c];
  return [
    `tcp_mem pressure ${d('TCPMemoryPressures')} times (${(d('TCPMemoryPressuresChrono') / 1000).toFixed(0)} s)`,
    `${d('RcvPruned')} receive queues pruned`,
    `${d('RetransSegs')} segments retransmitted`,
    `${d('ListenOverflows')} accept-queue overflows`,
  ].join(', ');
}
