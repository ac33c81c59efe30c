// docker/compose.yaml (docs/docker.md#compose) parses, names the services, volumes, ports and secrets the
// docs describe, and its tf-oci-registry environment plus the TOML file of docs/docker.md load as a valid
// configuration through the server's own loader (so a typo in a variable name or value fails here).
// YAML is read with Python's yaml module (python3-yaml, a dependency of podman-compose; .ci/run installs it).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { requireTool } from '../support/distribution.js';
import { docBlocks, ROOT } from './podman.js';

interface Service {
  image?: string;
  build?: { context: string; args?: Record<string, string> };
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  secrets?: string[];
  read_only?: boolean;
  tmpfs?: string[];
  depends_on?: string[];
}

const tools = requireTool('python3');

function hasPyYaml(): boolean {
  try {
    execFileSync('python3', ['-c', 'import yaml'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const skip = tools.skip || (hasPyYaml() || process.env.CI ? false : 'python3-yaml is not installed: compose file test SKIPPED');
if (skip && !tools.skip) process.stderr.write(`\n!!!!!!!! ${skip}\n\n`);

describe('docker/compose.yaml', { skip }, () => {
  const compose = JSON.parse(
    execFileSync(
      'python3',
      ['-c', 'import json,sys,yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))', `${ROOT}docker/compose.yaml`],
      {
        encoding: 'utf8',
      },
    ),
  ) as { services: Record<string, Service>; secrets: Record<string, { file: string }>; volumes: Record<string, unknown> };

  it('has Distribution and tf-oci-registry, read-only with a tmpfs, its port, secret and mounted files', () => {
    const registry = compose.services.registry!;
    assert.equal(registry.image, 'docker.io/library/registry:2');
    assert.deepEqual(registry.volumes, ['registry-data:/var/lib/registry']);
    assert.ok('registry-data' in compose.volumes);
    const app = compose.services['tf-oci-registry']!;
    assert.equal(app.build?.context, '..');
    assert.equal(app.build?.args?.BASE_IMAGE, 'node:20-bookworm-slim');
    assert.equal(app.read_only, true);
    assert.deepEqual(app.tmpfs, ['/tmp']);
    assert.deepEqual(app.depends_on, ['registry']);
    assert.deepEqual(app.ports, ['8443:8080']);
    assert.deepEqual(app.secrets, ['download-secret']);
    assert.equal(compose.secrets['download-secret']?.file, './download-secret');
    assert.ok(app.volumes?.includes('./tf-oci-registry.toml:/etc/tf-oci-registry/config.toml:ro'));
    assert.ok(app.volumes?.includes('./tls:/etc/tf-oci-registry/tls:ro'));
  });

  it("its environment and docs/docker.md's TOML file load as a valid configuration: the registry store at registry:5000", () => {
    const env = { ...compose.services['tf-oci-registry']!.environment };
    assert.equal(env.TF_OCI_REGISTRY_CONFIG, '/etc/tf-oci-registry/config.toml');
    delete env.TF_OCI_REGISTRY_CONFIG;
    // Compose mounts the secret at /run/secrets/<name>; the loader reads it through readFile.
    const files: Record<string, string> = { '/run/secrets/download-secret': 'compose-download-secret-0123456789\n' };
    const config = loadConfig({
      fileText: docBlocks('toml')[0]!,
      fileName: 'tf-oci-registry.toml',
      env: { ...env, TF_OCI_REGISTRY_SERVER_LISTEN: '0.0.0.0:8080' },
      readFile: (p) => {
        const text = files[p];
        if (text === undefined) throw new Error(`unexpected file ${p}`);
        return text;
      },
      randomSecret: () => assert.fail('no random secret: the compose file gives one'),
    });
    assert.equal(config.storage.kind, 'registry');
    assert.match(config.storage.url ?? '', /^http:\/\/registry:5000\/?$/);
    assert.equal(config.storage.prefix, 'terraform');
    assert.equal(config.server.publicUrl.href, 'https://registry.example.com:8443/');
    assert.equal(config.server.tls.cert, '/etc/tf-oci-registry/tls/cert.pem');
    assert.equal(config.server.secretsGenerated, false);
  });
});
