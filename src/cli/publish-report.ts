// What `publish` prints: the result and what terraform needs (stdout), and a refusal with every named
// error the server sent (stderr).
import type { ApiError } from '../publish-client/api-error.js';
import type { ModulePublishResult } from '../publish-client/publish-module.js';
import type { ProviderPublishResult } from '../publish-client/publish-provider.js';

/** The required_providers block for a published provider. */
function providerBlock(r: ProviderPublishResult): string {
  return [
    'terraform {',
    '  required_providers {',
    `    ${r.type} = {`,
    `      source  = "${r.source}"`,
    `      version = "${r.version}"`,
    '    }',
    '  }',
    '}',
  ].join('\n');
}

export function providerReport(r: ProviderPublishResult, finishHint: string): string {
  const a = r.resource?.attributes ?? {};
  const platforms = ((a.platforms ?? []) as Array<{ os: string; arch: string }>).map((p) => `${p.os}_${p.arch}`);
  const head = `${r.namespace}/${r.type} ${r.version} (${r.versionId})`;
  if (r.outcome === 'draft') {
    return `Uploaded the draft ${head}; nothing is visible to terraform yet. Publish it with:\n  ${finishHint}\n`;
  }
  const lines = [
    r.outcome === 'unchanged' ? `Already published with the same files, nothing to do: ${head}` : `Published ${head}`,
    `  platforms: ${platforms.join(', ') || '(none listed)'}`,
    `  protocols: ${((a.protocols ?? []) as string[]).join(', ')}`,
    ...(a['key-id'] ? [`  signed by: GPG key ${a['key-id']}`] : []),
    '',
    'Use it from terraform or tofu:',
    '',
    providerBlock(r),
    '',
  ];
  return lines.join('\n');
}

export function moduleReport(r: ModulePublishResult): string {
  const head = `${r.source} ${r.version} (${r.moduleId})`;
  return [
    r.outcome === 'unchanged' ? `Already published with the same files and sizes, nothing to do: ${head}` : `Published ${head}`,
    ...(r.ociAddress ? [`  OpenTofu oci:// address: ${r.ociAddress}`] : []),
    '',
    'Use it from terraform or tofu:',
    '',
    `module "${r.name}" {`,
    `  source  = "${r.source}"`,
    `  version = "${r.version}"`,
    '}',
    '',
  ].join('\n');
}

/** Every error of a refused request: `status code title: detail`, with the JSON pointer when given. */
export function apiErrorReport(err: ApiError): string {
  const lines = [`error: ${err.request} was refused with HTTP ${err.status}:`];
  for (const e of err.errors) {
    const where = e.source
      ? ` (${Object.entries(e.source)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')})`
      : '';
    lines.push(`  ${e.status} ${e.code}${e.title ? ` ${e.title}` : ''}: ${e.detail}${where}`);
  }
  return `${lines.join('\n')}\n`;
}
