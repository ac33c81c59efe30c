// One provider (docs/web.md#provider): its versions with their status and failed checks, platforms,
// protocols and signing key; the required_providers block and the init steps to copy; how to publish a
// version (the publish CLI and curl, both printed with this provider's names); a draft form (files one by
// one, docs/publishing.md) and version deletion with confirmation, where the caller may.
import { CopyBlock, CsrfField, Facts, Layout, When, type Flash, type PageContext } from './layout.js';
import { OriginBadge, type ProviderOrigin } from './providers.js';

export interface VersionRow {
  /** The API resource id (published here), for drafts and deletion. */
  id: string | undefined;
  version: string;
  /** pending / uploaded / errored (records), or "stored" (found in the store without a record). */
  status: 'pending' | 'uploaded' | 'errored' | 'stored';
  errors: string[];
  platforms: string[];
  protocols: string[];
  keyId: string | undefined;
  publishedAt: string | null;
  /**
   * Who published it (docs/web.md#published-by): a name, null when unknown (records older than the field,
   * or nobody named), undefined for versions without a record.
   */
  publishedBy: string | null | undefined;
}

/** "by admin", "by unknown"; nothing for a version without a record. */
function ByLine(props: { v: VersionRow }) {
  const { v } = props;
  if (v.publishedBy === undefined) return null;
  const who = v.publishedBy ?? 'unknown';
  return <div class="muted by">{v.publishedAt ? `by ${who}` : `started by ${who}`}</div>;
}

export interface ProviderDetail {
  hostname: string;
  namespace: string;
  type: string;
  origin: ProviderOrigin;
  description: string;
  /** The provider's API id when it is published here. */
  providerId: string | undefined;
  versions: VersionRow[];
  warnings: string[];
  /** Keys of the namespace, for the draft form. */
  keys: Array<{ id: string; name: string; keyId: string }>;
  canCreateVersion: boolean;
  canDeleteVersion: boolean;
  /** The server's public URL, ending with "/". */
  publicUrl: string;
  mirrorUrl: string;
}

function statusClass(s: VersionRow['status']): string {
  return s === 'uploaded' || s === 'stored' ? 'ok' : s === 'errored' ? 'bad' : 'warn';
}

export function requiredProvidersBlock(p: ProviderDetail): string {
  const latest = p.versions.filter((v) => v.status === 'uploaded' || v.status === 'stored').at(-1);
  const constraint = latest ? `~> ${latest.version.split('.').slice(0, 2).join('.')}` : '>= 0.0.0';
  return [
    'terraform {',
    '  required_providers {',
    `    ${p.type} = {`,
    `      source  = "${p.hostname}/${p.namespace}/${p.type}"`,
    `      version = "${constraint}"`,
    '    }',
    '  }',
    '}',
  ].join('\n');
}

/** Terraform's TF_TOKEN_<host> variable name (dots "_", dashes "__"); hostnames with a port have none. */
function tokenSetup(hostname: string): string[] {
  if (hostname.includes(':')) {
    return [
      '# ~/.terraformrc or ~/.tofurc',
      '# (a hostname with a port has no TF_TOKEN_ variable)',
      `credentials "${hostname}" { token = "<API token>" }`,
    ];
  }
  return [
    '# TF_OCI_REGISTRY_TOKEN: an API token',
    `export TF_TOKEN_${hostname.replace(/-/g, '__').replace(/\./g, '_')}="$TF_OCI_REGISTRY_TOKEN"`,
  ];
}

function initSteps(p: ProviderDetail): string {
  if (p.origin === 'published') {
    return ['# with access control on: an API token (docs/auth.md)', ...tokenSetup(p.hostname), 'terraform init   # or: tofu init'].join(
      '\n',
    );
  }
  return [
    "# ~/.terraformrc or ~/.tofurc: install through this server's network mirror",
    'provider_installation {',
    `  network_mirror { url = "${p.mirrorUrl}" }`,
    '}',
    '',
    'terraform init   # or: tofu init',
  ].join('\n');
}

export function publishCliCommand(p: { publicUrl: string; namespace: string }): string {
  return [
    '# run where dist/ and key.asc are, with',
    '# TF_OCI_REGISTRY_TOKEN set to an API token',
    '# (not needed when access control is off)',
    `export TF_OCI_REGISTRY_URL=${p.publicUrl.replace(/\/$/, '')}`,
    `tf-oci-registry publish dist --namespace ${p.namespace} --key key.asc`,
  ].join('\n');
}

export function publishCurlCommand(p: ProviderDetail, version: string): string {
  const api = `${p.publicUrl}api/v1`;
  const key = p.keys[0]?.id ?? '<key id>';
  return [
    '# run where the release files are, with',
    '# TF_OCI_REGISTRY_TOKEN set to an API token',
    `API=${api}`,
    "CT='Content-Type: application/vnd.api+json'",
    'AUTH="Authorization: Bearer $TF_OCI_REGISTRY_TOKEN"',
    `UPLOAD=$(curl -sS --fail-with-body -H "$CT" -H "$AUTH" -X POST $API/provider-versions -d '{"data":{"type":"provider-versions",`,
    `  "attributes":{"version":"${version}"},`,
    `  "relationships":{"provider":{"data":{"type":"providers","id":"${p.providerId ?? '<provider id>'}"}},`,
    `                   "gpg-key":{"data":{"type":"gpg-keys","id":"${key}"}}}}}' | jq -r .data.links.upload)`,
    `tar -czf release.tar.gz terraform-provider-${p.type}_${version}_*`,
    `curl -sS --fail-with-body -X PUT --data-binary @release.tar.gz -H 'Content-Type: application/octet-stream' "$UPLOAD"`,
  ].join('\n');
}

