// Debian's Chromium, headless, driven by playwright-core (no browser download: the system's).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.MRW_CHROMIUM ?? '/usr/bin/chromium';

/** A fresh browser context (own profile directory); close() removes the profile. */
export async function launchChromium() {
  const profile = mkdtempSync(join(tmpdir(), 'mrw-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const messages = [];
  context.on('page', (page) => watch(page, messages));
  for (const page of context.pages()) watch(page, messages);
  return {
    context,
    messages,
    async page() {
      const pages = context.pages();
      return pages.length > 0 && pages[0].url() === 'about:blank' ? pages[0] : context.newPage();
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

// The page's console and errors, for the test's failure messages.
function watch(page, messages) {
  page.on('console', (m) => messages.push(`console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => messages.push(`pageerror: ${e.message}`));
}
