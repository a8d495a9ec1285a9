import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import type { RoundCreateInput } from "@lb/common";

let counter = 0;

/** A round id nobody else uses, also across parallel files and earlier runs on a shared REDIS_URL. */
export function uniqueRoundId(prefix = "t"): string {
  counter += 1;
  const id = `${prefix}-${Date.now().toString(36)}-${process.pid.toString(36)}-${counter}-${randomBytes(3).toString("hex")}`;
  return id
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "-")
    .slice(0, 64);
}

const demoFile = new URL("../../backend/data/qingdao-customs-2021.json", import.meta.url);
let demo: RoundCreateInput | undefined;

/** The demo data file (64 options with long Chinese descriptions, pick 1 to 15), as organisers upload it. */
export function demoRound(): RoundCreateInput {
  demo ??= JSON.parse(readFileSync(demoFile, "utf8")) as RoundCreateInput;
  return structuredClone(demo);
}

/** A small hand-made round: options numbered 1..count with default ids ("1", "2", ...). */
export function smallRound(
  count = 5,
  rules = { minChoices: 1, maxChoices: 3 },
  title = "Small round",
): RoundCreateInput {
  return {
    title,
    description: "made by the integration tests",
    rules,
    options: Array.from({ length: count }, (_, index) => ({
      number: index + 1,
      title: `Option ${index + 1}`,
      description: `Description of option ${index + 1}`,
    })),
  };
}

/** A deterministic pseudo-random generator (mulberry32), so that failures can be replayed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Picks between min and max distinct option ids from `optionIds`. */
export function randomChoices(random: () => number, optionIds: readonly string[], min: number, max: number): string[] {
  const count = min + Math.floor(random() * (max - min + 1));
  const pool = [...optionIds];
  const picked: string[] = [];
  for (let i = 0; i < count && pool.length > 0; i++) {
    const index = Math.floor(random() * pool.length);
    picked.push(pool.splice(index, 1)[0] as string);
  }
  return picked;
}

/** A ballot to send for each voter: its token, an idempotency key `<keyPrefix>-<i>` and 1 to `maxChoices` picks (seeded). */
export function ballotPlans(
  voters: readonly string[],
  optionIds: readonly string[],
  { seed, keyPrefix, maxChoices }: { seed: number; keyPrefix: string; maxChoices: number },
): { token: string; key: string; choices: string[] }[] {
  const random = seededRandom(seed);
  return voters.map((token, i) => ({
    token,
    key: `${keyPrefix}-${i}`,
    choices: randomChoices(random, optionIds, 1, maxChoices),
  }));
}

/** Votes per option id for a list of ballots. */
export function tally(ballots: readonly (readonly string[])[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const choices of ballots) {
    for (const choice of choices) counts.set(choice, (counts.get(choice) ?? 0) + 1);
  }
  return counts;
}
