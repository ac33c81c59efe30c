// Chromium for the web tests (docs/web.md#tests): Debian's `chromium` driven by playwright-core, with a
// fresh profile per launch and nothing that calls out to the network. Skipped (loudly) outside CI when
// /usr/bin/chromium is missing; .ci/run installs it.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = process.env.TF_OCI_CHROMIUM ?? '/usr/bin/chromium';

export const chromiumSkip: string | false =
  existsSync(CHROMIUM) || process.env.CI ? false : `${CHROMIUM} is not installed (apt-get install chromium): browser tests SKIPPED`;

export interface LaunchedBrowser {
  /** The one browser context, on a fresh profile (--user-data-dir, playwright's userDataDir). */
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<LaunchedBrowser> {
  const profile = await mkdtemp(join(tmpdir(), 'tfoci-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    timeout: 120_000,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
