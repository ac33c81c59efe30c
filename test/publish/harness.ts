// The real application (the one wiring, test/support/test-app.ts) over any OciStore (memory for unit
// tests, the real Distribution registry for integration tests), plus small JSON:API request helpers.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OciStore } from '../../src/oci/store.js';
import { buildTestApp, pathOf, type TestAppOptions } from '../support/test-app.js';

export const JSON_API = 'application/vnd.api+json';

export type HarnessOptions = TestAppOptions;

export interface ApiResult {
  status: number;
  headers: Headers;
  // Parsed JSON:API document (any: tests read nested members freely).
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export function publishHarness(store: OciStore, opts: HarnessOptions = {}) {
  // Its own temp directory, so a test can check that refused and failed uploads leave nothing behind.
  const tmpDir = join(tmpdir(), 'tf-oci-registry-test', `publish-${randomUUID()}`);
  const t = buildTestApp(store, { ...opts, tmpDir });
  const publish = t.publishServices;

  async function request(
    method: string,
    path: string,
    init: { json?: unknown; body?: RequestInit['body']; headers?: Record<string, string> } = {},
  ): Promise<ApiResult> {
    const headers: Record<string, string> = { ...init.headers };
    let body: RequestInit['body'] | undefined = init.body;
    if (init.json !== undefined) {
      body = JSON.stringify(init.json);
      headers['content-type'] ??= JSON_API;
    }
    const res = await t.app.request(path.startsWith('http') ? pathOf(path) : path, {
      method,
      headers,
      ...(body !== undefined ? ({ body, duplex: 'half' } as RequestInit) : {}),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text === '' ? null : JSON.parse(text) };
  }

  const api = {
    request,
    get: (path: string) => request('GET', path),
    delete: (path: string) => request('DELETE', path),
    post: (path: string, json: unknown) => request('POST', path, { json }),
    patch: (path: string, json: unknown) => request('PATCH', path, { json }),
    /** PUT raw bytes (an upload URL or a draft file). */
    put: (path: string, bytes: Uint8Array, headers: Record<string, string> = {}) =>
      request('PUT', path, { body: bytes, headers: { 'content-type': 'application/octet-stream', ...headers } }),

    async createKey(namespace: string, name: string, armor: string, description = ''): Promise<string> {
      const r = await request('POST', '/api/v1/gpg-keys', {
        json: { data: { type: 'gpg-keys', attributes: { namespace, name, description, 'ascii-armor': armor } } },
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body.data.id as string;
    },
    async createProvider(namespace: string, name: string, description = ''): Promise<string> {
      const r = await request('POST', '/api/v1/providers', {
        json: { data: { type: 'providers', attributes: { namespace, name, description } } },
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body.data.id as string;
    },
    /** Creates a version; returns the response (check .status yourself when testing refusals). */
    createVersion(providerId: string, keyId: string, version: string, extra: Record<string, unknown> = {}): Promise<ApiResult> {
      return request('POST', '/api/v1/provider-versions', {
        json: {
          data: {
            type: 'provider-versions',
            attributes: { version, ...extra },
            relationships: {
              provider: { data: { type: 'providers', id: providerId } },
              'gpg-key': { data: { type: 'gpg-keys', id: keyId } },
            },
          },
        },
      });
    },
  };
  /** Files the publish path left in its temp directory (should be none once a request is answered). */
  async function leftovers(): Promise<string[]> {
    return readdir(tmpDir).catch(() => []);
  }
  return { ...t, publish, api, tmpDir, leftovers };
}

export type Harness = ReturnType<typeof publishHarness>;

/** Every error `detail` of a JSON:API error document. */
export function details(r: ApiResult): string[] {
  return ((r.body?.errors ?? []) as Array<{ detail: string }>).map((e) => e.detail);
}

/** Asserts that some error detail matches `re`, showing them all when none does. */
export function assertDetail(r: ApiResult, re: RegExp): void {
  const all = details(r);
  assert.ok(
    all.some((d) => re.test(d)),
    `no error detail matches ${re}:\n  ${all.join('\n  ')}`,
  );
}
