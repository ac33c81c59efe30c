// The text printed at start: where the server listens and how to point terraform and tofu at it.
import { resolve } from 'node:path';
import type { Config } from '../config/load.js';

export function startupBanner(config: Config, caFile?: string): string {
  const url = config.server.publicUrl;
  const host = config.server.registryHostname;
  const mirror = new URL(config.mirror.basePath.replace(/^\//, ''), url).href;
  const https = url.protocol === 'https:';
  const lines = [
    '',
    `tf-oci-registry is serving ${url.href} from ${config.storage.kind === 'layout' ? `the OCI layout at ${config.storage.path}` : config.storage.url}`,
    '',
    '  Provider registry (providers.v1) — in your configuration:',
    `    required_providers { example = { source = "${host}/<namespace>/<type>" } }`,
    '',
    '  Network mirror — in ~/.terraformrc or ~/.tofurc:',
    `    provider_installation { network_mirror { url = "${mirror}" } }`,
    ...config.mirror.services.map((svc) => `    (mirror service ${svc.name}: url = "${new URL(svc.basePath.slice(1), url).href}")`),
    '',
    `  Modules (modules.v1): source = "${host}/<namespace>/<name>/<system>"`,
    `  Publishing API: ${new URL('api/v1/', url).href} (docs/terraform.md, docs/modules.md)`,
  ];
  if (caFile) lines.push('', `  Trust the development CA: export SSL_CERT_FILE=${resolve(caFile)}`);
  if (!https) {
    lines.push(
      '',
      '  Note: terraform and tofu require HTTPS for discovery and mirrors. Set server.tls.cert/key,',
      '  or TF_OCI_REGISTRY_SERVER_TLS_SELF_SIGNED=true for a local development certificate.',
    );
  }
  return `${lines.join('\n')}\n\n`;
}
