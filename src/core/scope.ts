// Where this server's artifacts live in the store and the hostname they are served under: the two values
// every feature needs to turn an address into a repository name (src/layout/names.ts).
export interface StoreScope {
  /** Repository name prefix (may be empty). */
  prefix: string;
  /** Normalized hostname (with a non-default port) that providers.v1 and modules.v1 serve. */
  registryHostname: string;
}
