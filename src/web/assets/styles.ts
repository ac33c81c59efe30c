// The stylesheet of the web pages (docs/web.md#content-security-policy), served as a static file
// (/ui/assets/app.css?v=<hash>, cached for a year): the CSP allows no inline style. Light and dark follow
// prefers-color-scheme; one column on a phone, wider tables on a wide screen.
export const STYLES = `
:root {
  color-scheme: light dark;
  --bg: #f7f7f9; --panel: #ffffff; --text: #1b1d23; --muted: #5a6070; --border: #d9dce3;
  --accent: #4b3bd1; --accent-text: #ffffff; --code: #eef0f5; --ok: #1a7f37; --warn: #9a6700; --bad: #c62828;
  --focus: #ff9f1c;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #111318; --panel: #1a1d24; --text: #e6e8ee; --muted: #a3a9b8; --border: #2f3440;
    --accent: #8f84ff; --accent-text: #0e0b2a; --code: #232733; --ok: #4cc76a; --warn: #e3b341; --bad: #ff6b6b;
  }
}
* { box-sizing: border-box; }
html { font-size: 16px; }
body { margin: 0; background: var(--bg); color: var(--text); font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, textarea:focus-visible, select:focus-visible, summary:focus-visible {
  outline: 3px solid var(--focus); outline-offset: 2px;
}
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
caption { text-align: left; padding: 0 0 .4rem; }
.skip { position: absolute; left: -9999px; top: 0; background: var(--panel); padding: .5rem 1rem; z-index: 10; }
.skip:focus { left: .5rem; top: .5rem; }
header.top { background: var(--panel); border-bottom: 1px solid var(--border); }
.bar { max-width: 72rem; margin: 0 auto; padding: .5rem 1rem; display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1.25rem; }
.brand { font-weight: 700; text-decoration: none; color: var(--text); margin-right: auto; }
nav ul { list-style: none; display: flex; flex-wrap: wrap; gap: .25rem .9rem; margin: 0; padding: 0; }
nav a { text-decoration: none; padding: .25rem 0; display: inline-block; }
nav a[aria-current="page"] { font-weight: 700; border-bottom: 2px solid var(--accent); }
.who { color: var(--muted); font-size: .9rem; display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; }
main { max-width: 72rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.6rem; margin: .5rem 0 1rem; overflow-wrap: break-word; }
h2 { font-size: 1.2rem; margin: 1.5rem 0 .5rem; }
.panel > h2:first-child { margin-top: 0; }
.panel { background: var(--panel); border: 1px solid var(--border); border-radius: 8px; padding: 1rem; margin: 0 0 1rem; overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .95rem; }
th, td { text-align: left; padding: .45rem .5rem; border-bottom: 1px solid var(--border); vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
code, pre, kbd { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .88rem; }
code { background: var(--code); padding: .05rem .3rem; border-radius: 4px; overflow-wrap: anywhere; }
pre { background: var(--code); padding: .75rem; border-radius: 6px; overflow-x: auto; margin: .5rem 0; }
pre code { background: none; padding: 0; }
.muted { color: var(--muted); }
.badge { display: inline-block; font-size: .78rem; padding: .05rem .5rem; border-radius: 999px; border: 1px solid currentColor; white-space: nowrap; }
.ok { color: var(--ok); } .warn { color: var(--warn); } .bad { color: var(--bad); }
.notice { border-left: 4px solid var(--accent); padding: .5rem .75rem; background: var(--panel); margin: 0 0 1rem; }
.notice.error { border-color: var(--bad); }
.notice.success { border-color: var(--ok); }
form.stack { display: grid; gap: .75rem; max-width: 40rem; }
form.inline { display: inline; }
label { font-weight: 600; display: block; margin-bottom: .2rem; }
.hint { color: var(--muted); font-size: .85rem; font-weight: 400; }
input[type=text], input[type=password], input[type=search], input[type=date], select, textarea {
  width: 100%; padding: .5rem; border: 1px solid var(--border); border-radius: 6px; background: var(--bg); color: var(--text); font: inherit;
}
textarea { min-height: 10rem; font-family: ui-monospace, monospace; font-size: .85rem; }
button, .button {
  font: inherit; padding: .45rem .9rem; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent);
  color: var(--accent-text); cursor: pointer; text-decoration: none; display: inline-block;
}
button.secondary { background: transparent; color: var(--accent); }
button.danger { background: transparent; color: var(--bad); border-color: var(--bad); }
.search { display: flex; gap: .5rem; align-items: center; max-width: 40rem; margin-bottom: 1rem; }
.search label { margin: 0; }
.search input { flex: 1; min-width: 0; }
.grid2 { display: grid; gap: 1rem; grid-template-columns: 1fr; }
@media (min-width: 60rem) { .grid2 { grid-template-columns: 1fr 1fr; } }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
details summary { cursor: pointer; }
.readme { white-space: pre-wrap; overflow-wrap: anywhere; }
footer { max-width: 72rem; margin: 2rem auto; padding: 0 1rem; color: var(--muted); font-size: .85rem; }
@media (max-width: 40rem) {
  table.responsive thead { position: absolute; left: -9999px; }
  table.responsive tr { display: block; border-bottom: 1px solid var(--border); padding: .4rem 0; }
  /* flow-root contains the floated label: a label on two lines makes its row taller, never overlaps the next. */
  table.responsive td { display: flow-root; border: 0; padding: .15rem 0 .15rem 8rem; min-height: 1.6rem; overflow-wrap: anywhere; }
  table.responsive td::before { content: attr(data-label); float: left; margin-left: -8rem; width: 7.5rem; color: var(--muted); font-weight: 600; overflow-wrap: normal; }
}
`;
