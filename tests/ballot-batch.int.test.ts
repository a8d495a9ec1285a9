import { createHash } from "node:crypto";
import { castBallotKeys, packBallot, roundKeys, scripts, voterHash } from "@lb/backend";
import {
  type BallotReceipt,
  CHAIN_GENESIS,
  checkPublishedLog,
  linkInput,
  type PublishedLogLine,
  stepLine,
} from "@lb/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectCountedExactlyOnce } from "./faults/ballot-ledger.js";
import { type Backends, startBackends, testRedisClient } from "./support/backend.js";
import { expectError, expectStatus } from "./support/http.js";
import { randomChoices, seededRandom, smallRound } from "./support/rounds.js";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * Ballots of one round that arrive in the same event-loop turn go to Redis in one run of cast-ballot.lua
 * (README, "Ballot ingest"). Each keeps its own answer; the batch shares only the summed writes.
 */
describe("ballots counted in batches", () => {
  let backends: Backends;
  const redis = testRedisClient();
  beforeAll(async () => {
    backends = await startBackends(1);
  });
  afterAll(async () => {
    await backends?.close();
    await redis.quit();
  });

  it("one script run: each ballot of a mixed batch gets its own answer, the tallies and the chain are exact", async () => {
    const { api } = backends;
    const round = await api.createOpenRound(smallRound(4, { minChoices: 1, maxChoices: 2 }));
    const keys = roundKeys(round.id);
    const epochKeys = keys.epoch(1);
    const scriptKeys = castBallotKeys(round.id, 1);
    // Epoch 1 of an open round, counted once per epoch: the day figures are unused. Then the step digest Node
    // sends for when every ballot counts: here some do not, so the script must take the digest of those that do.
    const shared = ["1", "Asia/Shanghai", 0, 0, "", "", "", 0, "f".repeat(64)];
    // One ARGV field per ballot (spread below, like the script's arguments).
    const ballot = (voter: string, ballotId: string, key: string, choices: string) => [
      packBallot([voter === "" ? "" : voterHash(voter), ballotId, key, choices, "", "ip-hash", "net-hash", ""]),
    ];
    const seqBefore = Number(await redis.hget(epochKeys.state, "seq"));
    const replies = await scripts.castBallot.run<string[][]>(redis, scriptKeys, [
      ...shared,
      ...ballot("a", "b-a", "k-a", "1,2"), // 0 counted
      ...ballot("a", "b-a2", "k-a2", "3"), // 1 same voter, other key: refused
      ...ballot("b", "b-b", "k-b", "1"), // 2 counted
      ...ballot("b", "b-b2", "k-b", "1"), // 3 same key again: the receipt of 2
      ...ballot("c", "b-c1", "k-c1", "9"), // 4 unknown option
      ...ballot("c", "b-c2", "k-c2", "1,2,3"), // 5 too many
      ...ballot("c", "b-c3", "k-c3", ""), // 6 too few
      ...ballot("", "b-n", "k-n", "1"), // 7 no credential
      ...ballot("c", "b-c4", "k-c4", "2,3"), // 8 counted: c's refusals left nothing behind
      ...ballot("a", "b-a", "k-a", "1,2"), // 9 the same call again (ioredis resend): the receipt of 0
    ]);
    expect(replies).toHaveLength(10);
    const [a, a2, b, b2, c1, c2, c3, none, c4, again] = replies as string[][];
    expect(a?.[0]).toBe("OK");
    expect(a2).toEqual(["ERR", "ALREADY_VOTED"]);
    expect(b?.[0]).toBe("OK");
    expect(b2?.[0]).toBe("PRIOR");
    expect(b2?.[1]).toBe(`b-b|k-b|1|${b?.[1]}|||${b?.[2]}`);
    expect(c1).toEqual(["ERR", "UNKNOWN_OPTION", "9"]);
    expect(c2).toEqual(["ERR", "TOO_MANY_CHOICES", "2"]);
    expect(c3).toEqual(["ERR", "TOO_FEW_CHOICES", "1"]);
    expect(none).toEqual(["ERR", "INVALID_VOTER_TOKEN"]);
    expect(c4?.[0]).toBe("OK");
    expect(again).toEqual(["PRIOR", `b-a|k-a|1,2|${a?.[1]}|||${a?.[2]}`]);

    // The batch's counted ballots are one step of the chain: one link over the digest of their lines, in order
    // (the refused ones left out); the head is that link.
    const at = Number(a?.[1]);
    const digest = sha256(stepLine("b-a", "1,2") + stepLine("b-b", "1") + stepLine("b-c4", "2,3"));
    const link = sha256(linkInput(CHAIN_GENESIS, at, digest));
    expect([a?.[2], b?.[2], c4?.[2]]).toEqual([link, link, link]);
    expect(await redis.hget(epochKeys.state, "chainHead")).toBe(link);

    // Tallies summed over the counted ballots; counters bumped once per batch; one audit entry per ballot.
    const board = await api.leaderboard(round.id);
    expect(board.totalBallots).toBe(3);
    expect(Object.fromEntries(board.entries.map((entry) => [entry.optionId, entry.votes]))).toEqual({
      "1": 2,
      "2": 2,
      "3": 1,
      "4": 0,
    });
    expect(Number(await redis.hget(epochKeys.state, "seq"))).toBe(seqBefore + 1);
    const audit = await api.audit(round.id);
    expect(audit.entries.map((entry) => entry.ballotId)).toEqual(["b-a", "b-b", "b-c4"]);
    expect(Object.values(await redis.hgetall(epochKeys.minutes)).map(Number)).toEqual([3]);
    expect(await api.recount(round.id)).toMatchObject({ matches: true, ballots: 3 });

    // A batch in which nothing counts writes nothing, not even the change counter.
    const refused = await scripts.castBallot.run<string[][]>(redis, scriptKeys, [
      ...shared,
      ...ballot("a", "b-a3", "k-a3", "4"),
      ...ballot("d", "b-d", "k-d", "5"),
    ]);
    expect(refused).toEqual([
      ["ERR", "ALREADY_VOTED"],
      ["ERR", "UNKNOWN_OPTION", "5"],
    ]);
    expect(Number(await redis.hget(epochKeys.state, "seq"))).toBe(seqBefore + 1);
    expect(await redis.xlen(epochKeys.audit)).toBe(3);
  });

  it("a ballot field the script cannot read is refused alone; the batch's other ballots count", async () => {
    const round = await backends.api.createOpenRound(smallRound(3));
    const shared = ["1", "Asia/Shanghai", 0, 0, "", "", "", 0, ""];
    const good = packBallot([voterHash("good"), "b-good", "k-good", "1", "", "", "", ""]);
    const replies = await scripts.castBallot.run<string[][]>(redis, castBallotKeys(round.id, 1), [
      ...shared,
      `${voterHash("short")}|b-short|k-short|1`, // four parts of eight
      good,
    ]);
    expect(replies[0]).toEqual(["ERR", "INVALID_BODY", "malformed ballot field"]);
    expect(replies[1]?.[0]).toBe("OK");
    expect((await backends.api.leaderboard(round.id)).totalBallots).toBe(1);
  });

  it("through HTTP, ballots sent together each get their own answer", async () => {
    const { api } = backends;
    const round = await api.createOpenRound(smallRound(4, { minChoices: 1, maxChoices: 2 }));
    const [a, b, c, d, e] = await api.newVoters(5);
    if (!a || !b || !c || !d || !e) throw new Error("voters");
    const [valid, again, twiceOne, twiceOther, unknown, tooMany, noToken] = await Promise.all([
      api.castBallot(round.id, a, ["1", "2"], "key-a"),
      api.castBallot(round.id, a, ["1", "2"], "key-a"),
      api.castBallot(round.id, b, ["1"], "key-b1"),
      api.castBallot(round.id, b, ["2"], "key-b2"),
      api.castBallot(round.id, c, ["9"], "key-c"),
      api.castBallot(round.id, d, ["1", "2", "3"], "key-d"),
      api.castBallot(round.id, undefined, ["1"], "key-n"),
    ]);
    // The same key twice: one ballot, both answered with its receipt.
    expectStatus(valid, 201);
    expectStatus(again, 201);
    expect(again.body.ballotId).toBe(valid.body.ballotId);
    // One voter, two keys: exactly one counts.
    const statuses = [twiceOne, twiceOther].map((res) => res.status).sort();
    expect(statuses).toEqual([201, 409]);
    expectError(twiceOne.status === 409 ? twiceOne : twiceOther, "ALREADY_VOTED");
    expectError(unknown, "UNKNOWN_OPTION");
    expectError(tooMany, "TOO_MANY_CHOICES");
    expectError(noToken, "INVALID_VOTER_TOKEN");
    // e votes after the others: the round still counts.
    const last = await api.vote(round.id, e, ["4"]);
    const counted = [valid, twiceOne.status === 201 ? twiceOne : twiceOther].map((res) => res.body as BallotReceipt);
    await expectCountedExactlyOnce(api, round.id, 1, [...counted, last]);
  });

  it("many ballots from many connections: tally = 201s = recount, in fewer script runs than ballots", {
    timeout: 60_000,
  }, async () => {
    const { api } = backends;
    const round = await api.createOpenRound(smallRound(8, { minChoices: 1, maxChoices: 4 }));
    const optionIds = round.options.map((option) => option.id);
    const voters = await api.newVoters(600);
    const random = seededRandom(8);
    const state = roundKeys(round.id).epoch(1).state;
    const seqBefore = Number(await redis.hget(state, "seq"));
    // All at once over the agent's 64 connections: the backend reads many bodies per turn of its event loop.
    const answers = await Promise.all(
      voters.map((token, i) => api.castBallot(round.id, token, randomChoices(random, optionIds, 1, 4), `many-${i}`)),
    );
    expect(answers.filter((res) => res.status !== 201).map((res) => res.text)).toEqual([]);
    await expectCountedExactlyOnce(
      api,
      round.id,
      1,
      answers.map((res) => res.body as BallotReceipt),
    );
    // The change counter moves once per script run that counted something.
    const runs = Number(await redis.hget(state, "seq")) - seqBefore;
    console.log(`[ballot-batch] 600 ballots in ${runs} script runs`);
    expect(runs).toBeGreaterThan(0);
    expect(runs).toBeLessThan(600);

    // The chain over steps of many ballots (Node's digest, the usual case): the published log checks out and
    // every receipt's hash is in it.
    await api.transition(round.id, "close");
    expectStatus(await api.admin("POST", `/api/rounds/${round.id}/publish`), 200);
    const log = await api.get(`/api/rounds/${round.id}/published-log`);
    expectStatus(log, 200);
    const lines = log.text
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as PublishedLogLine);
    const links = new Set(lines.map((line) => (line.kind === "ballot" ? line.link : undefined)).filter(Boolean));
    expect(links.size).toBe(runs);
    const sha = async (text: string) => sha256(text);
    expect(await checkPublishedLog(lines, sha)).toMatchObject({ ok: true, problems: [], ballots: 600 });
    for (const res of answers.slice(0, 20)) {
      expect(await checkPublishedLog(lines, sha, (res.body as BallotReceipt).hash)).toMatchObject({ found: true });
    }
  });
});
