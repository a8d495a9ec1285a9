import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Backends } from "../support/backend.js";
import { startAppServer } from "../support/browser.js";
import { formatFigures, type LighthouseFigures, lighthouseMedians, medianFigures } from "../support/lighthouse.js";
import { demoRound } from "../support/rounds.js";
import { createRound } from "./vote-support.js";

/**
 * The voter page's performance budget on a phone (issue 11): Lighthouse 12, mobile, simulated throttling, on the
 * demo round (64 options). The budget is LCP < 2.5 s, TBT < 200 ms, CLS < 0.1 (BENCHMARKS.md has the figures,
 * measured with `npm run bench:lighthouse`).
 *
 * This spec runs beside the other browser specs on a shared 2-core machine, where main-thread work is measured up
 * to about twice as long as on a quiet one. TBT is all main-thread work, so it gets that headroom: it fails past
 * 400 ms (2x the budget). LCP is mostly the simulated network (on a busy machine it moved by about 0.2 s) and CLS
 * does not depend on CPU load: they fail past the budget itself, 2.5 s and 0.1 (the page before this work measured
 * LCP 2.5-2.9 s, so a regression shows). One run normally; a run past a limit is measured twice more and the
 * median of three decides (Lighthouse's advice for noisy machines), so one unlucky run does not fail CI. About
 * 25 s, at most about a minute and a half.
 */
const CI_LIMIT = { lcpMs: 2_500, tbtMs: 400, cls: 0.1 };

const withinLimit = (figures: LighthouseFigures) =>
  figures.lcpMs <= CI_LIMIT.lcpMs && figures.tbtMs <= CI_LIMIT.tbtMs && figures.cls <= CI_LIMIT.cls;

let app: Backends;
beforeAll(async () => {
  app = await startAppServer();
});
afterAll(async () => {
  await app?.close();
});

describe("voter page performance budget", () => {
  it("stays within LCP, TBT and CLS on a throttled phone", { timeout: 180_000 }, async () => {
    const round = await createRound(app, demoRound());
    const url = `${app.urls[0]}/r/${round.id}`;
    let result = await lighthouseMedians(url, 1);
    if (!withinLimit(result.median)) {
      console.log(`lighthouse: first run over the limit (${formatFigures(result.median)}); measuring twice more`);
      const runs = [...result.runs, ...(await lighthouseMedians(url, 2)).runs];
      result = { runs, median: medianFigures(runs) };
    }
    console.log(`lighthouse (${result.runs.length} run(s)): ${formatFigures(result.median)}`);
    expect.soft(result.median.lcpMs, "LCP (ms)").toBeLessThanOrEqual(CI_LIMIT.lcpMs);
    expect.soft(result.median.tbtMs, "TBT (ms)").toBeLessThanOrEqual(CI_LIMIT.tbtMs);
    expect.soft(result.median.cls, "CLS").toBeLessThanOrEqual(CI_LIMIT.cls);
  });
});
