import type { Challenge, ChallengeSolution } from "@lb/common";
import { useSyncExternalStore } from "react";
import { ApiRequestError } from "../../lib/api";

/**
 * The open electorate's proof-of-work step. Past a network's soft limit the server answers 428
 * CHALLENGE_REQUIRED with a challenge; the page solves it in a worker (a separate chunk: the voter's entry
 * bundle does not carry it) and sends the same request again with the solution. Nothing for the voter to do:
 * the page only shows a short "security check" note while it works.
 */

/** How often one request may be challenged in a row before the failure goes to the caller (who retries later). */
const MAX_CHALLENGES = 3;

let checking = 0;
const listeners = new Set<() => void>();
function setChecking(delta: number): void {
  checking += delta;
  for (const listener of listeners) listener();
}

/** Whether the page is solving a challenge right now (for the "security check" note). */
export function useSecurityCheck(): boolean {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => checking > 0,
    () => false,
  );
}

function solution(challenge: Challenge, number: number | null): ChallengeSolution {
  if (number === null) throw new ApiRequestError(403, "CHALLENGE_FAILED", "challenge has no solution");
  const { algorithm, salt, signature } = challenge;
  return { algorithm, challenge: challenge.challenge, number, salt, signature };
}

/** The worker's answer, or null when this browser cannot run it (no module workers: iOS before 15). */
function solveInWorker(challenge: Challenge): Promise<number | null | "unavailable"> {
  return new Promise((resolve) => {
    let worker: Worker;
    try {
      // A module worker from the app's own origin: allowed by the CSP's default-src 'self', no eval.
      worker = new Worker(new URL("./pow-worker.ts", import.meta.url), { type: "module" });
    } catch {
      resolve("unavailable");
      return;
    }
    worker.onmessage = (event: MessageEvent<{ number: number | null }>) => {
      worker.terminate();
      resolve(event.data.number);
    };
    worker.onerror = () => {
      worker.terminate();
      resolve("unavailable");
    };
    worker.postMessage({ challenge: challenge.challenge, salt: challenge.salt, max: challenge.maxnumber });
  });
}

/** Solves a challenge off the page's thread, or on it (loaded on demand) where workers cannot run. */
export async function solveChallenge(challenge: Challenge): Promise<ChallengeSolution> {
  const answer = await solveInWorker(challenge);
  if (answer !== "unavailable") return solution(challenge, answer);
  const { solvePow } = await import("./sha256");
  return solution(challenge, solvePow(challenge.challenge, challenge.salt, challenge.maxnumber));
}

/**
 * Sends a request, solving the challenge of each 428 answer and sending it again with the solution. A refused
 * solution (it expired while a slow phone worked) starts over with a fresh challenge.
 */
export async function withChallenge<T>(
  send: (solution: ChallengeSolution | undefined) => Promise<T>,
  solve: (challenge: Challenge) => Promise<ChallengeSolution> = solveChallenge,
): Promise<T> {
  let solution: ChallengeSolution | undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      return await send(solution);
    } catch (error) {
      if (!(error instanceof ApiRequestError) || attempt >= MAX_CHALLENGES) throw error;
      if (error.code === "CHALLENGE_FAILED" && solution) {
        solution = undefined;
        continue;
      }
      if (error.code !== "CHALLENGE_REQUIRED" || !error.challenge) throw error;
      setChecking(1);
      try {
        solution = await solve(error.challenge);
      } finally {
        setChecking(-1);
      }
    }
  }
}
