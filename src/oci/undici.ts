// undici, the HTTP client of the registry store and of the pull-through upstreams, loaded on first use:
// it is about 110 files, 150 ms of CPU and 15 MB of memory at start-up (bench/findings.md, "Start-up"), and
// a server on a layout store without [[mirror.upstream]] never sends an HTTP request. undici is CommonJS:
// require() gives the same module instance an `import` would, synchronously.
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);
let loaded: typeof import('undici') | undefined;

/** The undici module (loaded by the first call). */
export function undici(): typeof import('undici') {
  loaded ??= load('undici') as typeof import('undici');
  return loaded;
}
