// Test support for access control: builds the REAL application the way `serve` does (loadConfig ->
// createServerApp, src/server/build-deps.ts) over a given store, from a TOML snippet, with the
// production logger (its redaction rules included) writing into an array the tests search, and a
// controllable clock for download tickets. Also: a store wrapper that calls as one credential (to push
// "as the pusher" with the credential our authenticate hook derived), and small HTTP helpers.
import { Writable } from 'node:stream';
import { loadConfig, type Config } from '../../src/config/load.js';
import type { OciStore, CallOptions, Credential } from '../../src/oci/store.js';
import { createLogger, createServerApp, createStore } from '../../src/wiring/server-app.js';

export const SECRET = 'auth-test-secret-0123456789abcdef';

export interface AuthTestApp extends ReturnType<typeof createServerApp> {
  config: Config;
  clock: { now: number };
  logLines: string[];
  /** Every log line joined, for searching. */
  logs(): string;
}

/**
 * The app for `toml` (with [server] public_url and secrets defaulted) over `store`, or, when `store` is
 * undefined, over the store `serve` would build from the config (createStore: in delegate mode it has
 * no credential of its own).
 */
export function buildAuthApp(
  store: OciStore | undefined,
  toml: string,
  env: Record<string, string> = {},
  files: Record<string, string> = {},
  opts: { tmpDir?: string } = {},
): AuthTestApp {
  const text = /\[server\]/.test(toml) ? toml : `[server]\npublic_url = "https://registry.example.test"\nsecrets = ["${SECRET}"]\n${toml}`;
  const config = loadConfig({
    fileText: text,
    fileName: 'auth-test.toml',
    env,
    readFile: (p) => {
      const f = files[p];
      if (f === undefined) throw new Error(`ENOENT: ${p}`);
      return f;
    },
    randomSecret: () => SECRET,
  });
  const clock = { now: Date.now() };
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logLines.push(String(chunk));
      cb();
    },
  });
  const logger = createLogger('trace', sink);
  const built = createServerApp(config, logger, store ?? createStore(config, logger), { now: () => clock.now, ...opts });
  return { ...built, config, clock, logLines, logs: () => logLines.join('') };
}

/** A store that makes every call with `credential` (as the delegated caller would). */
export function asCredential(store: OciStore, credential: Credential): OciStore {
  const withCred = <T extends CallOptions | undefined>(o: T) => ({ ...(o ?? {}), credential });
  return {
    describe: store.describe,
    ping: (o) => store.ping(withCred(o)),
    listTags: (r, o) => store.listTags(r, withCred(o)),
    resolveManifest: (r, ref, o) => store.resolveManifest(r, ref, withCred(o)),
    fetchManifest: (r, ref, o) => store.fetchManifest(r, ref, withCred(o)),
    pushManifest: (r, ref, b, m, o) => store.pushManifest(r, ref, b, m, withCred(o)),
    deleteManifest: (r, d, o) => store.deleteManifest(r, d, withCred(o)),
    statBlob: (r, d, o) => store.statBlob(r, d, withCred(o)),
    fetchBlob: (r, d, o) => store.fetchBlob(r, d, withCred(o)),
    blobRedirect: (r, d, o) => store.blobRedirect(r, d, withCred(o)),
    pushBlob: (r, s, o) => store.pushBlob(r, s, withCred(o)),
    mountBlob: (r, d, f, o) => store.mountBlob(r, d, f, withCred(o)),
    deleteBlob: (r, d, o) => store.deleteBlob(r, d, withCred(o)),
  };
}

/** Headers with `Authorization: Bearer <token>` (terraform's credentials block / TF_TOKEN_*). */
export function bearer(token: string | undefined): Record<string, string> {
  return token === undefined ? {} : { authorization: `Bearer ${token}` };
}

/** Path and query of an absolute URL (app.request takes paths). */
export function pathOf(url: string): string {
  const u = new URL(url);
  return u.pathname + u.search;
}

export interface ErrorBody {
  errors: Array<{ status: string; code: string; detail: string }>;
}
