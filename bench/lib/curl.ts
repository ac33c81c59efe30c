// Download throughput with curl: one download (`-o /dev/null -w %{speed_download}`), or `clients`
// downloads started together (aggregate = all bytes / the longest curl `time_total`, which leaves out the
// few ms of process start-up that would otherwise weigh on a 0.1 s transfer). Each download
// must be 200 with the expected size, or the measurement throws.
import { runCommand } from './processes.js';

export const CURL_BIN = '/usr/bin/curl';

export interface CurlResult {
  bytes: number;
  /** curl's own average speed, bytes/s. */
  speed: number;
  seconds: number;
}

export async function curlDownload(url: string, expectedSize: number): Promise<CurlResult> {
  const r = await runCommand(
    CURL_BIN,
    ['-s', '-S', '-o', '/dev/null', '-w', '%{http_code} %{size_download} %{speed_download} %{time_total}', url],
    {
      timeoutMs: 120_000,
    },
  );
  const [code, size, speed, time] = r.stdout.trim().split(' ');
  if (r.code !== 0 || code !== '200' || Number(size) !== expectedSize) {
    const exit = r.timedOut ? 'killed after 120 s' : `exit ${r.code}`;
    throw new Error(
      `curl ${url.replace(/\/download\/[^/]+\//, '/download/…/')}: ${exit}, HTTP ${code ?? ''}, ${size ?? 0} of ${expectedSize} bytes ${r.stderr}`.trim(),
    );
  }
  return { bytes: Number(size), speed: Number(speed), seconds: Number(time) };
}

export interface ConcurrentResult {
  /** Sum of bytes / longest curl time_total, bytes/s. */
  aggregate: number;
  perClient: number[];
  /** Longest curl time_total, s. */
  seconds: number;
}

export async function curlConcurrent(url: string, expectedSize: number, clients: number): Promise<ConcurrentResult> {
  // allSettled, not all: a failed round returns only once every curl of it ended, so a retry never overlaps it.
  const settled = await Promise.allSettled(Array.from({ length: clients }, () => curlDownload(url, expectedSize)));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  const results = settled.map((s) => (s as PromiseFulfilledResult<CurlResult>).value);
  const seconds = Math.max(...results.map((r) => r.seconds));
  const bytes = results.reduce((a, r) => a + r.bytes, 0);
  return { aggregate: bytes / seconds, perClient: results.map((r) => r.speed), seconds };
}

/**
 * Bytes a Node process must carry before its download path runs at its steady speed: V8 optimizes a
 * function once it has run enough bytecode, and the per-chunk functions of a proxy (a few hundred calls
 * per 100 MB) get there over the first gigabyte. A fresh Node proxy (ours or the Node floor) ran its first
 * 100 MB downloads at 0.4-0.6 of the speed it reached after 1 to 1.5 GB, and ours still gained a little up
 * to 3 GB (bench/findings.md, "Downloads: a gigabyte of JIT warm-up"); a server that has been up a while is
 * past it.
 */
export const JIT_WARM_BYTES = 3_200_000_000;

/**
 * Warms a download path: rounds of `clients` concurrent downloads of `url` until `bytes` were carried (at
 * least one round). Each download is checked as in curlDownload.
 */
export async function warmDownloads(url: string, expectedSize: number, bytes: number, clients = 8): Promise<number> {
  const rounds = Math.max(1, Math.ceil(bytes / (expectedSize * clients)));
  for (let i = 0; i < rounds; i++) await curlConcurrent(url, expectedSize, clients);
  return rounds;
}
