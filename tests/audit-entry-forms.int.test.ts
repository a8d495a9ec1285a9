import { auditEntryRecord, ballotHash, PACKED_BALLOT_FIELD, type RedisClient, roundKeys } from "@lb/backend";
import type { Leaderboard } from "@lb/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Backends, startBackends, testRedisClient } from "./support/backend.js";
import { type Api, expectStatus } from "./support/http.js";
import { exclude, expectRecountMatches, undoExclusion } from "./support/integrity.js";
import { smallRound } from "./support/rounds.js";

let backends: Backends;
let api: Api;
let redis: RedisClient;

beforeAll(async () => {
  backends = await startBackends(1);
  api = backends.api;
  redis = testRedisClient();
});

afterAll(async () => {
  redis?.disconnect();
  await backends?.close();
});

const votesOf = (board: Leaderboard) => Object.fromEntries(board.entries.map((entry) => [entry.optionId, entry.votes]));

/** The board by time travel (`?at=`), read from the log by the history index, a minute from now: the whole log. */
async function boardFromLog(roundId: string): Promise<Leaderboard> {
  const at = new Date(Date.now() + 60_000).toISOString();
  const res = await api.admin<Leaderboard>("GET", `/api/rounds/${roundId}/leaderboard?at=${encodeURIComponent(at)}`);
  expectStatus(res, 200);
  return res.body;
}

describe("audit entry forms", () => {
  it("reads a ballot entry written before the packed form (a field per value) beside packed ones, everywhere", async () => {
    const round = await api.createOpenRound(smallRound(3, { minChoices: 1, maxChoices: 2 }));
    const keys = roundKeys(round.id).epoch(1);
    const first = await api.vote(round.id, await api.newVoter(), ["1", "2"]);

    // A ballot as cast-ballot.lua wrote it before the packed form, with the live counters it moved.
    const old = {
      ballot: "old-ballot-1",
      voter: "ab".repeat(32),
      choices: "1,3",
      at: String(Date.now()),
      ip: "0123456789abcdef",
      net: "fedcba9876543210",
      cred: "ticket:Hall B_2.north",
      sinceLoad: "",
      hash: "cd".repeat(32),
    };
    await redis
      .multi()
      .xadd(keys.audit, "*", ...Object.entries(old).flat())
      .zincrby(keys.tally, 1, "1")
      .zincrby(keys.tally, 1, "3")
      .hincrby(keys.state, "ballots", 1)
      .hincrby(keys.state, "seq", 1)
      .exec();
    const last = await api.vote(round.id, await api.newVoter(), ["3"]);

    // What the ballot script writes now: one packed field, read back through the shared parser.
    const raw = (await redis.xrange(keys.audit, "-", "+")) as [string, string[]][];
    expect(raw.map(([, fields]) => fields[0])).toEqual([PACKED_BALLOT_FIELD, "ballot", PACKED_BALLOT_FIELD]);
    expect(raw[0]?.[1]).toHaveLength(2);
    expect(auditEntryRecord(raw[2]?.[1] ?? [])).toMatchObject({ ballot: last.ballotId, choices: "3", cred: "token" });
    expect(ballotHash(auditEntryRecord(raw[2]?.[1] ?? []).link ?? "", last.ballotId)).toBe(last.hash);

    // The recount, the export and time travel count both forms.
    await expectRecountMatches(api, round.id, 0);
    const { lines } = await api.audit(round.id);
    expect(lines.map((line) => (line.kind === "ballot" ? line.ballotId : line.kind))).toEqual([
      first.ballotId,
      old.ballot,
      last.ballotId,
    ]);
    expect(lines[1]).toEqual({
      kind: "ballot",
      ballotId: old.ballot,
      voter: old.voter,
      choices: ["1", "3"],
      receivedAt: new Date(Number(old.at)).toISOString(),
      ip: old.ip,
      network: old.net,
      cred: old.cred,
      hash: old.hash,
    });
    expect(lines[0]).toMatchObject({ kind: "ballot", choices: ["1", "2"], cred: "token", hash: first.hash });
    expect(votesOf(await boardFromLog(round.id))).toEqual({ "1": 2, "2": 1, "3": 2 });

    // The exclusion and undo scripts read the picks of both forms from the log.
    const out = await exclude(api, round.id, { reason: "test", ballotIds: [old.ballot, first.ballotId] });
    expect(out.ballots).toBe(2);
    expect(votesOf(await api.leaderboard(round.id))).toEqual({ "1": 0, "2": 0, "3": 1 });
    expect(votesOf(await boardFromLog(round.id))).toEqual({ "1": 0, "2": 0, "3": 1 });
    await expectRecountMatches(api, round.id, 2);
    await undoExclusion(api, round.id, out.id);
    expect(votesOf(await api.leaderboard(round.id))).toEqual({ "1": 2, "2": 1, "3": 2 });
    expect(votesOf(await boardFromLog(round.id))).toEqual({ "1": 2, "2": 1, "3": 2 });
    await expectRecountMatches(api, round.id, 0);
  });
});
