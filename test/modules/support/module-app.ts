// The real application (the one wiring, test/support/test-app.ts) for the module tests, with module limits.
// `registryHostname` lets the registry hostname in module addresses differ from the URL the server is
// reached at (terraform reaches `registry.example.test` through a CLI-config host block while talking to
// https://localhost:PORT/).
import type { OciStore } from '../../../src/oci/store.js';
import type { ModuleLimits } from '../../../src/modules/types.js';
import { buildTestApp, type TestAppOptions } from '../../support/test-app.js';

export interface ModuleAppOptions extends TestAppOptions {
  limits?: Partial<ModuleLimits>;
}

export function buildModuleApp(store: OciStore, opts: ModuleAppOptions = {}) {
  const { limits, ...rest } = opts;
  const base = buildTestApp(store, { ...rest, ...(limits ? { moduleLimits: limits } : {}) });
  return { ...base, moduleDeps: base.shared, modules: base.moduleServices };
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
