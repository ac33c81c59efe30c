// Where the time of one `terraform init` goes, from TF_LOG=trace timestamps: start-up, CLI/backend,
// metadata requests, package download + checksum (+ GPG) + unzip, lock file and exit (bench/terraform-init.ts).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Phases of one traced `terraform init`, ms (from the TF_LOG=trace timestamps, millisecond resolution). */
export interface Phases {
  /** spawn -> first log line: exec, Go runtime and package init of a ~90 MB binary. */
  startup: number;
  /** first log line -> first HTTP request: CLI config, configuration, backend, state. */
  cli: number;
  /** first HTTP request -> package download starts: versions / download JSON / SHA256SUMS / .sig, or index.json / <version>.json. */
  metadata: number;
  /** package download starts -> last log line: download, checksum (+ GPG), unzip into the plugin cache, link. */
  pkg: number;
  /** v1 only: package download starts -> "Provider signed by": download + checksum + signature check. */
  verified?: number;
  /** last log line -> exit: lock file hashes and write, exit. */
  exit: number;
  total: number;
}

/** Parses a TF_LOG=trace file into phases; undefined when a marker is missing (another terraform version). */
export function parsePhases(log: string, startedAt: number, endedAt: number): Phases | undefined {
  const lines: Array<{ t: number; text: string }> = [];
  for (const line of log.split('\n')) {
    const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (.*)$/.exec(line);
    if (m) lines.push({ t: Date.parse(m[1]!), text: m[2]! });
  }
  const at = (re: RegExp) => lines.find((l) => re.test(l.text))?.t;
  const first = lines[0]?.t;
  const last = lines.at(-1)?.t;
  const get = at(/(?:\] GET|HTTP client GET request to) https:\/\//);
  const install = at(/providercache\.Dir\.InstallPackage: installing/);
  const signed = at(/Provider signed by/);
  if (first === undefined || last === undefined || get === undefined || install === undefined) return undefined;
  return {
    startup: first - startedAt,
    cli: get - first,
    metadata: install - get,
    pkg: last - install,
    ...(signed !== undefined ? { verified: signed - install } : {}),
    exit: endedAt - last,
    total: endedAt - startedAt,
  };
}

/** Sum of file sizes under a directory (the unpacked provider). */
export function duBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    n += e.isDirectory() ? duBytes(p) : e.isFile() ? statSync(p).size : 0;
  }
  return n;
}
