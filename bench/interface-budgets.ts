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
 *   as a compressing server would send it); and that the chart and QR code
 *   libraries are not among it (their chunks, named by the build's manifest,
 *   load only when a screen needs them).
 *
 * Then, once, the voter list's scrolling: a station holding 100,000 voters
 * (registered in-process beforehand), an official set up and signed in through
 * the screens, the Voters screen open; the list is scrolled at a steady rate,
 * one step per animation frame, while Chromium records a performance trace, and
 * the frames it drew are counted (support/frame-trace.ts). Two rates: a
 * reading pace, and a fast one that loads a new page of rows from the station
 * every second or so.
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser, type Locator, type Page, type Response } from '@playwright/test';
import type { Scope } from './support/cleanup.ts';
import { framesBetween, type FrameFigures, type TraceEvent } from './support/frame-trace.ts';
import {
  createCountingLogger,
  openBenchStation,
  registerFillerVoters,
  voterName,
} from './support/in-process.ts';
import { chromiumLaunchOptions } from '../tests/e2e/support/chromium.ts';
import { repoRoot } from './support/paths.ts';
import type { BenchOptions, Section } from './support/section.ts';
import { startStationProcess, type ServerProcess } from './support/server-process.ts';
import { formatMs, printFigures, printNote, type Figure } from './support/table.ts';
import { nowMs, percentile, timed } from './support/timing.ts';

const interactiveTargetMs = 1_000;
const initialScriptGzipTargetBytes = 300 * 1024;
/** Libraries that must load only when a screen needs them (the results chart, QR codes). */
const lazyLibraries: readonly { readonly name: string; readonly module: RegExp }[] = [
  { name: 'chart.js', module: /node_modules\/chart\.js\// },
  { name: 'qrcode', module: /node_modules\/qrcode\// },
];
const scrollVoters = 100_000;
const scrollTargetFps = 59;
/** At most this share of the display's refreshes may pass without a frame drawn. */
const droppedFramesShareMax = 0.01;
/** The list's fixed row height (VoterList.vue). */
const rowHeightPx = 56;
/** Rows between the starts of two repeats of a scroll run: more than one run covers, and than the list caches. */
const repeatStrideRows = 25_000;

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

/** The built chunk of each lazily loaded library, from the build's manifest (renderer/vite.config.ts). */
async function lazyChunks(): Promise<readonly { readonly name: string; readonly chunk: string }[]> {
  const manifestPath = path.join(repoRoot, 'renderer/dist/.vite/manifest.json');
  // Written by Vite: source module → { file, … }.
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Record<
    string,
    { readonly file: string }
  >;
  return lazyLibraries.map(({ name, module }) => {
    const entry = Object.entries(manifest).find(([source]) => module.test(source));
    if (entry === undefined) throw new Error(`the build's manifest names no chunk for ${name}`);
    return { name, chunk: `/${entry[1].file}` };
  });
}

/** The page's globals the scroll driver uses (this file is type-checked without the DOM's types). */
interface ScrollGlobals {
  requestAnimationFrame(callback: (timeMs: number) => void): number;
  readonly console: { timeStamp(label: string): void };
}

interface ScrollRun {
  readonly label: string;
  readonly pxPerSecond: number;
  readonly durationMs: number;
  /** The row at the top of the list when the run starts. */
  readonly fromRow: number;
}

/**
 * Runs in the page, on the list's scrolling element: scrolls it at a steady
 * rate, one step per animation frame, between two trace marks; resolves with
 * the animation frames the page ran.
 */
function scrollDriver(
  list: { scrollTop: number },
  run: { readonly fromPx: number; readonly pxPerSecond: number; readonly durationMs: number },
): Promise<number> {
  const page = globalThis as unknown as ScrollGlobals;
  return new Promise((resolve) => {
    let startMs = -1;
    let frames = 0;
    const step = (timeMs: number): void => {
      if (startMs < 0) {
        startMs = timeMs;
        page.console.timeStamp('evote-scroll-start');
      }
      frames += 1;
      const elapsedMs = timeMs - startMs;
      list.scrollTop = run.fromPx + (elapsedMs / 1000) * run.pxPerSecond;
      if (elapsedMs < run.durationMs) {
        page.requestAnimationFrame(step);
      } else {
        page.console.timeStamp('evote-scroll-end');
        resolve(frames);
      }
    };
    page.requestAnimationFrame(step);
  });
}

/** Puts `row` at the top of the list and waits until the rows in view are loaded (no placeholder left). */
async function showRow(list: Locator, row: number): Promise<void> {
  await list.evaluate((element: { scrollTop: number }, top: number) => {
    element.scrollTop = top;
  }, row * rowHeightPx);
  await list.getByText(voterName(row), { exact: true }).waitFor();
  await list.getByText('Loading…').first().waitFor({ state: 'hidden' });
}

/** First run through the screens: the first official is created, saves their credential file and signs in. */
async function setUpAndSignIn(page: Page, dir: string): Promise<void> {
  await page.getByLabel('Your name').fill('Bench Official');
  await page.getByRole('button', { name: 'Create my official credential' }).click();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Save credential file' }).click(),
  ]);
  const credentialFile = path.join(dir, 'official.evote.json');
  await download.saveAs(credentialFile);
  await page.getByRole('button', { name: 'I have saved it: continue to sign-in' }).click();
  await page.getByLabel('Credential file', { exact: true }).setInputFiles(credentialFile);
  await page.getByRole('button', { name: 'Sign in with the file' }).click();
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Voters', exact: true })
    .click();
}

