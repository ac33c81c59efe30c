// Checks of one store's settings, shared by [storage] and every [[mirror.service]]: the registry URL
// (https unless plain_http, no credentials in it), the repository name prefix (OCI distribution-spec
// repository grammar) and the download mode each store can honour. Every error names the key.
import { ConfigError, type DownloadMode, type StorageConfig } from './config.js';

/** The repository path grammar of the OCI distribution spec ("Pulling manifests": <name>). */
const PREFIX = /^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$/;

export interface StorageInput {
  kind: 'layout' | 'registry';
  url: string | undefined;
  prefix: string;
  path: string;
  plainHttp: boolean;
  username: string | undefined;
  password: string | undefined;
}

/** Checks a store's settings; `key(name)` spells the key as the user wrote it, e.g. "storage.url". */
export function checkStorage(input: StorageInput, key: (name: string) => string): StorageConfig {
  const { kind, url, plainHttp, username, password } = input;
  if (kind === 'registry') {
    if (!url) throw new ConfigError(`"${key('url')}" is required for a registry store (storage.kind = "registry")`);
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new ConfigError(`"${key('url')}": not a URL: ${JSON.stringify(url)}`);
    }
    if (u.protocol !== 'https:' && !(u.protocol === 'http:' && plainHttp)) {
      throw new ConfigError(`"${key('url')}" must be https:// (set ${key('plain_http')} = true to allow ${u.protocol}//)`);
    }
    if (u.username || u.password) {
      throw new ConfigError(`"${key('url')}" must not contain credentials; use ${key('username')} / ${key('password')}`);
    }
  }
  const prefix = input.prefix.replace(/^\/+|\/+$/g, '');
  if (prefix !== '' && !PREFIX.test(prefix)) {
    throw new ConfigError(
      `"${key('prefix')}": ${JSON.stringify(prefix)} is not a valid OCI repository path (lowercase letters, digits, separators . _ __ -, and /)`,
    );
  }
  return {
    kind,
    prefix,
    path: input.path,
    plainHttp,
    ...(url !== undefined && kind === 'registry' ? { url: url.replace(/\/+$/, '') } : {}),
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
  };
}

/**
 * "direct" hands clients the registry's own blob URL (GET /v2/<name>/blobs/<digest>), so it needs a
 * registry every client can pull from without a credential: refused for a layout directory and when
 * callers' credentials decide access (delegate mode), where an anonymous URL would bypass that decision.
 */
export function checkDownloadMode(mode: DownloadMode, storage: StorageConfig, authMode: string, key: string): DownloadMode {
  if (mode === 'direct' && storage.kind !== 'registry') {
    throw new ConfigError(`"${key}" = "direct" needs a registry store (a layout directory has no URL clients can fetch from)`);
  }
  if (mode === 'direct' && authMode === 'delegate') {
    throw new ConfigError(
      `"${key}" = "direct" cannot be used with auth.mode = "delegate": download URLs carry no credential, so the registry could not decide who reads`,
    );
  }
  return mode;
}
