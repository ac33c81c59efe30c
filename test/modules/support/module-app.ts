// Builds the real application (test/support/test-app.ts) plus the module routes (modules.v1 and the
// publishing API) over a given store, until the lead mounts them in src/app.ts. `publicHostname` lets the
// registry hostname in module addresses differ from the URL the server is reached at (terraform reaches
// `registry.example.test` through a CLI-config host block while talking to https://localhost:PORT/).
import { KeyedLock } from '../../../src/publish/keyed-lock.js';
import type { OciStore } from '../../../src/oci/store.js';
import { normalizeHostname } from '../../../src/layout/names.js';
import { modulesApiRoutes } from '../../../src/http/routes/modules-api.js';
import { modulesV1HotRoutes, modulesV1Routes } from '../../../src/http/routes/modules-v1.js';
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
  base.app.route('/', modulesV1Routes(modules, new URL('download/', base.publicUrl).href, modulesV1HotRoutes(modules)));
  base.app.route('/api/v1', modulesApiRoutes(modules, base.publicUrl));
  return { ...base, moduleDeps, modules };
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
