/**
 * Debian's chromium driven by playwright-core (no browser download). A missing chromium FAILS the
 * test: `make apt` installs it, and a console nobody opened in a browser is not tested.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = path.resolve(import.meta.dirname, '../artifacts');

export async function openBrowser(t: { teardown(fn: () => unknown): void }): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install the Debian package chromium (make apt does)`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    // As root (CI containers) chromium refuses to start with its sandbox; /dev/shm is small in containers.
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
  t.teardown(() => browser.close());
  return browser;
}

export async function newPage(browser: Browser, lang: 'es' | 'en' = 'es'): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 820 }, locale: lang === 'es' ? 'es-AR' : 'en-GB' });
  const page = await context.newPage();
  page.setDefaultTimeout(45_000);
  return page;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Logs in through the form and waits for the overview table. */
export async function logIn(page: Page, base: string, key: string): Promise<void> {
  await page.goto(`${base}/console`);
  await page.fill('#login-key', key);
  await page.click('#login-submit');
  await page.waitForSelector('#page-overview #overview-table table');
}
