/**
 * How hard the fault tests push. CI runs the short profile; a longer run by hand sets the variables, e.g.
 * `FAULT_BALLOTS=5000 FUZZ_CASES=50000 npx vitest run faults/` (in tests/).
 */
export interface FaultProfile {
  /** Ballots per load test (reply loss, backend kill). `FAULT_BALLOTS`, default 400. */
  ballots: number;
  /** Ballots in flight at once. `FAULT_CONCURRENCY`, default 32. */
  concurrency: number;
  /** Seed of the ballots' choices and of the fuzzer. `FAULT_SEED`, default: random, printed. */
  seed: number;
}

function wholeNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a whole number >= 1, got "${raw}"`);
  return value;
}

export function faultProfile(): FaultProfile {
  return {
    ballots: wholeNumber("FAULT_BALLOTS", 400),
    concurrency: wholeNumber("FAULT_CONCURRENCY", 32),
    seed: wholeNumber("FAULT_SEED", 1 + Math.floor(Math.random() * 2 ** 31)),
  };
}

/** A whole-number setting from the environment (for one test's own knobs, e.g. `FUZZ_CASES`). */
export const envNumber = wholeNumber;
