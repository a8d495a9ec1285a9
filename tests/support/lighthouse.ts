import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { CHROMIUM_PATH } from "./browser.js";

/**
 * Lighthouse 12 (the `lighthouse` npm package; 13 wants Node 22) on Debian's Chromium, through its CLI in a child
 * process: the CLI launches and closes its own Chromium, and its work does not share this process's event loop
 * with a backend the caller may be running. Default profile: mobile (Moto G Power class), simulated throttling
 * (slow 4G, 4x CPU slowdown), i.e. what PageSpeed Insights reports for phones.
 */

const run = promisify(execFile);
const lighthouseCli = join(dirname(createRequire(import.meta.url).resolve("lighthouse/package.json")), "cli/index.js");

/** Flags of the brief's measuring profile; `--disable-background-networking` keeps Chromium's own calls out. */
export const LIGHTHOUSE_CHROME_FLAGS = "--headless --no-sandbox --disable-gpu --disable-background-networking";

export interface LighthouseFigures {
  score: number;
  fcpMs: number;
  lcpMs: number;
  tbtMs: number;
  cls: number;
  /** Speed Index and main-thread work, to tell where time went. */
  speedIndexMs: number;
  mainThreadMs: number;
  /** Bytes over the wire (transfer size) of the whole load. */
  totalBytes: number;
  /** Lighthouse's CPU benchmark of this machine during the run (about 3,400 here when quiet, 500 when busy). */
  benchmarkIndex: number;
}

interface Audit {
  numericValue?: number;
}
interface LighthouseResult {
  categories: { performance: { score: number | null } };
  audits: Record<string, Audit | undefined>;
  runtimeError?: { code: string; message: string };
  environment: { benchmarkIndex: number };
}

function numeric(lhr: LighthouseResult, id: string): number {
  const value = lhr.audits[id]?.numericValue;
  if (value === undefined) throw new Error(`Lighthouse gave no figure for ${id}`);
  return value;
}

/**
 * One Lighthouse run (performance category only) of `url`. About 15-30 s on a busy 2-core machine. The CLI
 * itself failed once in about twenty runs here (a non-zero exit, no report): that is tried once more and said so,
 * since it says nothing about the page.
 */
export async function lighthouseOnce(url: string): Promise<LighthouseFigures> {
  try {
    return await lighthouseRun(url);
  } catch (error) {
    console.log(`lighthouse: the CLI failed (${String(error).split("\n")[0]}); running it once more`);
    return lighthouseRun(url);
  }
}

async function lighthouseRun(url: string): Promise<LighthouseFigures> {
  const { stdout } = await run(
    process.execPath,
    [
      lighthouseCli,
      url,
      "--only-categories=performance",
      "--output=json",
      "--output-path=stdout",
      "--quiet",
      `--chrome-flags=${LIGHTHOUSE_CHROME_FLAGS}`,
    ],
    { env: { ...process.env, CHROME_PATH: CHROMIUM_PATH }, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 },
  );
  const lhr = JSON.parse(stdout) as LighthouseResult;
  if (lhr.runtimeError) throw new Error(`Lighthouse: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
  return {
    score: lhr.categories.performance.score ?? 0,
    fcpMs: numeric(lhr, "first-contentful-paint"),
    lcpMs: numeric(lhr, "largest-contentful-paint"),
    tbtMs: numeric(lhr, "total-blocking-time"),
    cls: numeric(lhr, "cumulative-layout-shift"),
    speedIndexMs: numeric(lhr, "speed-index"),
    mainThreadMs: numeric(lhr, "mainthread-work-breakdown"),
    totalBytes: numeric(lhr, "total-byte-weight"),
    benchmarkIndex: lhr.environment.benchmarkIndex,
  };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

/** The median of each figure over some runs (Lighthouse's own advice for noisy machines). */
export function medianFigures(results: readonly LighthouseFigures[]): LighthouseFigures {
  const of = (key: keyof LighthouseFigures) => median(results.map((figures) => figures[key]));
  return {
    score: of("score"),
    fcpMs: of("fcpMs"),
    lcpMs: of("lcpMs"),
    tbtMs: of("tbtMs"),
    cls: of("cls"),
    speedIndexMs: of("speedIndexMs"),
    mainThreadMs: of("mainThreadMs"),
    totalBytes: of("totalBytes"),
    benchmarkIndex: of("benchmarkIndex"),
  };
}

/** `runs` runs one after the other, and their medians. */
export async function lighthouseMedians(
  url: string,
  runs: number,
): Promise<{ runs: LighthouseFigures[]; median: LighthouseFigures }> {
  const results: LighthouseFigures[] = [];
  for (let i = 0; i < runs; i++) results.push(await lighthouseOnce(url));
  return { runs: results, median: medianFigures(results) };
}

/** One line per run and the medians, for a log or BENCHMARKS.md. */
export function formatFigures(figures: LighthouseFigures): string {
  return (
    `score ${figures.score.toFixed(2)}  FCP ${(figures.fcpMs / 1000).toFixed(2)} s  ` +
    `LCP ${(figures.lcpMs / 1000).toFixed(2)} s  TBT ${Math.round(figures.tbtMs)} ms  CLS ${figures.cls.toFixed(3)}  ` +
    `SI ${(figures.speedIndexMs / 1000).toFixed(2)} s  main thread ${(figures.mainThreadMs / 1000).toFixed(2)} s  ` +
    `${Math.round(figures.totalBytes / 1024)} KiB  CPU benchmark ${Math.round(figures.benchmarkIndex)}`
  );
}
