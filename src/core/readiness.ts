// Readiness of the server: the configured store answers, within a bound. Behind GET /readyz
// (src/http/routes/health.ts). A store that does not answer in time is reported as exactly that
// ("the OCI registry at … did not answer within 5 s"), never as an internal error. While the server
// drains on SIGTERM (src/cli/serve.ts) it answers "draining" at once, so load balancers stop sending.
import { isOciError } from '../oci/errors.js';
import type { OciStore } from '../oci/store.js';
import { AppError } from './app-error.js';
import { toAppError } from './store-errors.js';

/** How long /readyz waits for the store. */
export const DEFAULT_READY_TIMEOUT_MS = 5_000;

export interface Readiness {
  /**
   * Resolves when the store answers within the readiness timeout; throws NOT_READY naming why otherwise.
   * `signal`: the caller going away (it ends the wait, too).
   */
  ready(signal?: AbortSignal): Promise<void>;
  /** Where the store is (URL or directory), for the readiness answer. */
  describeStore: string;
  /** The server is shutting down: from now on ready() fails with "draining" at once (docs/operations.md#shutdown). */
  drain(): void;
}

export interface ReadinessOptions {
  /** Longest wait for the store's answer, ms. Default DEFAULT_READY_TIMEOUT_MS. */
  timeoutMs?: number;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

export function createReadiness(store: OciStore, opts: ReadinessOptions = {}): Readiness {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  let draining = false;
  return {
    drain() {
      draining = true;
    },
    async ready(signal) {
      if (draining) throw new AppError('NOT_READY', 'not ready: draining (the server is shutting down)');
      const timer = AbortSignal.timeout(timeoutMs);
      const started = performance.now();
      try {
        await store.ping({ signal: signal ? AbortSignal.any([signal, timer]) : timer });
      } catch (err) {
        const waited = performance.now() - started;
        if (timer.aborted || isOciError(err, 'TIMEOUT')) {
          const bound = timer.aborted ? timeoutMs : waited;
          throw new AppError('NOT_READY', `not ready: the store at ${store.describe} did not answer within ${seconds(bound)}`, {
            cause: err,
          });
        }
        if (signal?.aborted) throw new AppError('NOT_READY', 'not ready: the readiness check was cancelled', { cause: err });
        const e = toAppError(err, ['NOT_READY', 'store not found'], store.describe);
        throw new AppError('NOT_READY', `not ready: ${e.message}`, { cause: err });
      }
    },
    describeStore: store.describe,
  };
}
