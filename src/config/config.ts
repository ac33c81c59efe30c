// The validated configuration the server runs with (what loadConfig returns), and the error every
// configuration problem is reported as. Types only, plus the error class.
import type { AuthConfig } from '../auth/config.js';

export interface Config {
  server: {
    listen: { host: string; port: number };
    publicUrl: URL;
    /** Hostname of provider/module addresses (normalized later by the layout rules). */
    registryHostname: string;
    secrets: string[];
    /** True when no secret was configured and a random one was made (single-replica use only). */
    secretsGenerated: boolean;
    downloadUrlTtl: number;
    requestTimeout: number;
    /** "proxy" streams blobs; "redirect" hands out the registry's object-storage redirects (307). */
    downloadMode: 'proxy' | 'redirect';
    tls: { cert?: string; key?: string; selfSigned: boolean };
  };
  storage: {
    kind: 'layout' | 'registry';
    url?: string;
    prefix: string;
    path: string;
    plainHttp: boolean;
    username?: string;
    password?: string;
  };
  auth: AuthConfig;
  mirror: {
    basePath: string;
    /** Pull-through upstreams ([[mirror.upstream]]); empty = the mirror serves only what is stored. */
    upstreams: MirrorUpstream[];
    /** Seconds an upstream version listing is reused. */
    upstreamTtl: number;
    /** The credential mirrored providers are written with (delegate mode; else the storage credential). */
    username?: string;
    password?: string;
  };
  cache: { maxBytes: number; tagsTtl: number };
  publish: {
    maxCompressedBytes: number;
    maxUncompressedBytes: number;
    maxEntryBytes: number;
    maxEntries: number;
    maxSmallFileBytes: number;
    uploadUrlTtl: number;
  };
  modules: { maxUploadBytes: number; maxUnpackedBytes: number; maxFileBytes: number; maxEntries: number };
  log: { level: string };
}

/** One [[mirror.upstream]] (src/config/mirror-upstreams.ts checks them). */
export interface MirrorUpstream {
  /** Normalized provider hostname (lowercase, punycode, non-default port kept). */
  hostname: string;
  /** Base URL of the upstream's service discovery (`<url>.well-known/terraform.json`), ending with "/". */
  url: URL;
  /** Pinned signing keys (armored); empty = trust the keys the upstream returns with each release. */
  signingKeys: string[];
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
