// The mirror page (docs/web.md#mirror): the configured upstreams, the mirrored providers the catalog
// found, the latest imports with their status and per-platform results, and a form to start an import
// from a configured upstream where the caller may (mirror:write).
import { CsrfField, Layout, When, type Flash, type PageContext } from './layout.js';
import { providerHref } from './providers.js';

export interface ImportRow {
  id: string;
  status: string;
  providers: string[];
  version: string | undefined;
  startedBy: string;
  startedAt: string;
  finishedAt: string | undefined;
  results: Array<{ provider: string; version: string; platform: string; outcome: string; detail?: string | undefined }>;
  errors: string[];
}

export function MirrorPage(props: {
  ctx: PageContext;
  upstreams: string[];
  mirrored: Array<{ hostname: string; namespace: string; type: string }>;
  imports: ImportRow[] | undefined;
  importsNote: string | undefined;
  canImport: boolean;
  flash?: Flash | undefined;
}) {
  const { ctx } = props;
  return (
    <Layout ctx={ctx} title="Mirror" section="mirror" flash={props.flash}>
      <div class="grid2">
        <section class="panel" aria-labelledby="upstreams">
          <h2 id="upstreams">Pull-through upstreams</h2>
          {props.upstreams.length === 0 ? (
            <p class="muted">None configured ([[mirror.upstream]], docs/mirror.md): the mirror serves what is stored.</p>
          ) : (
            <ul>
              {props.upstreams.map((u) => (
                <li>
                  <code>{u}</code>
                </li>
              ))}
            </ul>
          )}
        </section>
        <section class="panel" aria-labelledby="mirrored">
          <h2 id="mirrored">Mirrored providers</h2>
          {props.mirrored.length === 0 ? (
            <p class="muted">None found in the store.</p>
          ) : (
            <ul>
              {props.mirrored.map((p) => (
                <li>
                  <a href={providerHref(p)}>{`${p.hostname}/${p.namespace}/${p.type}`}</a>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
      {props.canImport ? (
        <section class="panel" aria-labelledby="start">
          <h2 id="start">Start an import</h2>
          <form class="stack" method="post" action="/ui/mirror/imports">
            <CsrfField ctx={ctx} />
            <div>
              <label for="import-providers">
                Providers <span class="hint">one address per line, e.g. registry.terraform.io/hashicorp/null</span>
              </label>
              <textarea id="import-providers" name="providers" required></textarea>
            </div>
            <div>
              <label for="import-version">
                Version constraint <span class="hint">optional, e.g. ~&gt; 3.2 (default: the latest)</span>
              </label>
              <input id="import-version" type="text" name="version" />
            </div>
            <div>
              <label for="import-platforms">
                Platforms <span class="hint">optional, comma-separated os_arch (default: all)</span>
              </label>
              <input id="import-platforms" type="text" name="platforms" />
            </div>
            <div>
              <button type="submit">Start the import</button>
            </div>
          </form>
        </section>
      ) : null}
      <h2 id="imports">Imports</h2>
      <div class="panel">
        {props.importsNote ? <p class="muted">{props.importsNote}</p> : null}
        {props.imports && props.imports.length === 0 ? <p>No import yet.</p> : null}
        {props.imports && props.imports.length > 0 ? (
          <table class="responsive" aria-labelledby="imports">
            <thead>
              <tr>
                <th scope="col">Started</th>
                <th scope="col">Providers</th>
                <th scope="col">Status</th>
                <th scope="col">Results</th>
              </tr>
            </thead>
            <tbody>
              {props.imports.map((r) => (
                <tr>
                  <td data-label="Started">
                    <When iso={r.startedAt} />
                    <div class="muted">{`by ${r.startedBy}`}</div>
                  </td>
                  <td data-label="Providers">
                    {r.providers.join(', ')}
                    {r.version ? <div class="muted">{r.version}</div> : null}
                  </td>
                  <td data-label="Status">
                    <span class={`badge ${r.status === 'succeeded' ? 'ok' : r.status === 'running' ? 'warn' : 'bad'}`}>{r.status}</span>
                  </td>
                  <td data-label="Results">
                    {`${r.results.length} platform${r.results.length === 1 ? '' : 's'}`}
                    {r.results.length > 0 ? (
                      <details>
                        <summary>details</summary>
                        <ul>
                          {r.results.map((x) => (
                            <li>{`${x.provider} ${x.version} ${x.platform}: ${x.outcome}${x.detail ? ` (${x.detail})` : ''}`}</li>
                          ))}
                        </ul>
                      </details>
                    ) : null}
                    {r.errors.map((e) => (
                      <div class="bad">{e}</div>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </div>
    </Layout>
  );
}