function nextVersion(p: ProviderDetail): string {
  const last = p.versions.at(-1)?.version;
  const m = last ? /^(\d+)\.(\d+)\.(\d+)$/.exec(last) : null;
  return m ? `${m[1]}.${m[2]}.${Number(m[3]) + 1}` : '1.0.0';
}

export function ProviderPage(props: { ctx: PageContext; p: ProviderDetail; flash?: Flash | undefined }) {
  const { p, ctx } = props;
  const address = `${p.hostname}/${p.namespace}/${p.type}`;
  return (
    <Layout ctx={ctx} title={address} section="providers" flash={props.flash}>
      <div class="panel">
        <Facts
          rows={[
            ['Origin', <OriginBadge origin={p.origin} />],
            ['Description', p.description || <span class="muted">—</span>],
            ['Versions', String(p.versions.length)],
          ]}
        />
      </div>
      {p.warnings.map((w) => (
        <p class="notice">{w}</p>
      ))}
      <h2 id="versions">Versions</h2>
      <div class="panel">
        {p.versions.length === 0 ? (
          <p>No version yet.</p>
        ) : (
          <table class="responsive" aria-labelledby="versions">
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Status</th>
                <th scope="col">Platforms</th>
                <th scope="col">Protocols</th>
                <th scope="col">Signing key</th>
                <th scope="col">Published</th>
                {p.canDeleteVersion ? <th scope="col">Actions</th> : null}
              </tr>
            </thead>
            <tbody>
              {[...p.versions].reverse().map((v) => (
                <tr>
                  <td data-label="Version">
                    <strong>{v.version}</strong>
                  </td>
                  <td data-label="Status">
                    <span class={`badge ${statusClass(v.status)}`}>{v.status}</span>
                    {v.status === 'pending' && v.id ? (
                      <div>
                        <a href={`/ui/drafts/${encodeURIComponent(v.id)}`}>continue the draft</a>
                      </div>
                    ) : null}
                    {v.errors.length > 0 ? (
                      <ul class="bad">
                        {v.errors.map((e) => (
                          <li>{e}</li>
                        ))}
                      </ul>
                    ) : null}
                  </td>
                  <td data-label="Platforms">{v.platforms.join(', ') || <span class="muted">—</span>}</td>
                  <td data-label="Protocols">{v.protocols.join(', ') || <span class="muted">—</span>}</td>
                  <td data-label="Signing key">{v.keyId ? <code>{v.keyId}</code> : <span class="muted">—</span>}</td>
                  <td data-label="Published">
                    <When iso={v.publishedAt} />
                    <ByLine v={v} />
                  </td>
                  {p.canDeleteVersion ? (
                    <td data-label="Actions">
                      {v.id ? (
                        <form
                          method="post"
                          action={`/ui/versions/${encodeURIComponent(v.id)}/delete`}
                          data-confirm={`Delete ${address} ${v.version}? terraform will no longer find it.`}
                        >
                          <CsrfField ctx={ctx} />
                          <button type="submit" class="danger" aria-label={`Delete version ${v.version}`}>
                            Delete
                          </button>
                        </form>
                      ) : null}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      <div class="grid2">
        <section class="panel" aria-labelledby="use">
          <h2 id="use">Use it</h2>
          <CopyBlock id="required-providers" label="required_providers block" text={requiredProvidersBlock(p)} />
          <CopyBlock id="init-steps" label="Init steps" text={initSteps(p)} />
        </section>
        {p.origin === 'published' || p.hostname === ctx.hostname ? (
          <section class="panel" aria-labelledby="publish">
            <h2 id="publish">Publish a version</h2>
            <p>From GoReleaser's dist/ directory with the publish command:</p>
            <CopyBlock
              id="publish-cli"
              label="Publish command"
              text={publishCliCommand({ publicUrl: p.publicUrl, namespace: p.namespace })}
            />
            <details>
              <summary>Or with curl (the publishing API)</summary>
              <CopyBlock id="publish-curl" label="curl commands" text={publishCurlCommand(p, nextVersion(p))} />
            </details>
          </section>
        ) : null}
      </div>
      {p.canCreateVersion && p.hostname === ctx.hostname ? (
        <section class="panel" aria-labelledby="draft">
          <h2 id="draft">New version from files (draft)</h2>
          {p.keys.length === 0 ? (
            <p>
              Register the signing key of namespace <code>{p.namespace}</code> first, on the <a href="/ui/gpg-keys">GPG keys</a> page.
            </p>
          ) : (
            <form
              class="stack"
              method="post"
              action={`/ui/providers/${encodeURIComponent(p.namespace)}/${encodeURIComponent(p.type)}/drafts`}
            >
              <CsrfField ctx={ctx} />
              <div>
                <label for="draft-version">Version</label>
                <input id="draft-version" type="text" name="version" required value={nextVersion(p)} />
              </div>
              <div>
                <label for="draft-key">Signing key</label>
                <select id="draft-key" name="key">
                  {p.keys.map((k) => (
                    <option value={k.id}>{`${k.name} (${k.keyId})`}</option>
                  ))}
                </select>
              </div>
              <div>
                <label for="draft-protocols">
                  Protocols <span class="hint">comma-separated, when the release has no manifest.json (default 5.0)</span>
                </label>
                <input id="draft-protocols" type="text" name="protocols" value="" />
              </div>
              <div>
                <button type="submit">Create the draft</button>
              </div>
            </form>
          )}
        </section>
      ) : null}
    </Layout>
  );
}
