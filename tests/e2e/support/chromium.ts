/**
 * The Chromium the end-to-end tests (playwright.config.ts) and the interface
 * budgets (bench/interface-budgets.ts) launch: Debian's, never a downloaded
 * one, with the same flags, so both measure the same browser.
 */
const chromiumFlags: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Playwright's launch options for that Chromium (a fresh object each call). */
export function chromiumLaunchOptions(): { executablePath: string; args: string[] } {
  return { executablePath: '/usr/bin/chromium', args: [...chromiumFlags] };
}
