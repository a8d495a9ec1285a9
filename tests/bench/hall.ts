/**
 * Hall benchmark: how long N phones behind ONE address (a venue NAT) take to get a voter token and vote, with the
 * default open-electorate limits (VOTER_LIMITS=on), arriving at a steady rate. Each simulated phone does what the
 * voter page does: `POST /api/voters { roundId }`, then its ballot; on 428 it solves the challenge (SHA-256 in
 * this process, as a phone's worker would) and sends the request again; on 429 it waits Retry-After plus up to
 * a second of jitter.
 *
 *   npm run bench:hall -- [--phones 2000] [--rate 12] [--time-limit 600]
 *
 * A benchmark, not a test: bounded in count and time, traffic to 127.0.0.1 only, children stopped on every way
 * out (bench-support.ts). BENCHMARKS.md records results.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import type { Challenge, ChallengeSolution, RoundStats } from "@lb/common";
import {
  expectJson,
  type HttpResult,
  httpRequest,
  makeChoices,
  newAgent,
  openDemoRound,
  parsingFlags,
  percentile,
  progress,
  runMain,
  startBackend,
  startRedis,
  startTimeLimit,
  throwIfAborted,
  wholeNumber,
} from "./bench-support.js";

const USAGE = `Usage: npm run bench:hall -- [options]

  --phones N        phones in the hall, all behind one address (default 2000)
  --rate R          phones arriving per second, evenly (default 12)
  --time-limit S    abort the whole run after S seconds (default 600)
  --help            this text`;

/** The hall's one public address (X-Forwarded-For; the backend runs with TRUST_PROXY). */
const HALL_ADDRESS = "198.51.100.7";

function solve(challenge: Challenge): ChallengeSolution {
  for (let number = 0; number <= challenge.maxnumber; number++) {
    if (createHash("sha256").update(`${challenge.salt}${number}`).digest("hex") === challenge.challenge) {
      const { algorithm, salt, signature } = challenge;
      return { algorithm, challenge: challenge.challenge, number, salt, signature };
    }
  }
  throw new Error("challenge without a solution");
}

interface Tally {
  challenges: number;
  rateLimited: number;
  /** Requests sent again after a keep-alive socket was reset under them. */
  resets: number;
}

async function main(): Promise<number> {
  const options = parsingFlags(() => {
    const { values } = parseArgs({
      options: {
        phones: { type: "string", default: "2000" },
        rate: { type: "string", default: "12" },
        "time-limit": { type: "string", default: "600" },
        help: { type: "boolean", default: false },
      },
      strict: true,
    });
    if (values.help) {
      console.log(USAGE);
      process.exit(0);
    }
    return {
      phones: wholeNumber("phones", values.phones, 1, 20_000),
      rate: wholeNumber("rate", values.rate, 1, 1_000),
      timeLimitS: wholeNumber("time-limit", values["time-limit"], 10, 3600),
    };
  });
  startTimeLimit(options.timeLimitS);
  const { url: redisUrl } = await startRedis();
  const backend = await startBackend(redisUrl, { VOTER_LIMITS: "on", TRUST_PROXY: "true" });
  const agent = newAgent(256);
  const roundId = `hall-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
  const round = await openDemoRound(agent, backend, roundId);
  const optionIds = round.options.map((option) => option.id);
  const choices = makeChoices(options.phones, optionIds, round.rules.minChoices, round.rules.maxChoices, 1);
  const tally: Tally = { challenges: 0, rateLimited: 0, resets: 0 };
  const headers = { "x-forwarded-for": HALL_ADDRESS };

  /** One request the way the voter page sends it: solve on 428, wait out 429, until it gets `expected`. */
  async function send(path: string, body: Record<string, unknown>, extra: Record<string, string>, expected: number) {
    let solution: ChallengeSolution | undefined;
    for (;;) {
      throwIfAborted();
      let res: HttpResult;
      try {
        res = await httpRequest(agent, backend.port, "POST", path, {
          headers: { ...headers, ...extra },
          body: JSON.stringify(solution ? { ...body, challenge: solution } : body),
        });
      } catch (error) {
        // A keep-alive socket the server closed as it was reused: send again, as a browser would.
        if ((error as NodeJS.ErrnoException).code !== "ECONNRESET") throw error;
        tally.resets++;
        continue;
      }
      solution = undefined;
      if (res.status === expected) return JSON.parse(res.body.toString("utf8")) as Record<string, unknown>;
      if (res.status === 428) {
        tally.challenges++;
        solution = solve((JSON.parse(res.body.toString("utf8")) as { challenge: Challenge }).challenge);
      } else if (res.status === 429) {
        tally.rateLimited++;
        const waitMs = Number(res.headers["retry-after"] ?? 1) * 1000 + Math.random() * 1000;
        await new Promise((resolve) => setTimeout(resolve, waitMs));
      } else {
        throw new Error(`${path}: HTTP ${res.status} ${res.body.toString("utf8").slice(0, 300)}`);
      }
    }
  }

  progress(`hall: ${options.phones} phones behind ${HALL_ADDRESS}, arriving at ${options.rate} a second`);
  const started = performance.now();
  const durations = new Float64Array(options.phones);
  const phones: Promise<void>[] = [];
  for (let i = 0; i < options.phones; i++) {
    const at = started + (i * 1000) / options.rate;
    const wait = at - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    phones.push(
      (async () => {
        const arrived = performance.now();
        const { token } = await send("/api/voters", { roundId }, {}, 200);
        await send(
          `/api/rounds/${roundId}/ballots`,
          { choices: choices[i], idempotencyKey: randomUUID() },
          { "x-voter-token": String(token) },
          201,
        );
        durations[i] = performance.now() - arrived;
      })(),
    );
  }
  await Promise.all(phones);
  const elapsedS = (performance.now() - started) / 1000;
  const stats = await expectJson<RoundStats>(
    httpRequest(agent, backend.port, "GET", `/api/rounds/${roundId}/stats`, { headers: backend.auth }),
    200,
    "GET stats",
  );
  await backend.server.stop();
  const sorted = Float64Array.from(durations).sort();
  const line =
    `hall: ${options.phones} phones at ${options.rate}/s behind one address voted in ${elapsedS.toFixed(1)} s ` +
    `(arrivals took ${((options.phones - 1) / options.rate).toFixed(1)} s); ` +
    `challenges ${tally.challenges}, 429s ${tally.rateLimited}, resent after a socket reset ${tally.resets}; per phone p50 ${percentile(sorted, 0.5).toFixed(0)} ms, ` +
    `p99 ${percentile(sorted, 0.99).toFixed(0)} ms, max ${(sorted[sorted.length - 1] ?? 0).toFixed(0)} ms; ` +
    `counted ${stats.totalBallots}`;
  console.log(line);
  return stats.totalBallots === options.phones ? 0 : 1;
}

await runMain(main, USAGE);
