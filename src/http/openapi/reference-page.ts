// The API reference as one HTML page rendered on the server from the OpenAPI 3.1 document: operations by
// tag (method, path, parameters, request body, responses) and the schemas they use as nested member
// lists. No script and no inline style, so it works offline under a strict Content-Security-Policy
// (document-routes.ts); everything from the document is HTML-escaped.

type Json = Record<string, unknown>;

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description?: string };
  servers?: Array<{ url: string }>;
  paths: Record<string, Record<string, Json>>;
  components?: { schemas?: Record<string, Json>; securitySchemes?: Record<string, Json> };
  [key: string]: unknown;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const refName = (ref: string): string => ref.replace('#/components/schemas/', '');
const anchor = (text: string): string =>
  text
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .toLowerCase();

/** A one-line type of a schema: `string`, `Provider`, `list of string`, `string | null`, `"providers"`. */
function typeOf(s: Json | undefined): string {
  if (!s) return 'any';
  if (typeof s.$ref === 'string') {
    const n = refName(s.$ref);
    return `<a href="#schema-${anchor(n)}">${escapeHtml(n)}</a>`;
  }
  if (s.const !== undefined) return `<code>${escapeHtml(JSON.stringify(s.const))}</code>`;
  if (Array.isArray(s.enum)) return s.enum.map((v) => `<code>${escapeHtml(JSON.stringify(v))}</code>`).join(' | ');
  for (const k of ['anyOf', 'oneOf'] as const) if (Array.isArray(s[k])) return (s[k] as Json[]).map(typeOf).join(' | ');
  const t = s.type;
  if (Array.isArray(t)) return t.map((x) => (x === 'array' ? `list of ${typeOf(s.items as Json)}` : escapeHtml(String(x)))).join(' | ');
  if (t === 'array') return `list of ${typeOf(s.items as Json)}`;
  if (t === 'object' && !s.properties && typeof s.additionalProperties === 'object')
    return `map of ${typeOf(s.additionalProperties as Json)}`;
  const format = typeof s.format === 'string' ? ` (${escapeHtml(s.format)})` : '';
  return `${escapeHtml(String(t ?? 'any'))}${format}`;
}

function limits(s: Json): string {
  const out: string[] = [];
  if (typeof s.maxLength === 'number') out.push(`at most ${s.maxLength} characters`);
  if (typeof s.minItems === 'number' && s.minItems > 0) out.push(`at least ${s.minItems} entries`);
  if (typeof s.maxItems === 'number') out.push(`at most ${s.maxItems} entries`);
  return out.length > 0 ? ` <span class="limits">(${out.join(', ')})</span>` : '';
}

/** An object's members as a nested list (inline objects expanded, named schemas linked). */
function members(s: Json | undefined, depth = 0): string {
  if (!s || depth > 6) return '';
  const target = s.type === 'array' && s.items ? (s.items as Json) : s;
  const props = target.properties as Record<string, Json> | undefined;
  if (!props || typeof target.$ref === 'string') return '';
  const required = new Set((target.required as string[] | undefined) ?? []);
  const items = Object.entries(props).map(([name, p]) => {
    const desc = typeof p.description === 'string' ? ` — ${escapeHtml(p.description)}` : '';
    const example =
      p.example !== undefined ? ` <span class="example">e.g. <code>${escapeHtml(JSON.stringify(p.example))}</code></span>` : '';
    const req = required.has(name) ? ' <span class="required">required</span>' : '';
    return `<li><code>${escapeHtml(name)}</code>: ${typeOf(p)}${req}${limits(p)}${desc}${example}${members(p, depth + 1)}</li>`;
  });
  const extra = target.additionalProperties === false ? '<li class="closed">no other members</li>' : '';
  return `<ul>${items.join('')}${extra}</ul>`;
}

function contentBlock(content: Record<string, Json> | undefined): string {
  if (!content) return '';
  return Object.entries(content)
    .map(([media, c]) => `<p><code>${escapeHtml(media)}</code>: ${typeOf(c.schema as Json)}</p>${members(c.schema as Json)}`)
    .join('');
}

