// The use cases bound to their dependencies: the only surface the HTTP layer sees. Keeps http/ free of
// storage details (it never touches the OCI store or the caches).
import type { Caller, RegistryDeps } from './context.js';
import { headDownload, openDownload } from './downloads.js';
import { mirrorIndex, mirrorVersion } from './provider-mirror.js';
import { findProviderPackage, listProviderVersions } from './provider-registry.js';
import { toAppError } from './upstream-errors.js';
import { AppError } from '../errors.js';

export function createServices(deps: RegistryDeps) {
  return {
    listProviderVersions: (namespace: string, type: string, caller: Caller) => listProviderVersions(deps, namespace, type, caller),
    findProviderPackage: (input: Parameters<typeof findProviderPackage>[1], caller: Caller) => findProviderPackage(deps, input, caller),
    mirrorIndex: (hostname: string, namespace: string, type: string, caller: Caller) => mirrorIndex(deps, hostname, namespace, type, caller),
    mirrorVersion: (input: Parameters<typeof mirrorVersion>[1], caller: Caller) => mirrorVersion(deps, input, caller),
    headDownload: (token: string) => headDownload(deps, token),
    openDownload: (token: string, signal?: AbortSignal) => openDownload(deps, token, signal),
    /** Readiness: the store answers. */
    async ready(signal?: AbortSignal): Promise<void> {
      try {
        await deps.store.ping(signal ? { signal } : {});
      } catch (err) {
        const e = toAppError(err, ['NOT_READY', 'store not found'], deps.store.describe);
        throw new AppError('NOT_READY', `not ready: ${e.message}`, { cause: err });
      }
    },
    describeStore: deps.store.describe,
    publicHostname: deps.publicHostname,
  };
}

export type Services = ReturnType<typeof createServices>;
