// The usage page (docs/web.md#usage): per provider and module version, downloads, listings, distinct
// callers, last use and client versions since a day; and "unused since" for one provider, the versions
// nobody downloaded since a day (candidates for deprecation).
import { Layout, When, type Flash, type PageContext } from './layout.js';

export interface UsageRow {
  kind: string;
  subject: string;
  version: string;
  downloads: number;
  listings: number;
  distinctCallers: number;
  atLeast: boolean;
  lastUsed: string;
  clients: Record<string, number>;
}

export function UsagePage(props: {
  ctx: PageContext;
  since: string;
  rows: UsageRow[] | undefined;
  note: string | undefined;
  unused: { provider: string; since: string; versions: string[] } | undefined;
  flash?: Flash | undefined;
}) {
  return (
    <Layout ctx={props.ctx} title="Usage" section="usage" flash={props.flash}>
      {props.note ? <p class="notice">{props.note}</p> : null}
      <form class="search" method="get" action="/ui/usage">
        <label for="since">Since</label>
        <input id="since" type="date" name="since" value={props.since} />
        <button type="submit">Show</button>
      </form>
      <div class="panel">
        {props.rows === undefined ? null : props.rows.length === 0 ? (
          <p>No download recorded since {props.since}.</p>
        ) : (
          <table class="responsive">
            <thead>
              <tr>
                <th scope="col">Subject</th>
                <th scope="col">Version</th>
                <th scope="col">Downloads</th>
                <th scope="col">Distinct callers</th>
                <th scope="col">Last used</th>
                <th scope="col">Clients</th>
              </tr>
            </thead>
            <tbody>
              {props.rows.map((u) => (
                <tr>
                  <td data-label="Subject">
                    {u.subject}
                    <div class="muted">{u.kind}</div>
                  </td>
                  <td data-label="Version">{u.version || <span class="muted">{`version list, read ${u.listings}×`}</span>}</td>
                  <td data-label="Downloads">{String(u.downloads)}</td>
                  <td data-label="Distinct callers">{`${u.atLeast ? '≥ ' : ''}${u.distinctCallers}`}</td>
                  <td data-label="Last used">
                    <When iso={u.lastUsed} />
                  </td>
                  <td data-label="Clients">
                    {Object.entries(u.clients)
                      .map(([k, n]) => `${k} (${n})`)
                      .join(', ') || '—'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      <section class="panel" aria-labelledby="unused">
        <h2 id="unused">Unused versions</h2>
        <form class="stack" method="get" action="/ui/usage">
          <input type="hidden" name="since" value={props.since} />
          <div>
            <label for="unused-provider">
              Provider <span class="hint">namespace/type or hostname/namespace/type</span>
            </label>
            <input id="unused-provider" type="text" name="provider" value={props.unused?.provider ?? ''} required />
          </div>
          <div>
            <button type="submit">Find versions unused since {props.since}</button>
          </div>
        </form>
        {props.unused ? (
          props.unused.versions.length === 0 ? (
            <p>{`Every stored version of ${props.unused.provider} was downloaded since ${props.unused.since}.`}</p>
          ) : (
            <p>
              {`Not downloaded since ${props.unused.since}: `}
              <strong>{props.unused.versions.join(', ')}</strong>
            </p>
          )
        ) : null}
      </section>
    </Layout>
  );
}
