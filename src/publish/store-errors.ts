// Translation of storage failures met by the publish use cases into application errors, through the
// read path's table (registry/upstream-errors.ts): auth -> 401/403, down -> 502, timeout -> 504. A
// NOT_FOUND that reaches this point is something we just wrote and could not find again: a 502.
import type { AppError } from '../errors.js';
import type { RegistryDeps } from '../registry/context.js';
import { toAppError } from '../registry/upstream-errors.js';

export function storeError(err: unknown, deps: Pick<RegistryDeps, 'store'>): AppError {
  return toAppError(err, ['UPSTREAM_ERROR', 'the OCI registry lost content this server had just written'], deps.store.describe);
}
