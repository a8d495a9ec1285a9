import type { BallotReceipt } from "@lb/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectCountedExactlyOnce, sendLikeAPhone } from "./faults/ballot-ledger.js";
import { type Backends, startBackends } from "./support/backend.js";
import { ballotPlans, smallRound } from "./support/rounds.js";

/** Voters racing the reset; each sends one ballot, and once more after the round reopens if it was refused. */
const VOTERS = 300;
const IN_FLIGHT = 32;

describe("a ballot racing a reset", () => {
  let backends: Backends;
  beforeAll(async () => {
    backends = await startBackends(2);
  });
  afterAll(async () => {
    await backends?.close();
  });

  it("lands whole in exactly one epoch: the one its receipt names", { timeout: 60_000 }, async () => {
    const { api } = backends;
    const apis = backends.backends.map((backend) => backend.api);
    const round = await api.createOpenRound(smallRound(6, { minChoices: 1, maxChoices: 3 }));
    const optionIds = round.options.map((option) => option.id);
    const voters = await api.newVoters(VOTERS);
    const plans = ballotPlans(voters, optionIds, { seed: 12, keyPrefix: "race", maxChoices: 3 });

    const receipts: BallotReceipt[] = [];
    const refused: number[] = [];
    const unexpected: string[] = [];
    let reset: Promise<void> | undefined;
    let next = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        for (let i = next++; i < plans.length; i = next++) {
          const plan = plans[i];
          if (!plan) break;
          const result = await sendLikeAPhone(apis, round.id, plan.token, plan.choices, plan.key, { firstApi: i });
          if (result.receipt) receipts.push(result.receipt);
          else if (result.attempts.at(-1)?.includes("ROUND_NOT_OPEN")) refused.push(i);
          else unexpected.push(`${plan.key}: ${result.attempts.join(" → ")}`);
          // A third of the way in, with ballots in flight on both backends, the organiser resets and reopens.
          if (!reset && receipts.length >= VOTERS / 3) {
            reset = (async () => {
              await api.reset(round.id);
              await api.transition(round.id, "open");
            })();
          }
        }
      }),
    );
    await reset;
    // The ballots refused while the new epoch was a draft go again, as the voter page lets them.
    for (const i of refused) {
      const plan = plans[i];
      if (!plan) continue;
      const result = await sendLikeAPhone(apis, round.id, plan.token, plan.choices, plan.key);
      if (result.receipt) receipts.push(result.receipt);
      else unexpected.push(`${plan.key} again: ${result.attempts.join(" → ")}`);
    }
    expect(unexpected).toEqual([]);

    const byEpoch = (epoch: number) => receipts.filter((receipt) => receipt.epoch === epoch);
    expect(byEpoch(1).length + byEpoch(2).length).toBe(receipts.length);
    // Both sides of the reset got ballots, and every voter got a receipt (in one epoch or, re-sent, in both).
    expect(byEpoch(1).length).toBeGreaterThan(0);
    expect(byEpoch(2).length).toBeGreaterThan(0);
    expect(new Set(receipts.map((receipt) => receipt.ballotId)).size).toBe(receipts.length);
    console.log(
      `[reset-race] epoch 1: ${byEpoch(1).length} ballots, epoch 2: ${byEpoch(2).length} (${refused.length} re-sent)`,
    );

    // Each epoch holds exactly the ballots whose receipts name it: tally, counter, audit and recount.
    await expectCountedExactlyOnce(api, round.id, 1, byEpoch(1));
    await expectCountedExactlyOnce(api, round.id, 2, byEpoch(2));
  });
});
