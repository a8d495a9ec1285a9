import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { castBallotKeys, packBallot, roundKeys, scripts, startRedisServer, stepDigest, voterHash } from "@lb/backend";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBackends, testRedisClient } from "./support/backend.js";
import { expectError, expectStatus } from "./support/http.js";
import { smallRound, uniqueRoundId } from "./support/rounds.js";

/** These tests start and kill their own redis-server, so they need one on PATH (.ci/run installs it). */
const hasRedisServer = (() => {
  try {
    execFileSync("redis-server", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

function waitForExit(pid: number): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      try {
        process.kill(pid, 0);
        setImmediate(check);
      } catch {
        resolve();
      }
    };
    check();
  });
}

describe("a ballot script delivered twice", () => {
  const redis = testRedisClient();
  afterAll(() => redis.quit());

  it("counts once: ioredis may resend a script after a reconnect, and the script knows its own ballot id", async () => {
    const { api, close } = await startBackends(1);
    try {
      const round = await api.createOpenRound(smallRound(3));
      const keys = roundKeys(round.id);
      const epochKeys = keys.epoch(1);
      const scriptKeys = castBallotKeys(round.id, 1);
      // An open round counted once per epoch; the day figures are unused (Asia/Shanghai, today). One ballot in
      // the batch: no ticket, no audit extras.
      const args = [
        "1",
        "Asia/Shanghai",
        0,
        0,
        "",
        "",
        "",
        0,
        stepDigest([{ ballotId: "ballot-resent", choices: "1,2" }]),
      ];
      const ballot = [packBallot([voterHash("resent-voter"), "ballot-resent", "", "1,2", "", "", "", ""])];
      type Reply = string[][];
      const [first] = await scripts.castBallot.run<Reply>(redis, scriptKeys, [...args, ...ballot]);
      const [second] = await scripts.castBallot.run<Reply>(redis, scriptKeys, [...args, ...ballot]);
      expect(first?.[0]).toBe("OK");
      expect(second?.[0]).toBe("PRIOR");
      // The record ends with the link of the chain's step that counted it (verifiable receipts).
      expect(second?.[1]).toMatch(/^ballot-resent\|\|1,2\|\d+\|\|\|[0-9a-f]{64}$/);
      const board = await api.leaderboard(round.id);
      expect(board.totalBallots).toBe(1);
      expect(board.entries.filter((entry) => entry.votes > 0).map((entry) => entry.optionId)).toEqual(["1", "2"]);
      expect(await redis.xlen(epochKeys.audit)).toBe(1);
    } finally {
      await close();
    }
  });
});

describe.skipIf(!hasRedisServer)("durability against a real redis-server", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "lb-durability-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("acknowledged ballots survive a crash of redis-server (append-only file)", async () => {
    const first = await startRedisServer({ dir, appendOnly: true });
    const roundId = uniqueRoundId("crash");
    const before = await startBackends(1, {}, { redisUrl: first.url });
    let acknowledged = 0;
    try {
      await before.api.createOpenRound({ ...smallRound(4), id: roundId });
      const voters = await before.api.newVoters(40);
      const answers = await Promise.all(
        voters.map((token, i) => before.api.castBallot(roundId, token, [String((i % 4) + 1)])),
      );
      acknowledged = answers.filter((answer) => answer.status === 201).length;
      expect(acknowledged).toBe(40);
      // No clean shutdown: the process dies at once, as on a crash or an OOM kill.
      process.kill(first.pid, "SIGKILL");
      await waitForExit(first.pid);
    } finally {
      await before.close();
    }

    const second = await startRedisServer({ dir, appendOnly: true });
    const after = await startBackends(1, {}, { redisUrl: second.url });
    try {
      const board = await after.api.leaderboard(roundId);
      expect(board.totalBallots).toBe(acknowledged);
      expect(board.entries.map((entry) => entry.votes)).toEqual([10, 10, 10, 10]);
      expect((await after.api.recount(roundId)).matches).toBe(true);
    } finally {
      await after.close();
      await second.stop();
    }
  });

  it("rides out a dropped connection and answers 503 while Redis is away", async () => {
    const redisServer = await startRedisServer({ dir: join(dir, "outage"), appendOnly: false });
    const backends = await startBackends(1, {}, { redisUrl: redisServer.url });
    const { api } = backends;
    try {
      const round = await api.createOpenRound(smallRound(2));
      const [first, second, third] = await api.newVoters(3);
      if (!first || !second || !third) throw new Error("voters");

      // Redis drops every client connection: ioredis reconnects and the next ballot is counted.
      const admin = new Redis(redisServer.url);
      await admin.client("KILL", "TYPE", "normal", "SKIPME", "yes");
      await admin.quit();
      expectStatus(await api.castBallot(round.id, first, ["1"]), 201);

      // Redis is gone: a ballot fails fast with a known code and nothing half-written; readiness says so.
      await redisServer.stop();
      expectError(await api.castBallot(round.id, second, ["2"], "k-outage"), "UNAVAILABLE");
      expectError(await api.get("/readyz"), "UNAVAILABLE");
      expectStatus(await api.get("/healthz"), 200);
    } finally {
      await backends.close();
    }
  });
});
