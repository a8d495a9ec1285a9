/**
 * The voter page under Lighthouse 12 (mobile, simulated throttling): the real backend (`node backend/dist/main.js`)
 * serving the built frontend with the demo round (64 options), measured `--runs` times, medians printed.
 *
 *   npm run bench:lighthouse -- [--runs 3] [--time-limit 600]
 *
 * A benchmark, not a test (e2e/lighthouse.spec.ts holds the budget in CI). Traffic to 127.0.0.1 only; children
 * stopped on every way out (bench-support.ts). BENCHMARKS.md records results.
 */
import { parseArgs } from "node:util";
import { formatFigures, lighthouseMedians } from "../support/lighthouse.js";
import {
  checkQuietMachine,
  newAgent,
  openDemoRound,
  parsingFlags,
  progress,
  runMain,
  startBackend,
  startRedis,
  startTimeLimit,
  wholeNumber,
} from "./bench-support.js";

const USAGE = `Usage: npm run bench:lighthouse -- [options]

  --runs N          Lighthouse runs; the medians are reported (default 3)
  --time-limit S    abort the whole run after S seconds (default 600)
  --help            this text`;

async function main(): Promise<number> {
  const { values } = parsingFlags(() =>
    parseArgs({
      options: {
        runs: { type: "string", default: "3" },
        "time-limit": { type: "string", default: "600" },
        help: { type: "boolean", default: false },
      },
    }),
  );
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const runs = wholeNumber("runs", values.runs, 1, 15);
  startTimeLimit(wholeNumber("time-limit", values["time-limit"], 10, 3600));

  const warnings: string[] = [];
  await checkQuietMachine(warnings);
  const redis = await startRedis();
  const backend = await startBackend(redis.url);
  const roundId = "lighthouse-demo";
  await openDemoRound(newAgent(4), backend, roundId);
  const url = `http://127.0.0.1:${backend.port}/r/${roundId}`;
  progress(`lighthouse: ${runs} run(s) of ${url}`);

  const { runs: each, median } = await lighthouseMedians(url, runs);
  each.forEach((figures, index) => {
    progress(`  run ${index + 1}: ${formatFigures(figures)}`);
  });
  console.log(`median of ${runs}: ${formatFigures(median)}`);
  for (const warning of warnings) progress(`warning: ${warning}`);
  await backend.server.stop();
  return 0;
}

await runMain(main, USAGE);