interface ScrollMeasurement {
  readonly frames: FrameFigures;
  readonly animationFrames: number;
  readonly pagesLoaded: number;
}

/** One run: from its first row, scrolled at its rate under a performance trace. */
async function scrollOnce(
  browser: Browser,
  page: Page,
  list: Locator,
  run: ScrollRun,
): Promise<ScrollMeasurement> {
  await showRow(list, run.fromRow);
  let pagesLoaded = 0;
  const countPages = (response: Response): void => {
    if (new URL(response.url()).pathname === '/api/call/listVoters') pagesLoaded += 1;
  };
  page.on('response', countPages);
  try {
    await browser.startTracing(page, {
      categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline.frame'],
    });
    const animationFrames = await list.evaluate(scrollDriver, {
      fromPx: run.fromRow * rowHeightPx,
      pxPerSecond: run.pxPerSecond,
      durationMs: run.durationMs,
    });
    // Written by Chromium: { traceEvents: [...] }.
    const trace = JSON.parse((await browser.stopTracing()).toString('utf8')) as {
      readonly traceEvents: readonly TraceEvent[];
    };
    const frames = framesBetween(trace.traceEvents, 'evote-scroll-start', 'evote-scroll-end');
    return { frames, animationFrames, pagesLoaded };
  } finally {
    page.off('response', countPages);
  }
}

