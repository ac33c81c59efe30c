// The end-to-end stack terraform talks to: the real Distribution registry on loopback, the real
// tf-oci-registry server process over HTTPS (test CA), and a small publishing-API client that publishes
// a provider release built from Go source and signed with a real GnuPG key, exactly as a user would.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { Agent, request } from 'undici';
import { startDistribution, type Distribution, type DistributionAuth } from '../support/distribution.js';
import { createTestTls, type TestTls } from '../support/tls.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

export const REGISTRY_HOST = 'registry.example.test';

export interface Stack {
  registry: Distribution;
  tls: TestTls;
  server: ServerProcess;
  api: ApiClient;
  stop(): Promise<void>;
}

export interface StackOptions {
  registryAuth?: DistributionAuth;
  /** Extra TF_OCI_REGISTRY_* settings. */
  env?: Record<string, string>;
  /**
   * The registry over HTTPS with the stack's test certificate (OpenTofu's OCI client speaks HTTPS only);
   * the server trusts the test CA through NODE_EXTRA_CA_CERTS, as an operator with a private CA would.
   */
  registryTls?: boolean;
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const tls = await createTestTls();
  let registry: Distribution;
  try {
    registry = await startDistribution({
      ...(opts.registryAuth ? { auth: opts.registryAuth } : {}),
      ...(opts.registryTls ? { tls: { certPath: tls.certPath, keyPath: tls.keyPath, ca: tls.ca } } : {}),
    });
  } catch (err) {
    await tls.cleanup();
    throw err;
  }
  try {
    const server = await startServerProcess({
      ca: tls.ca,
      env: {
        TF_OCI_REGISTRY_STORAGE_KIND: 'registry',
        TF_OCI_REGISTRY_STORAGE_URL: registry.url,
        ...(opts.registryTls ? { NODE_EXTRA_CA_CERTS: tls.caPath } : { TF_OCI_REGISTRY_STORAGE_PLAIN_HTTP: 'true' }),
        TF_OCI_REGISTRY_STORAGE_PREFIX: 'tf',
        TF_OCI_REGISTRY_SERVER_REGISTRY_HOSTNAME: REGISTRY_HOST,
        TF_OCI_REGISTRY_SERVER_TLS_CERT: tls.certPath,
        TF_OCI_REGISTRY_SERVER_TLS_KEY: tls.keyPath,
        TF_OCI_REGISTRY_SERVER_SECRETS: 'e2e-download-secret-0123456789',
        ...opts.env,
      },
    });
    const api = apiClient(server.url, tls.ca);
    return {
      registry,
      tls,
      server,
      api,
      async stop() {
        await server.stop();
        await api.close();
        await registry.stop();
        await tls.cleanup();
      },
    };
  } catch (err) {
    await registry.stop();
    await tls.cleanup();
    throw err;
  }
}

export interface ApiResult {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export type ApiClient = ReturnType<typeof apiClient>;

/** JSON:API calls to the publishing API over HTTPS (trusting the test CA), optionally with a token. */
export function apiClient(baseUrl: string, ca: string) {
  const dispatcher = new Agent({ connect: { ca } });
  async function call(method: string, path: string, opts: { json?: unknown; body?: Buffer; token?: string } = {}): Promise<ApiResult> {
    const headers: Record<string, string> = {};
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    let body: string | Buffer | undefined;
    if (opts.json !== undefined) {
      headers['content-type'] = 'application/vnd.api+json';
      body = JSON.stringify(opts.json);
    } else if (opts.body) {
      headers['content-type'] = 'application/octet-stream';
      body = opts.body;
    }
    const url = path.startsWith('https://') ? path : `${baseUrl}${path}`;
    const res = await request(url, { method: method as 'GET', headers, body, dispatcher });
    const text = await res.body.text();
    return { status: res.statusCode, body: text ? JSON.parse(text) : null };
  }
  return {
    call,
    close: () => dispatcher.close(),
    /** Registers the key, the provider and the version, then uploads the release tarball. */
    async publish(input: {
      namespace: string;
      type: string;
      version: string;
      armoredKey: string;
      tarballPath: string;
      token?: string;
      keyId?: string;
    }) {
      const token = input.token;
      let keyId = input.keyId;
      if (!keyId) {
        const key = await call('POST', '/api/v1/gpg-keys', {
          token,
          json: {
            data: {
              type: 'gpg-keys',
              attributes: {
                namespace: input.namespace,
                name: `release key ${input.version.replace(/[^A-Za-z0-9]/g, '-')}`,
                'ascii-armor': input.armoredKey,
              },
            },
          },
        });
        if (key.status === 409) keyId = (await this.findKey(input.namespace, token)) ?? undefined;
        else {
          assert.equal(key.status, 201, JSON.stringify(key.body));
          keyId = key.body.data.id as string;
        }
      }
      const prov = await call('POST', '/api/v1/providers', {
        token,
        json: { data: { type: 'providers', attributes: { namespace: input.namespace, name: input.type, description: 'e2e provider' } } },
      });
      assert.ok(prov.status === 201 || prov.status === 409, JSON.stringify(prov.body));
      const providerId = prov.status === 201 ? (prov.body.data.id as string) : await this.findProvider(input.namespace, input.type, token);
      const ver = await call('POST', '/api/v1/provider-versions', {
        token,
        json: {
          data: {
            type: 'provider-versions',
            attributes: { version: input.version },
            relationships: {
              provider: { data: { type: 'providers', id: providerId } },
              'gpg-key': { data: { type: 'gpg-keys', id: keyId } },
            },
          },
        },
      });
      assert.equal(ver.status, 201, JSON.stringify(ver.body));
      const upload = ver.body.data.links.upload as string;
      const put = await call('PUT', upload, { body: await readFile(input.tarballPath) });
      return { keyId: keyId!, providerId, versionId: ver.body.data.id as string, upload: put };
    },
    async findKey(namespace: string, token?: string): Promise<string | null> {
      const r = await call('GET', `/api/v1/gpg-keys?filter%5Bnamespace%5D=${namespace}`, { token });
      return (r.body?.data?.[0]?.id as string | undefined) ?? null;
    },
    async findProvider(namespace: string, type: string, token?: string): Promise<string> {
      const r = await call('GET', `/api/v1/providers?filter%5Bnamespace%5D=${namespace}`, { token });
      const found = (r.body.data as Array<{ id: string; attributes: { name: string } }>).find((p) => p.attributes.name === type);
      assert.ok(found, `provider ${namespace}/${type} not listed: ${JSON.stringify(r.body)}`);
      return found.id;
    },
  };
}
