// Readiness of the server: the configured store answers. Behind GET /readyz (src/http/routes/health.ts).
import type { OciStore } from '../oci/store.js';
import { AppError } from './app-error.js';
import { toAppError } from './store-errors.js';

export interface Readiness {
  /** Resolves when the store answers; throws NOT_READY naming why otherwise. */
  ready(signal?: AbortSignal): Promise<void>;
  /** Where the store is (URL or directory), for the readiness answer. */
  describeStore: string;
}

export function createReadiness(store: OciStore): Readiness {
  return {
    async ready(signal) {
      try {
        await store.ping(signal ? { signal } : {});
      } catch (err) {
        const e = toAppError(err, ['NOT_READY', 'store not found'], store.describe);
        throw new AppError('NOT_READY', `not ready: ${e.message}`, { cause: err });
      }
    },
    describeStore: store.describe,
  };
}
