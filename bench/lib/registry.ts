// The benchmark's own CNCF Distribution registry (docker-registry 2.8) on loopback, with the ACCESS LOG
// ON (test/support/distribution.ts turns it off): every upstream request tf-oci-registry makes shows up
// as one combined-log line on the registry's stdout, so a scenario can count the requests a window of
// traffic cost, by User-Agent ("tf-oci-registry" for the server; fixture pushes use another one).
import { closeSync, mkdirSync, openSync, readSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { distributionConfig } from '../../test/support/distribution.js';
import { freePort, spawnTracked, stopChild, waitForHttp } from './processes.js';

export const REGISTRY_BIN = '/usr/bin/docker-registry';

export interface UpstreamCount {
  total: number;
  /** Per "METHOD kind" where kind is tags, manifests, blobs, uploads or other. */
  byKind: Record<string, number>;
}

export interface BenchRegistry {
  readonly url: string;
  readonly pid: number;
  /** A mark in the access log; `countSince(mark)` counts the lines written after it. */
  mark(): number;
  /**
   * Requests logged after `mark` whose User-Agent starts with `userAgent`; with `onPath`, only those whose
   * path it accepts (onRepository).
   */
  countSince(mark: number, userAgent: string, onPath?: (path: string) => boolean): UpstreamCount;
  stop(): Promise<void>;
}

/** Starts the registry with its storage under `dir`. */
export async function startBenchRegistry(dir: string): Promise<BenchRegistry> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = join(dir, 'config.yml');
  const accessLog = join(dir, 'access.log');
  const errorLog = join(dir, 'registry.log');
  writeFileSync(config, distributionConfig({ port, dataDir: join(dir, 'data'), accessLog: true }));
  const out = openSync(accessLog, 'a');
  const err = openSync(errorLog, 'a');
  const child = spawnTracked(REGISTRY_BIN, ['serve', config], { stdio: ['ignore', out, err] });
  closeSync(out);
  closeSync(err);
  await waitForHttp(`${url}/v2/`, child, `docker-registry (log: ${errorLog})`, 60_000);

  const size = () => {
    try {
      return statSync(accessLog).size;
    } catch {
      return 0;
    }
  };
  return {
    url,
    pid: child.pid!,
    mark: size,
    countSince: (mark, userAgent, onPath) => countRequests(readFrom(accessLog, mark), userAgent, onPath),
    stop: () => stopChild(child),
  };
}

/** A path filter for countRequests: the requests on `repository` (`/v2/<repository>/...`). */
export function onRepository(repository: string): (path: string) => boolean {
  const prefix = `/v2/${repository}/`;
  return (path) => path.startsWith(prefix);
}

/**
 * The requests of registry access-log `text` whose User-Agent starts with `userAgent` (and, with
 * `onPath`, whose path it accepts), per method and kind (tags, manifests, uploads, blobs).
 */
export function countRequests(text: string, userAgent: string, onPath?: (path: string) => boolean): UpstreamCount {
  const byKind: Record<string, number> = {};
  let total = 0;
  for (const line of text.split('\n')) {
    // 127.0.0.1 - - [date] "GET /v2/<name>/tags/list?n=1000 HTTP/1.1" 200 123 "" "tf-oci-registry"
    const m = /"(\w+) (\S+) HTTP\/[\d.]+" \d+ \d+ "[^"]*" "([^"]*)"/.exec(line);
    if (!m || !m[3]!.startsWith(userAgent)) continue;
    const path = m[2]!;
    if (onPath !== undefined && !onPath(path)) continue;
    const kind = /\/tags\/list/.test(path)
      ? 'tags'
      : /\/manifests\//.test(path)
        ? 'manifests'
        : /\/blobs\/uploads/.test(path)
          ? 'uploads'
          : /\/blobs\//.test(path)
            ? 'blobs'
            : 'other';
    const key = `${m[1]} ${kind}`;
    byKind[key] = (byKind[key] ?? 0) + 1;
    total++;
  }
  return { total, byKind };
}

/** The bytes of a file from `offset` to its current end, as text. */
function readFrom(file: string, offset: number): string {
  const fd = openSync(file, 'r');
  try {
    const length = Math.max(0, statSync(file).size - offset);
    const buf = Buffer.alloc(length);
    let read = 0;
    while (read < length) {
      const n = readSync(fd, buf, read, length - read, offset + read);
      if (n === 0) break;
      read += n;
    }
    return buf.subarray(0, read).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** "3 (GET tags 1, GET manifests 2)". */
export function fmtCount(c: UpstreamCount): string {
  const parts = Object.entries(c.byKind)
    .sort()
    .map(([k, v]) => `${k} ${v}`);
  return parts.length === 0 ? '0' : `${c.total} (${parts.join(', ')})`;
}
