// An OciStore that reports every call to the metrics (store_requests_total, store_request_duration_seconds)
// and otherwise behaves exactly as the store it wraps: same answers, same errors. Wraps any store, so the
// registry client and the embedded layout directory are measured alike. A blob read is timed until its
// stream opens (the bytes are counted by the download metrics).
import { isOciError } from '../oci/errors.js';
import { type OciStore, STORE_METHODS } from '../oci/store.js';
import type { Metrics } from './metrics.js';

export function instrumentStore(store: OciStore, name: string, metrics: Metrics): OciStore {
  const out: Record<string, unknown> = { describe: store.describe };
  for (const method of STORE_METHODS) {
    const call = (store[method] as (...args: unknown[]) => Promise<unknown>).bind(store);
    out[method] = async (...args: unknown[]) => {
      const started = performance.now();
      try {
        const result = await call(...args);
        metrics.storeCall(name, method, 'ok', (performance.now() - started) / 1000);
        return result;
      } catch (err) {
        metrics.storeCall(name, method, isOciError(err, 'NOT_FOUND') ? 'not_found' : 'error', (performance.now() - started) / 1000);
        throw err;
      }
    };
  }
  return out as unknown as OciStore;
}
