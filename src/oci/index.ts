// Public surface of the generic OCI layer: the storage port, its three implementations (remote
// registry, local image layout, in-memory fake), the error type, OCI data types, and the token cache
// that main creates and injects. Nothing here knows Terraform.
export type {
  BlobPushOptions,
  BlobRedirect,
  CallOptions,
  Credential,
  FetchedBlob,
  FetchedManifest,
  OciStore,
} from './store.js';
export { OciError, isOciError, type OciErrorCode, type OciErrorInit, type WireError } from './errors.js';
export * from './types.js';
export { DigestCounter, sha256Digest, validateReference, validateRepository, type ContentLimits } from './store-support.js';
export { createMemoryStore, type MemoryStore, type StoreMethod } from './memory-store.js';
export { createLayoutStore, type LayoutStoreOptions } from './layout-store.js';
export { createRegistryStore, parseRegistryUrl, type RegistryStoreOptions } from './remote/registry-store.js';
export { TokenCache, credentialIdentity, type TokenCacheOptions } from './remote/token-cache.js';
export { parseChallenges, type Challenge } from './remote/challenge.js';
export type { DebugLogger } from './remote/transport.js';
