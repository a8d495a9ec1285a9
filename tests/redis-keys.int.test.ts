import {
  auditEntryRecord,
  PACKED_BALLOT_FIELD,
  packBallotEntry,
  type RedisClient,
  roundKeys,
  scanKeys,
} from "@lb/backend";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Backends, startBackends, testRedisClient } from "./support/backend.js";
import type { Api } from "./support/http.js";
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
  await redis?.quit();
  await backends?.close();
});

/** Every key matching, on every node of a cluster. */
async function scan(match: string): Promise<string[]> {
  return (await scanKeys(redis, match)).sort();
}

/** Everything a key holds, as text, whatever its type. */
async function dump(key: string): Promise<string> {
  const type = await redis.type(key);
  switch (type) {
    case "string":
      return (await redis.get(key)) ?? "";
    case "hash":
      return JSON.stringify(await redis.hgetall(key));
    case "set":
      return JSON.stringify(await redis.smembers(key));
    case "zset":
      return JSON.stringify(await redis.zrange(key, 0, -1, "WITHSCORES"));
    case "list":
      return JSON.stringify(await redis.lrange(key, 0, -1));
    case "stream":
      return JSON.stringify(await redis.xrange(key, "-", "+"));
    case "none":
      return "";
    default:
      return `<${type}>`;
  }
}

/** Untagged keys of the service: `lb:*` without a `{round:...}` hash tag. */
async function untaggedKeys(): Promise<string[]> {
  return (await scan("lb:*")).filter((key) => !key.includes("{round:"));
}

