// The modules pages (docs/web.md#modules): the list, and one module with its versions, the README of the
// chosen version (shown as escaped text: never rendered as HTML), its inputs and outputs, the
// source/version block for terraform and tofu and the oci:// address for OpenTofu.
import { CopyBlock, Facts, Layout, When, type Flash, type PageContext } from './layout.js';

export interface ModuleRow {
  id: string;
  namespace: string;
  name: string;
  system: string;
  description: string;
  source: string;
  latest: string | undefined;
  updatedAt: string;
}

export function moduleHref(id: string, version?: string): string {
  return `/ui/modules/${encodeURIComponent(id)}${version ? `?version=${encodeURIComponent(version)}` : ''}`;
}

export function ModulesPage(props: { ctx: PageContext; rows: ModuleRow[]; notes: string[]; flash?: Flash | undefined }) {
  return (
    <Layout ctx={props.ctx} title="Modules" section="modules" flash={props.flash}>
      {props.notes.map((n) => (
        <p class="notice">{n}</p>
      ))}
      <div class="panel">
        {props.rows.length === 0 ? (
          <p>No module yet (docs/publishing.md: tf-oci-registry publish DIR --module NAME/SYSTEM).</p>
        ) : (
          <table class="responsive">
            <thead>
              <tr>
                <th scope="col">Module</th>
                <th scope="col">Latest</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {props.rows.map((m) => (
                <tr>
                  <td data-label="Module">
                    <a href={moduleHref(m.id)}>{m.source}</a>
                    {m.description ? <div class="muted">{m.description}</div> : null}
                  </td>
                  <td data-label="Latest">{m.latest ?? <span class="muted">none</span>}</td>
                  <td data-label="Updated">
                    <When iso={m.updatedAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </Layout>
  );
}

export interface ModuleDetail {
  id: string;
  source: string;
  description: string;
  versions: Array<{ version: string; publishedAt: string | null }>;
  selected:
    | {
        version: string;
        readme: string | null;
        inputs: string[] | null;
        outputs: string[] | null;
        ociAddress: string | null;
        files: number | null;
        publishedAt: string | null;
        /** Null when unknown; undefined for a version pushed by another tool (no record). */
        publishedBy: string | null | undefined;
      }
    | undefined;
}

function sourceBlock(m: ModuleDetail): string {
  const v = m.selected?.version ?? '1.0.0';
  return [`module "${m.source.split('/').at(-2) ?? 'this'}" {`, `  source  = "${m.source}"`, `  version = "${v}"`, '}'].join('\n');
}

export function ModulePage(props: { ctx: PageContext; m: ModuleDetail; flash?: Flash | undefined }) {
  const { m, ctx } = props;
  const s = m.selected;
  return (
    <Layout ctx={ctx} title={m.source} section="modules" flash={props.flash}>
      <div class="panel">
        <Facts
          rows={[
            ['Description', m.description || <span class="muted">—</span>],
            [
              'Versions',
              m.versions.length === 0 ? (
                <span class="muted">none</span>
              ) : (
                <span>
                  {m.versions.map((v, i) => (
                    <>
                      {i > 0 ? ', ' : ''}
                      <a href={moduleHref(m.id, v.version)} aria-current={s?.version === v.version ? 'true' : undefined}>
                        {v.version}
                      </a>
                    </>
                  ))}
                </span>
              ),
            ],
          ]}
        />
      </div>
      {s ? (
        <>
          <div class="grid2">
            <section class="panel" aria-labelledby="use">
              <h2 id="use">{`Use ${s.version}`}</h2>
              <CopyBlock id="module-block" label="Module block" text={sourceBlock(m)} />
              {s.ociAddress ? (
                <>
                  <p>OpenTofu can read the same artifact directly:</p>
                  <CopyBlock id="oci-address" label="OCI address" text={`source = "${s.ociAddress}"`} />
                </>
              ) : (
                <p class="muted" id="oci-address">
                  No oci:// address: this server stores in a local image layout, which OpenTofu cannot read over the network.
                </p>
              )}
            </section>
            <section class="panel" aria-labelledby="io">
              <h2 id="io">Inputs and outputs</h2>
              <Facts
                rows={[
                  ['Inputs', s.inputs && s.inputs.length > 0 ? s.inputs.join(', ') : <span class="muted">none</span>],
                  ['Outputs', s.outputs && s.outputs.length > 0 ? s.outputs.join(', ') : <span class="muted">none</span>],
                  ['Files', s.files === null ? '—' : String(s.files)],
                  ['Published', <When iso={s.publishedAt} />],
                  ...(s.publishedBy === undefined ? [] : [['Published by', s.publishedBy ?? 'unknown'] as [string, string]]),
                ]}
              />
            </section>
          </div>
          <section class="panel" aria-labelledby="readme">
            <h2 id="readme">README</h2>
            {s.readme ? <div class="readme">{s.readme}</div> : <p class="muted">This version has no README.</p>}
          </section>
        </>
      ) : null}
    </Layout>
  );
}
