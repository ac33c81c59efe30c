// The static assets of the web pages (docs/web.md#content-security-policy): the stylesheet and the script,
// each named by the hash of its content so that it can be cached for a year ("immutable"): a new
// release changes the hash in the pages' links.
import { createHash } from 'node:crypto';
import { SCRIPT } from './assets/script.js';
import { STYLES } from './assets/styles.js';

export interface Asset {
  body: string;
  contentType: string;
  /** The URL path the pages link to, with the content hash. */
  path: string;
}

function asset(name: string, body: string, contentType: string): Asset {
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 16);
  return { body, contentType, path: `/ui/assets/${name}-${hash}.${name === 'app' ? 'css' : 'js'}` };
}

export interface WebAssets {
  css: Asset;
  js: Asset;
  /** The asset at a path, or undefined. */
  byPath(path: string): Asset | undefined;
}

export function createWebAssets(): WebAssets {
  const css = asset('app', STYLES, 'text/css; charset=utf-8');
  const js = asset('enhance', SCRIPT, 'text/javascript; charset=utf-8');
  return { css, js, byPath: (p) => [css, js].find((a) => a.path === p) };
}