async function measureScrolling(
  browser: Browser,
  scope: Scope,
  quick: boolean,
): Promise<{ readonly figures: readonly Figure[]; readonly notes: readonly string[] }> {
  const dir = await scope.temporaryDirectory('evote-bench-scroll-');
  const { ms: buildMs } = await timed(async () => {
    const station = await openBenchStation(dir, createCountingLogger());
    try {
      await registerFillerVoters(station, 0, scrollVoters, 1_024);
    } finally {
      await station.close();
    }
  });
  const notes = [`${scrollVoters.toLocaleString('en')} voters registered in-process in ${formatMs(buildMs)}`];
  const station: ServerProcess = await startStationProcess(scope, dir, ['--http', '127.0.0.1:0']);
  const uiUrl = (await station.stdoutLine(/^ui: (http:\/\/\S+)$/))[1];
  if (uiUrl === undefined) throw new Error('the station printed an empty ui: line');
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
  scope.defer(() => context.close());
  // Functions handed to the page are compiled by tsx, which wraps inner functions in a `__name` helper.
  await context.addInitScript({ content: 'globalThis.__name = (fn) => fn;' });
  const page = await context.newPage();
  await page.goto(uiUrl);
  await setUpAndSignIn(page, dir);
  await page.getByText(`${scrollVoters.toLocaleString('en')} voters are registered.`).waitFor();
  const list = page.getByRole('rowgroup', { name: 'Registered voters' });

  const durationMs = quick ? 3_000 : 8_000;
  const repeats = quick ? 1 : 3;
  const runs: readonly ScrollRun[] = [
    { label: 'reading pace, 3,000 px/s (~54 rows/s)', pxPerSecond: 3_000, durationMs, fromRow: 0 },
    {
      label: 'fast, 30,000 px/s (~540 rows/s, a new page of rows every second)',
      pxPerSecond: 30_000,
      durationMs,
      fromRow: 10_000,
    },
  ];
  const [loadBefore] = os.loadavg();
  const figures: Figure[] = [];
  for (const run of runs) {
    const measured: ScrollMeasurement[] = [];
    for (let repeat = 0; repeat < repeats; repeat += 1) {
      // Each repeat starts further down, past the pages the list still caches, so that each loads its own rows.
      const fromRow = run.fromRow + repeat * repeatStrideRows;
      measured.push(await scrollOnce(browser, page, list, { ...run, fromRow }));
    }
    measured.sort((a, b) => a.frames.framesPerSecond - b.frames.framesPerSecond);
    const median = measured[Math.floor(measured.length / 2)];
    if (median === undefined) throw new Error('no scroll run');
    const { frames } = median;
    const refreshes = frames.framesDrawn + frames.framesDropped;
    const spread =
      repeats === 1
        ? ''
        : ` (median of ${repeats}; ${measured.map((one) => one.frames.framesPerSecond.toFixed(1)).join(', ')})`;
    figures.push(
      {
        label: `scrolling ${run.label}: frames drawn per second${spread}`,
        value: `${frames.framesPerSecond.toFixed(1)} fps`,
        target: `≥ ${scrollTargetFps} fps`,
        met: frames.framesPerSecond >= scrollTargetFps,
      },
      {
        label: '  frames dropped (display refreshes without a frame)',
        value: `${frames.framesDropped} of ${refreshes}`,
        target: `≤ ${(droppedFramesShareMax * 100).toFixed(0)} %`,
        met: frames.framesDropped / refreshes <= droppedFramesShareMax,
      },
      { label: '  longest time between two frames', value: formatMs(frames.longestGapMs) },
      {
        label: '  animation frames run by the page (cross-check)',
        value: `${((median.animationFrames / frames.spanMs) * 1000).toFixed(1)} /s`,
      },
      { label: '  pages of rows loaded from the station meanwhile', value: String(median.pagesLoaded) },
    );
  }
  const [loadAfter] = os.loadavg();
  notes.push(
    `scrolling measured on ${os.cpus().length} CPUs with a load average of ${(loadBefore ?? NaN).toFixed(1)} ` +
      `before and ${(loadAfter ?? NaN).toFixed(1)} after (other work on the machine takes frames away too)`,
  );
  await station.stop();
  return { figures, notes };
}

export const interfaceBudgetsSection: Section = {
  name: 'interface',
  title:
    'Interface budgets: time to interactive, initial JavaScript, scrolling 100,000 voters (Chromium, headless station)',
  async run(options: BenchOptions, scope: Scope): Promise<void> {
    const rounds = options.quick ? 3 : 10;
    const browser = await chromium.launch(chromiumLaunchOptions());
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
    const lazy = await lazyChunks();
    const eager = lazy.filter(({ chunk }) => last.scripts.some((script) => script.url === chunk));
    figures.push({
      label: `of which ${lazy.map(({ name }) => name).join(' or ')}`,
      value: eager.length === 0 ? 'none' : eager.map(({ name }) => name).join(', '),
      target: 'none (loaded on demand)',
      met: eager.length === 0,
    });
    const scrolling = await measureScrolling(browser, scope, options.quick);
    figures.push(...scrolling.figures);
    printFigures(figures);
    for (const script of last.scripts) {
      printNote(`${script.url}: ${kilobytes(script.bytes)}, gzipped ${kilobytes(script.gzipBytes)}`);
    }
    for (const { name, chunk } of lazy) printNote(`${name}: on demand, in ${chunk}`);
    for (const note of scrolling.notes) printNote(note);
  },
};
