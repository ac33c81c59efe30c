// The text printed at start: where the server listens and a complete terraform/tofu CLI configuration
// that makes the printed provider address, module address and network mirror work as printed
// (docs/terraform.md#quick-start): a `host` block maps the registry hostname (dotted, so module addresses
// are valid) to this server's services, so the hostname needs no DNS entry; plus CA advice for
// terraform, tofu, curl and the publish command, and the lock command for the mirror.
import { resolve } from 'node:path';
import type { Config } from '../config/load.js';

/** The CLI configuration (HCL) the banner prints: a host block, and the network mirror when asked. */
export function cliConfiguration(config: Config, withMirror: boolean): string {
  const url = config.server.publicUrl;
  const lines = [
    `host "${config.server.registryHostname}" {`,
    '  services = {',
    `    "providers.v1" = "${new URL('v1/providers/', url).href}"`,
    `    "modules.v1"   = "${new URL('v1/modules/', url).href}"`,
    '  }',
    '}',
  ];
  if (withMirror) {
    const mirror = new URL(config.mirror.basePath.replace(/^\//, ''), url).href;
    lines.push('provider_installation {', `  network_mirror { url = "${mirror}" }`, '}');
  }
  return `${lines.join('\n')}\n`;
}

const indent = (text: string, by: string): string[] =>
  text
    .trimEnd()
    .split('\n')
    .map((l) => by + l);

export function startupBanner(config: Config, caFile?: string): string {
  const url = config.server.publicUrl;
  const host = config.server.registryHostname;
  const mirror = new URL(config.mirror.basePath.replace(/^\//, ''), url).href;
  const https = url.protocol === 'https:';
  const lines = [
    '',
    `tf-oci-registry is serving ${url.href} from ${config.storage.kind === 'layout' ? `the OCI layout at ${config.storage.path}` : config.storage.url}`,
    `  registry hostname (provider and module addresses): ${host}`,
    '',
    '  CLI configuration for terraform and tofu: save it as a file and `export TF_CLI_CONFIG_FILE=<file>`',
    '  (or add it to ~/.terraformrc / ~/.tofurc):',
    '',
    ...indent(cliConfiguration(config, false), '    '),
    '',
    '  Then, in your configuration:',
    `    provider: required_providers { example = { source = "${host}/<namespace>/<type>" } }`,
    `    module:   module "example" { source = "${host}/<namespace>/<name>/<system>" }`,
    '',
    '  Network mirror (optional: every provider through this server) — add to the same file:',
    ...indent(`provider_installation {\n  network_mirror { url = "${mirror}" }\n}`, '    '),
    ...config.mirror.services.map((svc) => `    (mirror service ${svc.name}: url = "${new URL(svc.basePath.slice(1), url).href}")`),
    '  Lock every platform through the mirror:',
    `    terraform providers lock -net-mirror=${mirror} -platform=linux_amd64 -platform=darwin_arm64 ${host}/<namespace>/<type>`,
    '',
    `  Publishing API: ${new URL('api/v1/', url).href} (reference: ${new URL('api/v1/docs', url).href}; docs/publishing.md)`,
  ];
  if (!host.includes('.')) {
    lines.push(
      '',
      `  Note: the registry hostname "${host}" has no dot: terraform and tofu refuse module addresses on it.`,
      '  Set server.registry_hostname (e.g. "registry.example.test"; config.dev.toml does) and use the host block above.',
    );
  }
  if (caFile) {
    const ca = resolve(caFile);
    lines.push(
      '',
      '  Trust the development CA:',
      `    terraform, tofu:  export SSL_CERT_FILE=${ca}`,
      `    curl:             export CURL_CA_BUNDLE=${ca}   (or curl --cacert ${ca})`,
      `    tf-oci-registry publish (Node.js):  export NODE_EXTRA_CA_CERTS=${ca}`,
      '    (macOS: terraform and tofu read the system keychain instead: add the CA there)',
    );
  }
  if (!https) {
    lines.push(
      '',
      '  Note: terraform and tofu require HTTPS for discovery and mirrors. Set server.tls.cert/key,',
      '  or TF_OCI_REGISTRY_SERVER_TLS_SELF_SIGNED=true for a local development certificate.',
    );
  }
  return `${lines.join('\n')}\n\n`;
}
