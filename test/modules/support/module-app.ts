// Builds the real application (createApp with the module services: modules.v1, the module publishing API
// and modules.v1 in discovery) over a given store, on test/support/test-app.ts's deps and clock.
// `publicHostname` lets the registry hostname in module addresses differ from the URL the server is
// reached at (terraform reaches `registry.example.test` through a CLI-config host block while talking to
// https://localhost:PORT/).
import { KeyedLock } from '../../../src/publish/keyed-lock.js';
import type { OciStore } from '../../../src/oci/store.js';
import { normalizeHostname } from '../../../src/layout/names.js';
import { createApp } from '../../../src/app.js';
import { createModuleServices } from '../../../src/modules/services.js';
import { DEFAULT_MODULE_LIMITS, type ModuleDeps, type ModuleLimits } from '../../../src/modules/types.js';
import { buildTestApp, type TestAppOptions } from '../../support/test-app.js';

export interface ModuleAppOptions extends TestAppOptions {
  limits?: Partial<ModuleLimits>;
  /** Registry hostname of module addresses; default the publicUrl's host. */
  publicHostname?: string;
  /** Temp directory of the module use cases (tests check it is left empty). */
  tmpDir?: string;
}

export function buildModuleApp(store: OciStore, opts: ModuleAppOptions = {}) {
  const base = buildTestApp(store, opts);
  const moduleDeps: ModuleDeps = {
    ...base.deps,
    ...(opts.publicHostname ? { publicHostname: normalizeHostname(opts.publicHostname) } : {}),
    ...(opts.tmpDir ? { tmpDir: opts.tmpDir } : {}),
    limits: { ...DEFAULT_MODULE_LIMITS, ...opts.limits },
    locks: new KeyedLock(),
    now: () => new Date(base.clock.now),
  };
  const modules = createModuleServices(moduleDeps);
  const app = createApp({ services: base.services, moduleServices: modules, logger: base.deps.logger, publicUrl: base.publicUrl, mirrorBasePath: '/mirror/' });
  return { ...base, app, moduleDeps, modules };
}

export type ModuleApp = ReturnType<typeof buildModuleApp>;

/** JSON:API helpers over app.request. */
export function apiClient(app: ModuleApp['app']) {
  const json = async (method: string, path: string, body?: unknown) => {
    const res = await app.request(path, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/vnd.api+json' } }),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text === '' ? undefined : (JSON.parse(text) as Record<string, any>) };
  };
  return {
    json,
    createModule: (attributes: Record<string, unknown>) => json('POST', '/api/v1/modules', { data: { type: 'modules', attributes } }),
    async upload(moduleId: string, version: string, archive: Buffer) {
      const res = await app.request(`/api/v1/modules/${moduleId}/versions/${encodeURIComponent(version)}`, {
        method: 'PUT',
        body: archive,
        headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(archive.length) },
      });
      return { status: res.status, body: (await res.json()) as Record<string, any> };
    },
  };
}
