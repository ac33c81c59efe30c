// Worker-thread entry of the zip inspection pool (zip-inspect-pool.ts): runs inspectZip (central directory,
// inflate, CRC-32, the per-entry sha256 of the h1 hash) on this thread and posts the outcome back, so the
// publishing server's main thread only moves bytes (issue 16, "publish at wire speed").
import { parentPort } from 'node:worker_threads';
import { VerifyError } from './errors.js';
import { inspectZip, type ZipInspectOptions } from './zip-inspect.js';

/** One job: the zip's path and the inspection's limits. */
export interface InspectRequest {
  id: number;
  path: string;
  options: ZipInspectOptions;
}

/** The answer: the inspection, or the error as plain data (a VerifyError keeps its code, an I/O error its errno code). */
export type InspectReply =
  | { id: number; ok: true; inspection: Awaited<ReturnType<typeof inspectZip>> }
  | { id: number; ok: false; error: { verify: boolean; code?: string; message: string } };

parentPort?.on('message', (req: InspectRequest) => {
  inspectZip(req.path, req.options).then(
    (inspection) => parentPort?.postMessage({ id: req.id, ok: true, inspection } satisfies InspectReply),
    (err: unknown) => {
      const e = err as Error & { code?: unknown };
      const code = typeof e.code === 'string' ? e.code : undefined;
      parentPort?.postMessage({
        id: req.id,
        ok: false,
        error: { verify: err instanceof VerifyError, ...(code !== undefined ? { code } : {}), message: e.message ?? String(err) },
      } satisfies InspectReply);
    },
  );
});
