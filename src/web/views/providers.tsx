// The providers page (docs/web.md#providers): every provider the catalog knows, with a search box
// (GET ?q=, matched on hostname/namespace/type and description), where it comes from, its latest version,
// platforms and last publication.
import { CsrfField, Layout, When, type Flash, type PageContext } from './layout.js';

export type ProviderOrigin = 'published' | 'other tool' | 'mirrored';

export interface ProviderRow {
  hostname: string;
  namespace: string;
  type: string;
  origin: ProviderOrigin;
  description: string;
  latest: string | undefined;
  versions: number;
  platforms: string[];
  lastPublished: string | null;
}

export function providerHref(r: { hostname: string; namespace: string; type: string }): string {
  return `/ui/providers/${encodeURIComponent(r.hostname)}/${encodeURIComponent(r.namespace)}/${encodeURIComponent(r.type)}`;
}

export function OriginBadge(props: { origin: ProviderOrigin }) {
  const cls = props.origin === 'published' ? 'ok' : props.origin === 'mirrored' ? 'muted' : 'warn';
  return <span class={`badge ${cls}`}>{props.origin}</span>;
}

export function ProvidersPage(props: {
  ctx: PageContext;
  rows: ProviderRow[];
  query: string;
  notes: string[];
  canCreate: boolean;
  flash?: Flash | undefined;
}) {
  return (
    <Layout ctx={props.ctx} title="Providers" section="providers" flash={props.flash}>
      <search>
        <form class="search" method="get" action="/ui/providers">
          <label for="q" class="visually-hidden">
            Search providers
          </label>
          <input id="q" type="search" name="q" value={props.query} placeholder="namespace, name or hostname" />
          <button type="submit">Search</button>
        </form>
      </search>
      {props.notes.map((n) => (
        <p class="notice">{n}</p>
      ))}
      <div class="panel">
        {props.rows.length === 0 ? (
          <p>
            {props.query
              ? `No provider matches "${props.query}".`
              : 'No provider yet. Publish one: open a provider page or see docs/publishing.md.'}
          </p>
        ) : (
          <table class="responsive">
            <caption class="muted">{`${props.rows.length} provider${props.rows.length === 1 ? '' : 's'}`}</caption>
            <thead>
              <tr>
                <th scope="col">Provider</th>
                <th scope="col">Origin</th>
                <th scope="col">Latest</th>
                <th scope="col">Platforms</th>
                <th scope="col">Last published</th>
              </tr>
            </thead>
            <tbody>
              {props.rows.map((r) => (
                <tr>
                  <td data-label="Provider">
                    <a href={providerHref(r)}>{`${r.hostname}/${r.namespace}/${r.type}`}</a>
                    {r.description ? <div class="muted">{r.description}</div> : null}
                  </td>
                  <td data-label="Origin">
                    <OriginBadge origin={r.origin} />
                  </td>
                  <td data-label="Latest">
                    {r.latest ?? <span class="muted">none</span>}
                    {r.versions > 1 ? <span class="muted">{` (${r.versions} versions)`}</span> : null}
                  </td>
                  <td data-label="Platforms">{r.platforms.length > 0 ? r.platforms.join(', ') : <span class="muted">—</span>}</td>
                  <td data-label="Last published">
                    <When iso={r.lastPublished} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      {props.canCreate ? (
        <section class="panel" aria-labelledby="new-provider">
          <h2 id="new-provider">New provider</h2>
          <form class="stack" method="post" action="/ui/providers">
            <CsrfField ctx={props.ctx} />
            <div>
              <label for="provider-namespace">Namespace</label>
              <input id="provider-namespace" type="text" name="namespace" required />
            </div>
            <div>
              <label for="provider-name">
                Name <span class="hint">the provider type, e.g. widget for terraform-provider-widget</span>
              </label>
              <input id="provider-name" type="text" name="name" required />
            </div>
            <div>
              <label for="provider-description">Description</label>
              <input id="provider-description" type="text" name="description" />
            </div>
            <div>
              <button type="submit">Create the provider</button>
            </div>
          </form>
        </section>
      ) : null}
    </Layout>
  );
}