describe("Redis keys", () => {
  it("every key of a round shares the hash tag {round:<id>}; outside it only the global round index mentions it", async () => {
    // A first round makes sure the global index exists before we look.
    await api.createRound(smallRound(2));
    const round = await api.createRound(smallRound(4, { minChoices: 1, maxChoices: 2 }));
    const voters = await api.newVoters(6);
    const untaggedBefore = await untaggedKeys();

    await api.transition(round.id, "open");
    await api.vote(round.id, voters[0] as string, ["1", "2"], "key-0");
    await api.vote(round.id, voters[0] as string, ["1", "2"], "key-0");
    await Promise.all(voters.slice(1, 4).map((voter) => api.vote(round.id, voter, ["3"])));
    await api.patchRound(round.id, { title: "Patched" });
    await api.transition(round.id, "pause");
    await api.transition(round.id, "close");
    await api.reset(round.id);
    await api.transition(round.id, "open");
    await Promise.all(voters.slice(4).map((voter) => api.vote(round.id, voter, ["4"])));
    await api.leaderboard(round.id, 1);
    await api.audit(round.id, 1);
    await api.recount(round.id);

    const tag = `lb:{round:${round.id}}:`;
    const tagged = await scan(`lb:{round:${round.id}}:*`);
    expect(tagged.length).toBeGreaterThan(0);
    // Every key naming the round carries its tag.
    const naming = await scan(`*${round.id}*`);
    expect(naming.filter((key) => !key.startsWith(tag))).toEqual([]);
    expect(naming).toEqual(tagged);

    // No new untagged key appeared for this round's ballots, edits, reset.
    const untaggedAfter = await untaggedKeys();
    // (Per-client throttle counters are global by design, and other test files make them meanwhile.)
    const isThrottle = (key: string) => key.startsWith("lb:throttle:");
    expect(untaggedAfter.filter((key) => !untaggedBefore.includes(key) && !isThrottle(key))).toEqual([]);
    // Of the untagged keys, only one (the global round index) holds this round's id.
    const mentioning: string[] = [];
    for (const key of untaggedAfter) {
      if ((await dump(key)).includes(round.id)) mentioning.push(key);
    }
    expect(mentioning.length, `untagged keys mentioning the round: ${mentioning.join(", ")}`).toBe(1);

    // No raw voter token is stored anywhere in the round's keys (only hashes of voter ids).
    const contents = (await Promise.all(tagged.map(dump))).join("\n");
    expect(contents.length).toBeGreaterThan(0);
    for (const token of voters) {
      expect(contents.includes(token), "a raw voter token is stored in the round's keys").toBe(false);
      expect(tagged.some((key) => key.includes(token))).toBe(false);
    }
  });

  it("recount compares the audit log with the live tally: a tampered counter is reported, then matches again", async () => {
    const round = await api.createOpenRound(smallRound(3, { minChoices: 1, maxChoices: 2 }));
    const voters = await api.newVoters(3);
    await Promise.all(
      [["1", "2"], ["2"], ["2", "3"]].map((choices, index) => api.vote(round.id, voters[index] as string, choices)),
    );
    expect(await api.recount(round.id)).toMatchObject({ ballots: 3, liveBallots: 3, matches: true, differences: [] });

    // The live tally is the round's sorted set whose members are exactly the option ids.
    const tallies: string[] = [];
    for (const key of await scan(`lb:{round:${round.id}}:*`)) {
      if ((await redis.type(key)) !== "zset") continue;
      const members = (await redis.zrange(key, 0, -1)).sort();
      if (JSON.stringify(members) === JSON.stringify(["1", "2", "3"])) tallies.push(key);
    }
    expect(tallies).toHaveLength(1);
    const tallyKey = tallies[0] as string;
    await redis.zincrby(tallyKey, 5, "2");
    try {
      expect((await api.leaderboard(round.id)).entries[0]).toMatchObject({ optionId: "2", votes: 8 });
      expect(await api.recount(round.id)).toEqual({
        roundId: round.id,
        epoch: 1,
        ballots: 3,
        liveBallots: 3,
        excluded: 0,
        liveExcluded: 0,
        auditEntries: 3,
        auditLength: 3,
        matches: false,
        differences: [{ optionId: "2", live: 8, recounted: 3 }],
      });
    } finally {
      await redis.zincrby(tallyKey, -5, "2");
    }
    expect(await api.recount(round.id)).toMatchObject({ matches: true, differences: [] });
  });

  it("recount also checks the ballot counter, the excluded counter and the audit log: tampering with any is reported", async () => {
    const round = await api.createOpenRound(smallRound(3, { minChoices: 1, maxChoices: 2 }));
    const voters = await api.newVoters(3);
    await Promise.all(
      [["1", "2"], ["2"], ["3"]].map((choices, index) => api.vote(round.id, voters[index] as string, choices)),
    );
    const keys = roundKeys(round.id).epoch(1);
    const clean = { ballots: 3, liveBallots: 3, excluded: 0, liveExcluded: 0, auditEntries: 3, auditLength: 3 };
    expect(await api.recount(round.id)).toMatchObject({ ...clean, matches: true, differences: [] });

    // The ballots counter alone (the per-option tally is untouched): the board's total is wrong, recount says so.
    await redis.hincrby(keys.state, "ballots", 1);
    try {
      expect((await api.leaderboard(round.id)).totalBallots).toBe(4);
      expect(await api.recount(round.id)).toMatchObject({ ...clean, liveBallots: 4, matches: false, differences: [] });
    } finally {
      await redis.hincrby(keys.state, "ballots", -1);
    }
    expect(await api.recount(round.id)).toMatchObject({ ...clean, matches: true });

    // The excluded counter (it hides ballots from the total).
    await redis.hincrby(keys.state, "excluded", 1);
    try {
      expect((await api.leaderboard(round.id)).totalBallots).toBe(2);
      expect(await api.recount(round.id)).toMatchObject({ ...clean, liveExcluded: 1, matches: false });
    } finally {
      await redis.hincrby(keys.state, "excluded", -1);
    }
    expect(await api.recount(round.id)).toMatchObject({ ...clean, matches: true });

    // A forged ballot appended to the audit stream: the log no longer agrees with the live counters.
    const [[, fields]] = (await redis.xrange(keys.audit, "-", "+", "COUNT", 1)) as [[string, string[]]];
    const forged = await redis.xadd(
      keys.audit,
      "*",
      PACKED_BALLOT_FIELD,
      packBallotEntry({ ...auditEntryRecord(fields), ballot: "forged" }),
    );
    try {
      expect(await api.recount(round.id)).toMatchObject({ ballots: 4, liveBallots: 3, auditLength: 4, matches: false });
    } finally {
      await redis.xdel(keys.audit, forged as string);
    }
    expect(await api.recount(round.id)).toMatchObject({ ...clean, matches: true });
  });
});
