import type { BallotReceipt } from "@lb/common";
import { expect } from "vitest";
import type { Api, BallotResponse } from "../support/http.js";
import { tally } from "../support/rounds.js";

/** What a phone's outbox gets back for one ballot after its retries. */
export interface OutboxResult {
  receipt?: BallotReceipt;
  /** Every answer it got, in order (status, or the network error's message). */
  attempts: string[];
}

/**
 * Sends one ballot as the voter page's outbox does: the same body and idempotency key again after a 503 or a
 * network error (a backend or Redis that went away), up to `maxAttempts`, each try on the next backend in
 * `apis` (a phone that reconnects lands wherever the balancer sends it; pass a function when backends come and
 * go). Any other answer ends the tries.
 */
export async function sendLikeAPhone(
  apis: readonly Api[] | (() => readonly Api[]),
  roundId: string,
  token: string,
  choices: readonly string[],
  idempotencyKey: string,
  options: { maxAttempts?: number; firstApi?: number } = {},
): Promise<OutboxResult> {
  const attempts: string[] = [];
  const maxAttempts = options.maxAttempts ?? 20;
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const live = typeof apis === "function" ? apis() : apis;
    const api = live[((options.firstApi ?? 0) + attempt) % live.length] as Api;
    let res: BallotResponse;
    try {
      res = await api.castBallot(roundId, token, choices, idempotencyKey);
    } catch (error) {
      attempts.push(`network: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    attempts.push(`${res.status}${res.status === 201 ? "" : ` ${res.text.slice(0, 200)}`}`);
    if (res.status === 201) return { receipt: res.body, attempts };
    if (res.status !== 503) return { attempts };
  }
  return { attempts };
}

/**
 * The promise of the counting: every acknowledged ballot (a 201 receipt) is counted exactly once, and nothing
 * else is. Checks the live tally, the ballots counter, the audit log (each receipt's ballot id once, with its
 * choices) and the recount against the receipts, for one epoch.
 */
export async function expectCountedExactlyOnce(
  api: Api,
  roundId: string,
  epoch: number,
  receipts: readonly BallotReceipt[],
): Promise<void> {
  const byBallot = new Map(receipts.map((receipt) => [receipt.ballotId, receipt]));
  // Two receipts with one ballot id are one ballot acknowledged twice (an idempotent replay): fine only if
  // they are the same ballot.
  expect(byBallot.size, "receipts per ballot id").toBe(receipts.length);

  const audit = await api.audit(roundId, epoch);
  const auditIds = audit.entries.map((entry) => entry.ballotId);
  const duplicates = auditIds.filter((id, index) => auditIds.indexOf(id) !== index);
  expect(duplicates, "ballot ids counted twice in the audit log").toEqual([]);
  expect([...auditIds].sort(), "audit log vs acknowledged ballots").toEqual([...byBallot.keys()].sort());
  for (const entry of audit.entries) {
    expect([...entry.choices].sort(), `choices of ${entry.ballotId}`).toEqual(
      [...(byBallot.get(entry.ballotId)?.choices ?? [])].sort(),
    );
  }

  const board = await api.leaderboard(roundId, epoch);
  expect(board.epoch).toBe(epoch);
  expect(board.totalBallots, "ballots counter").toBe(receipts.length);
  const expected = tally(receipts.map((receipt) => receipt.choices));
  for (const entry of board.entries) {
    expect(entry.votes, `votes of option ${entry.optionId}`).toBe(expected.get(entry.optionId) ?? 0);
  }

  const recount = await api.recount(roundId, epoch);
  expect(recount).toMatchObject({ matches: true, ballots: receipts.length, liveBallots: receipts.length });
}
