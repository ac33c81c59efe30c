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
