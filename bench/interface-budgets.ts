/**
 * Section 9: the station interface's budgets, in Debian's Chromium against a
 * real headless station serving the built interface (`npm run build:ui`
 * first). Each round opens the `ui:` address in a fresh browser context
 * (cold cache) on a fresh station (first run: the setup screen) and measures:
 * - time to interactive: from the start of navigation to the first screen's
 *   main heading visible, by the page's own clock (`performance.now()`, which
 *   starts at navigation) and by the wall clock around `page.goto`; the
 *   heading shows once the app has asked the station for its overview, so
 *   the app is ready then. DOMContentLoaded is printed for comparison;
 * - the initial JavaScript: every script response received before that point,
 *   its bytes as sent (the station does not compress) and gzipped (level 6,
 *   as a compressing server would send it).
 */
import { gzipSync } from 'node:zlib';
import { chromium, type Browser, type Response } from '@playwright/test';
import type { Scope } from './support/cleanup.ts';
import type { BenchOptions, Section } from './support/section.ts';
import { startStationProcess } from './support/server-process.ts';
import { formatMs, printFigures, printNote, type Figure } from './support/table.ts';
import { nowMs, percentile } from './support/timing.ts';

const interactiveTargetMs = 1_000;
const initialScriptGzipTargetBytes = 300 * 1024;

/** The same Chromium and flags as the end-to-end tests (playwright.config.ts). */
const chromiumOptions = {
  executablePath: '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
};

/** The page's globals the probe uses (this file is type-checked without the DOM's types). */
interface ProbeGlobals {
  readonly document: {
    querySelector(selector: string): { getClientRects(): { readonly length: number } } | null;
  };
}

/** Runs in the page: when the HTML and the scripts it names had run (DOMContentLoaded ended), by the page's clock. */
function domContentLoadedProbe(): number {
  const { performance: timing } = globalThis as unknown as {
    readonly performance: {
      getEntriesByType(type: 'navigation'): readonly { readonly domContentLoadedEventEnd: number }[];
    };
  };
  return timing.getEntriesByType('navigation')[0]?.domContentLoadedEventEnd ?? NaN;
}

/** Runs in the page: its clock once the first screen's main heading is shown, false before. */
function interactiveProbe(): number | false {
  const { document } = globalThis as unknown as ProbeGlobals;
  const heading = document.querySelector('main h1');
  return heading !== null && heading.getClientRects().length > 0 ? performance.now() : false;
}

interface Script {
  readonly url: string;
  readonly bytes: number;
  readonly gzipBytes: number;
}

interface Round {
  /** Navigation start → heading visible, by the page's clock. */
  readonly pageMs: number;
  /** Navigation start → DOMContentLoaded ended (the scripts of index.html ran), by the page's clock. */
  readonly domContentLoadedMs: number;
  /** `page.goto` called → heading seen, by this process's clock. */
  readonly wallMs: number;
  readonly scripts: readonly Script[];
}

async function measureRound(browser: Browser, scope: Scope): Promise<Round> {
  const dir = await scope.temporaryDirectory('evote-bench-ui-');
  const station = await startStationProcess(scope, dir, ['--http', '127.0.0.1:0']);
  const uiUrl = (await station.stdoutLine(/^ui: (http:\/\/\S+)$/))[1];
  if (uiUrl === undefined) throw new Error('the station printed an empty ui: line');
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const scriptResponses: Response[] = [];
    let interactive = false;
    page.on('response', (response) => {
      if (!interactive && response.request().resourceType() === 'script') scriptResponses.push(response);
    });
    const start = nowMs();
    await page.goto(uiUrl);
    const pageMs = Number(
      await (await page.waitForFunction(interactiveProbe, null, { polling: 'raf' })).jsonValue(),
    );
    const wallMs = nowMs() - start;
    interactive = true;
    const domContentLoadedMs = await page.evaluate(domContentLoadedProbe);
    const scripts = await Promise.all(
      scriptResponses.map(async (response): Promise<Script> => {
        const body = await response.body();
        return {
          url: new URL(response.url()).pathname,
          bytes: body.length,
          gzipBytes: gzipSync(body).length,
        };
      }),
    );
    return { pageMs, domContentLoadedMs, wallMs, scripts };
  } finally {
    await context.close();
    await station.stop();
  }
}

function sortedOf(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

function kilobytes(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

export const interfaceBudgetsSection: Section = {
  name: 'interface',
  title: 'Interface budgets: time to interactive and initial JavaScript (Chromium, headless station)',
  async run(options: BenchOptions, scope: Scope): Promise<void> {
    const rounds = options.quick ? 3 : 10;
    const browser = await chromium.launch(chromiumOptions);
    scope.defer(() => browser.close());
    const results: Round[] = [];
    for (let round = 0; round < rounds; round += 1) results.push(await measureRound(browser, scope));

    const pageSorted = sortedOf(results.map((result) => result.pageMs));
    const wallSorted = sortedOf(results.map((result) => result.wallMs));
    const last = results.at(-1);
    if (last === undefined) throw new Error('no round ran');
    const bytes = last.scripts.reduce((sum, script) => sum + script.bytes, 0);
    const gzipBytes = last.scripts.reduce((sum, script) => sum + script.gzipBytes, 0);
    const medianPageMs = percentile(pageSorted, 50);
    const figures: Figure[] = [
      {
        label: `time to interactive, page clock (median of ${rounds})`,
        value: formatMs(medianPageMs),
        target: `≤ ${formatMs(interactiveTargetMs)}`,
        met: medianPageMs <= interactiveTargetMs,
      },
      { label: 'time to interactive, page clock (worst)', value: formatMs(pageSorted.at(-1) ?? NaN) },
      { label: 'time to interactive, wall clock (median)', value: formatMs(percentile(wallSorted, 50)) },
      {
        label: 'of which: to DOMContentLoaded, page clock (median)',
        value: formatMs(percentile(sortedOf(results.map((result) => result.domContentLoadedMs)), 50)),
      },
      {
        label: `initial JavaScript, gzipped (${last.scripts.length} files)`,
        value: kilobytes(gzipBytes),
        target: `≤ ${kilobytes(initialScriptGzipTargetBytes)}`,
        met: gzipBytes <= initialScriptGzipTargetBytes,
      },
      { label: 'initial JavaScript, as sent (uncompressed)', value: kilobytes(bytes) },
    ];
    printFigures(figures);
    for (const script of last.scripts) {
      printNote(`${script.url}: ${kilobytes(script.bytes)}, gzipped ${kilobytes(script.gzipBytes)}`);
    }
  },
};
