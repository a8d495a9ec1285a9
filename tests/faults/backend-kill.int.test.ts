import { randomBytes } from "node:crypto";
import type { BallotReceipt } from "@lb/common";
import { afterAll, describe, expect, it } from "vitest";
import { type BenchBackend, cleanup, startBackend } from "../bench/bench-support.js";
import { redisUrl } from "../support/backend.js";
import { Api, createAgent } from "../support/http.js";
import { ballotPlans, smallRound } from "../support/rounds.js";
import { countedUnanswered, startTcpProxy, type TcpProxy } from "../support/tcp-proxy.js";
import { expectCountedExactlyOnce, sendLikeAPhone } from "./ballot-ledger.js";
import { envNumber, faultProfile } from "./profile.js";

/** Backends killed during the run (`FAULT_KILLS`, default 1); each is replaced by a new one. */
const KILLS = envNumber("FAULT_KILLS", 1);

/**
 * Real backend processes (`node backend/dist/main.js`, started by the benchmarks' helper) on one Redis; phones
 * send ballots with idempotency keys to both; one backend dies by SIGKILL mid-load, its phones retry on the
 * other with the same key. Every acknowledged ballot is counted exactly once.
 */
describe("kill -9 of a backend under ballot load", () => {
  const agent = createAgent(128);
  const proxies: TcpProxy[] = [];
  afterAll(async () => {
    agent.destroy();
    // Stops every backend the helper started (SIGTERM, then SIGKILL), killed ones included.
    await cleanup();
    await Promise.all(proxies.map((proxy) => proxy.close()));
  });

  it("every ballot acknowledged by either backend is counted exactly once", { timeout: 180_000 }, async () => {
    const { ballots, concurrency, seed } = faultProfile();
    console.log(
      `[backend-kill] ${ballots} ballots, ${concurrency} in flight, ${KILLS} kill(s), seed ${seed} ` +
        "(FAULT_BALLOTS, FAULT_KILLS, FAULT_SEED)",
    );
    const secrets = {
      ADMIN_TOKEN: `admin-${randomBytes(16).toString("hex")}`,
      VOTER_TOKEN_SECRET: randomBytes(32).toString("hex"),
    };
    // Each backend reaches Redis through its own proxy, which can hold its replies back before the kill.
    const start = async () => {
      const proxy = await startTcpProxy(redisUrl());
      proxies.push(proxy);
      const backend = await startBackend(proxy.url, secrets);
      return { backend, proxy, api: new Api(`http://127.0.0.1:${backend.port}`, secrets.ADMIN_TOKEN, agent) };
    };
    type Running = { backend: BenchBackend; proxy: TcpProxy; api: Api };
    const live: Running[] = await Promise.all([start(), start()]);
    const first = live[0] as Running;

    const round = await first.api.createOpenRound(smallRound(8, { minChoices: 1, maxChoices: 4 }));
    const optionIds = round.options.map((option) => option.id);
    const voters = await first.api.newVoters(ballots);
    const plans = ballotPlans(voters, optionIds, { seed, keyPrefix: "kill", maxChoices: 4 });

    const receipts: BallotReceipt[] = [];
    const failures: string[] = [];
    let retriedAfterKill = 0;
    let killed = 0;
    let unanswered = 0;
    const kills: Promise<void>[] = [];
    // Kill k of KILLS strikes once k/(KILLS+1) of the ballots are acknowledged: always with ballots in flight.
    // Before the kill, the victim's Redis replies are held until Redis has counted a few of its ballots that it
    // will never answer: the window where only the idempotency key keeps a retry from counting twice.
    const maybeKill = () => {
      if (killed >= KILLS || receipts.length < ((killed + 1) * ballots) / (KILLS + 1)) return;
      killed += 1;
      const victim = live[0] as Running;
      victim.proxy.holdReplies(true);
      kills.push(
        (async () => {
          await expect
            .poll(() => countedUnanswered(victim.proxy), { timeout: 10_000, interval: 5 })
            .toBeGreaterThanOrEqual(3);
          live.splice(live.indexOf(victim), 1);
          victim.backend.server.child.kill("SIGKILL");
          expect(await victim.backend.server.stop()).toBe("signal SIGKILL");
          unanswered += countedUnanswered(victim.proxy);
          live.push(await start());
        })(),
      );
    };

    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let i = next++; i < plans.length; i = next++) {
          const plan = plans[i];
          if (!plan) break;
          // The phone's backend is the one the balancer gave it; after a failure it tries the next one alive.
          const result = await sendLikeAPhone(
            () => live.map((running) => running.api),
            round.id,
            plan.token,
            plan.choices,
            plan.key,
            {
              firstApi: i,
            },
          );
          if (result.receipt) receipts.push(result.receipt);
          else failures.push(`${plan.key}: ${result.attempts.join(" → ")}`);
          if (result.attempts.some((attempt) => attempt.startsWith("network"))) retriedAfterKill += 1;
          maybeKill();
        }
      }),
    );
    await Promise.all(kills);
    console.log(
      `[backend-kill] ${receipts.length} acknowledged; ${unanswered} ballots counted but never answered by a ` +
        `killed backend; ${retriedAfterKill} phones retried after a kill`,
    );

    expect(failures).toEqual([]);
    expect(killed).toBe(KILLS);
    // The kill struck with ballots in flight: some phones lost their connection and sent again.
    expect(retriedAfterKill).toBeGreaterThan(0);
    await expectCountedExactlyOnce((live[0] as Running).api, round.id, 1, receipts);
  });
});
