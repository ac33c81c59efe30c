// Runs the store self-test (`tf-oci-registry check`, src/store-check/) against any registry or layout
// directory from a test, through the same code path as the command (checkStorage in src/cli/check.ts),
// so every registry the test suites start can be checked: `await checkRegistry(reg.url, credential)`.
import { checkStorage } from '../../src/cli/check.js';
import { loadConfig } from '../../src/config/load.js';
import type { StoreCheckReport } from '../../src/store-check/types.js';

export interface CheckTarget {
  /** Registry base URL (http:// is allowed) or, with kind layout, a directory. */
  url?: string;
  layoutPath?: string;
  username?: string;
  password?: string;
  prefix?: string;
}

export function checkTargetToml(t: CheckTarget): string {
  const lines = ['[storage]'];
  if (t.layoutPath !== undefined) lines.push('kind = "layout"', `path = ${JSON.stringify(t.layoutPath)}`);
  else lines.push('kind = "registry"', `url = ${JSON.stringify(t.url)}`, `plain_http = ${t.url?.startsWith('http:') ? 'true' : 'false'}`);
  if (t.username !== undefined) lines.push(`username = ${JSON.stringify(t.username)}`, `password = ${JSON.stringify(t.password ?? '')}`);
  if (t.prefix !== undefined) lines.push(`prefix = ${JSON.stringify(t.prefix)}`);
  // The store's own credential is used outside delegate mode (delegate mode checks with mirror.username).
  if (t.username !== undefined) lines.push('[auth]', 'mode = "none"');
  return `${lines.join('\n')}\n`;
}

/** The self-test's report for a registry or layout directory. */
export function runStoreCheckOn(t: CheckTarget): Promise<StoreCheckReport> {
  const config = loadConfig({
    fileText: checkTargetToml(t),
    fileName: 'check-test.toml',
    env: {},
    readFile: () => '',
    randomSecret: () => 'x'.repeat(32),
  });
  return checkStorage(config, config.storage);
}

/** The status of one named check of a report. */
export function statusOf(report: StoreCheckReport, name: string): string | undefined {
  return report.results.find((r) => r.name === name)?.status;
}
