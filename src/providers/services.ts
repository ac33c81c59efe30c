// The use cases bound to their dependencies: the only surface the HTTP layer sees. Keeps http/ free of
// storage details (it never touches the OCI store or the caches).
import type { Caller } from '../core/caller.js';
import type { ProviderDeps } from './deps.js';
import { mirrorIndex, mirrorVersion } from './provider-mirror.js';
import { findProviderPackage, listProviderVersions } from './provider-registry.js';

export function createServices(deps: ProviderDeps) {
  return {
    listProviderVersions: (namespace: string, type: string, caller: Caller) => listProviderVersions(deps, namespace, type, caller),
    findProviderPackage: (input: Parameters<typeof findProviderPackage>[1], caller: Caller) => findProviderPackage(deps, input, caller),
    mirrorIndex: (hostname: string, namespace: string, type: string, caller: Caller) =>
      mirrorIndex(deps, hostname, namespace, type, caller),
    mirrorVersion: (input: Parameters<typeof mirrorVersion>[1], caller: Caller) => mirrorVersion(deps, input, caller),
    registryHostname: deps.registryHostname,
  };
}

export type Services = ReturnType<typeof createServices>;
