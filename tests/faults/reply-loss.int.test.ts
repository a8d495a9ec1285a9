import type { BallotReceipt } from "@lb/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Backends, redisUrl, startBackends } from "../support/backend.js";
import { expectStatus } from "../support/http.js";
import { ballotPlans, smallRound } from "../support/rounds.js";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.js";
import { expectCountedExactlyOnce, sendLikeAPhone } from "./ballot-ledger.js";
import { faultProfile } from "./profile.js";

/** A chunk that carries the ballot script (EVALSHA, or EVAL of its source): its keys name the audit stream. */
const isBallotScript = (bytes: Buffer) => bytes.includes(":audit") && /\beval/i.test(bytes.toString("latin1"));

describe("Redis replies lost after a write", () => {
  let proxy: TcpProxy;
  let backends: Backends;

  beforeAll(async () => {
    proxy = await startTcpProxy(redisUrl());
    // Two backends on the proxy, like replicas on one Redis: a phone's retry may land on either.
    backends = await startBackends(2, {}, { redisUrl: proxy.url });
  });
  afterAll(async () => {
    await backends?.close();
    await proxy?.close();
  });

  it("a ballot script resent after the connection was cut counts once (ioredis resends it on reconnect)", async () => {
    const { api } = backends;
    const round = await api.createOpenRound(smallRound(4));
    const [warmUp, voter] = await api.newVoters(2);
    if (!warmUp || !voter) throw new Error("voters");
    // Redis knows the script after this one, so the cut below strikes the ballot's write, not a NOSCRIPT.
    await api.vote(round.id, warmUp, ["2"]);
    const before = proxy.matched;
    proxy.dropReplies({ match: isBallotScript, limit: proxy.cuts + 1 });
    // No idempotency key: only the script's own ballot id can tell the resent run from a second ballot.
    const res = await api.castBallot(round.id, voter, ["1", "3"]);
    proxy.dropReplies(undefined);
    expectStatus(res, 201);
    // The script went to Redis twice: once before the cut, once more when ioredis resent it.
    expect(proxy.matched - before).toBe(2);
    const audit = await api.audit(round.id, 1);
    const warmUpReceipt = audit.entries.find((entry) => entry.ballotId !== (res.body as BallotReceipt).ballotId);
    if (!warmUpReceipt) throw new Error("the warm-up ballot is not in the audit log");
    await expectCountedExactlyOnce(api, round.id, 1, [
      res.body as BallotReceipt,
      { ...warmUpReceipt, roundId: round.id, epoch: 1, hash: warmUpReceipt.hash ?? "" },
    ]);
  });

  it("under ballot load with phones retrying by idempotency key, every 201 is counted exactly once", async () => {
    const { api } = backends;
    const { ballots, concurrency, seed } = faultProfile();
    console.log(`[reply-loss] ${ballots} ballots, ${concurrency} in flight, seed ${seed} (FAULT_BALLOTS, FAULT_SEED)`);
    const round = await api.createOpenRound(smallRound(8, { minChoices: 1, maxChoices: 4 }));
    const optionIds = round.options.map((option) => option.id);
    const voters = await api.newVoters(ballots);
    const plans = ballotPlans(voters, optionIds, { seed, keyPrefix: "reply-loss", maxChoices: 4 });
    const apis = backends.backends.map((backend) => backend.api);

    const cutsBefore = proxy.cuts;
    const matchedBefore = proxy.matched;
    proxy.dropReplies({ match: isBallotScript, every: 3 });
    const receipts: BallotReceipt[] = [];
    const failures: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let i = next++; i < plans.length; i = next++) {
          const plan = plans[i];
          if (!plan) break;
          const result = await sendLikeAPhone(apis, round.id, plan.token, plan.choices, plan.key, { firstApi: i });
          if (result.receipt) receipts.push(result.receipt);
          else failures.push(`${plan.key}: ${result.attempts.join(" → ")}`);
        }
      }),
    );
    proxy.dropReplies(undefined);
    const cuts = proxy.cuts - cutsBefore;
    console.log(
      `[reply-loss] ${receipts.length} acknowledged; ${proxy.matched - matchedBefore} ballot writes seen, ` +
        `${cuts} connections cut after one`,
    );

    expect(failures).toEqual([]);
    // The fault really struck, many times, with ballots in flight on the cut connections.
    expect(cuts).toBeGreaterThanOrEqual(Math.min(10, Math.floor(ballots / 40)));
    await expectCountedExactlyOnce(api, round.id, 1, receipts);
  });
});