function operation(path: string, method: string, op: Json): string {
  const id = anchor(`${method} ${path}`);
  const params = ((op.parameters as Json[] | undefined) ?? [])
    .map((p) => {
      const s = (p.schema as Json | undefined) ?? {};
      const desc = typeof s.description === 'string' ? s.description : typeof p.description === 'string' ? p.description : '';
      return `<tr><td><code>${escapeHtml(String(p.name))}</code></td><td>${escapeHtml(String(p.in))}</td><td>${p.required ? 'yes' : 'no'}</td><td>${typeOf(s)}${limits(s)}</td><td>${escapeHtml(desc)}</td></tr>`;
    })
    .join('');
  const body = op.requestBody as Json | undefined;
  const responses = Object.entries((op.responses as Record<string, Json>) ?? {})
    .map(
      ([status, r]) =>
        `<li><strong>${escapeHtml(status)}</strong> ${escapeHtml(String(r.description ?? ''))}${status.startsWith('2') ? contentBlock(r.content as Record<string, Json>) : ''}</li>`,
    )
    .join('');
  const open = Array.isArray(op.security) && op.security.length === 0 ? ' <span class="open">no token</span>' : '';
  return `<section class="operation" id="${id}">
<h3><span class="method ${method}">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code>${open}</h3>
<p>${escapeHtml(String(op.summary ?? ''))}</p>${typeof op.description === 'string' ? `<p>${escapeHtml(op.description)}</p>` : ''}
${params ? `<h4>Parameters</h4><table><thead><tr><th>name</th><th>in</th><th>required</th><th>type</th><th>description</th></tr></thead><tbody>${params}</tbody></table>` : ''}
${body ? `<h4>Request body</h4>${typeof body.description === 'string' ? `<p>${escapeHtml(body.description)}</p>` : ''}${contentBlock(body.content as Record<string, Json>)}` : ''}
<h4>Responses</h4><ul class="responses">${responses}</ul>
</section>`;
}

/** The whole page; `cssHref` is the style sheet's path. */
export function renderReference(doc: OpenApiDocument, cssHref: string): string {
  const byTag = new Map<string, string[]>();
  const toc = new Map<string, string[]>();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const tag = String((op.tags as string[] | undefined)?.[0] ?? 'Other');
      if (!byTag.has(tag)) {
        byTag.set(tag, []);
        toc.set(tag, []);
      }
      byTag.get(tag)!.push(operation(path, method, op));
      toc.get(tag)!.push(`<li><a href="#${anchor(`${method} ${path}`)}">${method.toUpperCase()} ${escapeHtml(path)}</a></li>`);
    }
  }
  const schemas = Object.entries(doc.components?.schemas ?? {})
    .map(
      ([name, s]) =>
        `<section class="schema" id="schema-${anchor(name)}"><h3>${escapeHtml(name)}</h3><p>${typeOf(s.type === 'object' || s.properties ? { type: 'object' } : s)}</p>${members(s)}</section>`,
    )
    .join('\n');
  const tocHtml = [...toc]
    .map(([tag, items]) => `<li><a href="#tag-${anchor(tag)}">${escapeHtml(tag)}</a><ul>${items.join('')}</ul></li>`)
    .join('');
  const sections = [...byTag].map(([tag, ops]) => `<h2 id="tag-${anchor(tag)}">${escapeHtml(tag)}</h2>\n${ops.join('\n')}`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(doc.info.title)} ${escapeHtml(doc.info.version)}</title><link rel="stylesheet" href="${escapeHtml(cssHref)}"></head>
<body><header><h1>${escapeHtml(doc.info.title)} <small>${escapeHtml(doc.info.version)}</small></h1>
<p>${escapeHtml(doc.info.description ?? '')}</p>
<p>Server: <code>${escapeHtml(doc.servers?.[0]?.url ?? '')}</code> · machine-readable: <a href="openapi.json">openapi.json</a> (OpenAPI ${escapeHtml(doc.openapi)})</p></header>
<nav><h2>Contents</h2><ul>${tocHtml}<li><a href="#schemas">Schemas</a></li></ul></nav>
<main>${sections}
<h2 id="schemas">Schemas</h2>
${schemas}</main></body></html>
`;
}

export const REFERENCE_CSS = `body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:70rem;padding:1rem 2rem;color:#1b1f24}
code{font:13px ui-monospace,monospace;background:#f3f4f6;padding:0 .2em;border-radius:3px}
h2{border-bottom:1px solid #d0d7de;margin-top:2.5rem}h3{margin-bottom:.3rem}
.operation,.schema{border:1px solid #d0d7de;border-radius:6px;padding:.2rem 1rem;margin:1rem 0}
.method{display:inline-block;min-width:4.5em;text-align:center;color:#fff;border-radius:4px;font-size:12px;padding:2px 6px}
.get{background:#1f6feb}.post{background:#1a7f37}.put{background:#9a6700}.patch{background:#8250df}.delete{background:#cf222e}
.required{color:#cf222e;font-size:12px}.open{color:#1a7f37;font-size:12px}.limits,.example,.closed{color:#57606a;font-size:13px}
table{border-collapse:collapse}td,th{border:1px solid #d0d7de;padding:2px 8px;text-align:left;vertical-align:top}
nav ul ul{columns:2;font-size:13px}
`;
