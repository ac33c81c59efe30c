// `tf-oci-registry check --config FILE`: the self-test of the configured store (src/store-check/), run
// before going live. Prints one line per check (or the report as JSON with --json); exit 1 when a check
// fails. It writes only in a scratch repository `<prefix>/tf-oci-registry-check/<random>` and removes it.
import { randomBytes } from 'node:crypto';
import { rm, rmdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Config } from '../config/load.js';
import type { StorageConfig } from '../config/config.js';
import { createLayoutStore } from '../oci/layout-store.js';
import { createRegistryProbe } from '../oci/remote/probe.js';
import { createRegistryStore } from '../oci/remote/registry-store.js';
import type { Credential } from '../oci/store.js';
import { reportLines } from '../store-check/report-text.js';
import { runStoreCheck } from '../store-check/run-store-check.js';
import type { StoreCheckReport } from '../store-check/types.js';

export interface CheckOptions {
  json?: boolean;
  service?: string;
}

/** The credential the server writes with: the storage one, or in delegate mode mirror.username/password. */
function writerCredential(config: Config, storage: StorageConfig): Credential | undefined {
  if (config.auth.mode === 'delegate') {
    return config.mirror.username !== undefined ? { username: config.mirror.username, password: config.mirror.password ?? '' } : undefined;
  }
  return storage.username !== undefined || storage.password !== undefined
    ? { username: storage.username ?? '', password: storage.password ?? '' }
    : undefined;
}

/** Runs every check against a store configuration; the report (nothing printed). */
export async function checkStorage(config: Config, storage: StorageConfig): Promise<StoreCheckReport> {
  const repository = [storage.prefix, 'tf-oci-registry-check', `run-${randomBytes(4).toString('hex')}`].filter((p) => p !== '').join('/');
  if (storage.kind === 'layout') {
    const root = resolve(storage.path);
    return runStoreCheck({
      store: createLayoutStore({ path: root }),
      repository,
      removeRepository: async (name) => {
        await rm(join(root, ...name.split('/')), { recursive: true, force: true });
        await rmdir(join(root, ...name.split('/').slice(0, -1))).catch(() => undefined); // only when empty
      },
    });
  }
  const credential = writerCredential(config, storage);
  const common = {
    url: storage.url!,
    plainHttp: storage.plainHttp,
    ...(credential ? { credential } : {}),
    timeoutMs: config.server.requestTimeout * 1000,
    proxy: config.proxy,
  };
  const probe = createRegistryProbe(common);
  try {
    return await runStoreCheck(
      { store: createRegistryStore({ ...common, userAgent: 'tf-oci-registry check' }), probe, repository },
      { hasCredential: credential !== undefined },
    );
  } finally {
    await probe.close();
  }
}

export async function runCheck(config: Config, opts: CheckOptions, out: { stdout: NodeJS.WritableStream }): Promise<number> {
  let storage = config.storage;
  if (opts.service !== undefined) {
    const service = config.mirror.services.find((s) => s.name === opts.service);
    if (!service) throw new Error(`no [[mirror.service]] named ${JSON.stringify(opts.service)}`);
    storage = service.storage;
    if (config.auth.mode === 'delegate' && service.writer) config = { ...config, mirror: { ...config.mirror, ...service.writer } };
  }
  const report = await checkStorage(config, storage);
  out.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${reportLines(report).join('\n')}\n`);
  return report.ok ? 0 : 1;
}
