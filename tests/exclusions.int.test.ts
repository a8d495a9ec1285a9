import type { BallotReceipt, Exclusion, Leaderboard, LeaderboardUpdate } from "@lb/common";
import { applyLeaderboardUpdate, LIMITS } from "@lb/common";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Backends, startBackends } from "./support/backend.js";
import { type Api, expectError, expectStatus } from "./support/http.js";
import {
  exclude,
  expectRecountMatches,
  mintFrom,
  postExclusion,
  undoExclusion,
  voteFrom,
} from "./support/integrity.js";
import { smallRound } from "./support/rounds.js";
import { type BoardSocket, connectBoard, record } from "./support/wait.js";

let backends: Backends;
let api: Api;
const sockets: BoardSocket[] = [];

beforeAll(async () => {
  // TRUST_PROXY: X-Forwarded-For is the client address the audit log hashes.
  backends = await startBackends(2, { trustProxy: true });
  api = backends.api;
});

afterEach(() => {
  for (const socket of sockets.splice(0)) socket.disconnect();
});

afterAll(async () => {
  await backends?.close();
});

const votesOf = (board: Leaderboard) => Object.fromEntries(board.entries.map((entry) => [entry.optionId, entry.votes]));

/** A round with a stuffer network (10.9.9.0/24: 8 ballots for "1") and people on two others. */
async function stuffedRound() {
  const round = await api.createOpenRound(smallRound(4, { minChoices: 1, maxChoices: 2 }));
  const stuffed: BallotReceipt[] = [];
  for (let i = 0; i < 8; i++) stuffed.push(await voteFrom(api, round.id, `10.9.9.${i + 1}`, ["1"]));
  const people = [
    await voteFrom(api, round.id, "192.168.1.10", ["2", "3"]),
    await voteFrom(api, round.id, "192.168.1.11", ["2"]),
    await voteFrom(api, round.id, "172.16.5.1", ["3", "4"]),
    await voteFrom(api, round.id, "172.16.5.2", ["2", "3"]),
  ];
  const { entries } = await api.audit(round.id);
  const networkOf = (ballotId: string) => entries.find((entry) => entry.ballotId === ballotId)?.network ?? "";
  return { round, stuffed, people, stufferNetwork: networkOf(stuffed[0]?.ballotId ?? ""), networkOf };
}

describe("exclusions", () => {
  it("exclude by ballot ids, by network and by pick-set, then undo: the tally and recount agree after each step", async () => {
    const { round, stuffed, people, stufferNetwork, networkOf } = await stuffedRound();
    expect(stufferNetwork).toMatch(/^[0-9a-f]{16}$/);
    // Every stuffer ballot carries the same network hash, the people's another; no raw address anywhere.
    expect(new Set(stuffed.map((ballot) => networkOf(ballot.ballotId)))).toEqual(new Set([stufferNetwork]));
    expect(networkOf(people[0]?.ballotId ?? "")).not.toBe(stufferNetwork);
    expect((await api.audit(round.id)).text).not.toMatch(/10\.9\.9|192\.168|172\.16/);
    expect(votesOf(await api.leaderboard(round.id))).toEqual({ "1": 8, "2": 3, "3": 3, "4": 1 });
    await expectRecountMatches(api, round.id, 0);

    // 1. Two named ballots.
    const byIds = await exclude(api, round.id, {
      reason: "same person twice",
      ballotIds: [people[1]?.ballotId ?? "", people[3]?.ballotId ?? ""],
    });
    expect(byIds).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{16}$/),
      reason: "same person twice",
      selector: { ballotIds: [people[1]?.ballotId, people[3]?.ballotId] },
      ballots: 2,
      createdAt: expect.any(String),
    });
    expect(votesOf(await api.leaderboard(round.id))).toEqual({ "1": 8, "2": 1, "3": 2, "4": 1 });
    await expectRecountMatches(api, round.id, 2);
    // A ballot already out is not taken out twice: the same ids again match nothing.
    expectError(await postExclusion(api, round.id, { reason: "again", ballotIds: [people[1]?.ballotId] }), "NOT_FOUND");

    // 2. The stuffer's network.
    const byNetwork = await exclude(api, round.id, { reason: "one laptop", network: stufferNetwork });
    expect(byNetwork).toMatchObject({ reason: "one laptop", selector: { network: stufferNetwork }, ballots: 8 });
    expect(votesOf(await api.leaderboard(round.id))).toEqual({ "1": 0, "2": 1, "3": 2, "4": 1 });
    await expectRecountMatches(api, round.id, 10);

    // 3. A pick-set (given in any order): only the ballot for exactly {3, 4}; {2, 3} of people[3] is out already.
    const byPicks = await exclude(api, round.id, { reason: "copy-paste", pickSet: ["4", "3"] });
    expect(byPicks).toMatchObject({ selector: { pickSet: ["3", "4"] }, ballots: 1 });
    expect(votesOf(await api.leaderboard(round.id))).toEqual({ "1": 0, "2": 1, "3": 1, "4": 0 });
    await expectRecountMatches(api, round.id, 11);

    // The board and the CSV say how many were excluded and why.
    const board = await api.leaderboard(round.id);
    expect(board.totalBallots).toBe(1);
    expect(board.excluded).toEqual({
      ballots: 11,
      reasons: [
        { reason: "one laptop", ballots: 8 },
        { reason: "same person twice", ballots: 2 },
        { reason: "copy-paste", ballots: 1 },
      ],
    });
    const csv = await api.admin("GET", `/api/rounds/${round.id}/results.csv`);
    expectStatus(csv, 200);
    expect(csv.text.split("\r\n").slice(-7)).toEqual([
      "",
      "excluded ballots,11",
      "excluded for,ballots",
      "one laptop,8",
      "same person twice,2",
      "copy-paste,1",
      "",
    ]);

    // 4. Undo the network exclusion: its ballots come back; undoing again changes nothing.
    const undone = await undoExclusion(api, round.id, byNetwork.id);
    expect(undone).toMatchObject({ id: byNetwork.id, ballots: 8, undoneAt: expect.any(String) });
    expect(votesOf(await api.leaderboard(round.id))).toEqual({ "1": 8, "2": 1, "3": 1, "4": 0 });
    await expectRecountMatches(api, round.id, 3);
    expect(await undoExclusion(api, round.id, byNetwork.id)).toEqual(undone);
    await expectRecountMatches(api, round.id, 3);
    expectError(await api.admin("DELETE", `/api/rounds/${round.id}/exclusions/0123456789abcdef`), "NOT_FOUND");

    // The audit log holds every step, in order; the list holds every exclusion, the undone one marked.
    const { lines, entries } = await api.audit(round.id);
    expect(entries).toHaveLength(12);
    expect(lines.filter((line) => line.kind !== "ballot")).toEqual([
      expect.objectContaining({ kind: "exclude", exclusionId: byIds.id, reason: "same person twice" }),
      expect.objectContaining({
        kind: "exclude",
        exclusionId: byNetwork.id,
        ballotIds: stuffed.map((b) => b.ballotId),
      }),
      expect.objectContaining({ kind: "exclude", exclusionId: byPicks.id, ballotIds: [people[2]?.ballotId] }),
      expect.objectContaining({
        kind: "restore",
        exclusionId: byNetwork.id,
        ballotIds: stuffed.map((b) => b.ballotId),
      }),
    ]);
    const list = await api.admin<{ exclusions: Exclusion[] }>("GET", `/api/rounds/${round.id}/exclusions`);
    expectStatus(list, 200);
    expect(list.body.exclusions.map((exclusion) => [exclusion.id, exclusion.undoneAt !== undefined])).toEqual([
      [byIds.id, false],
      [byNetwork.id, true],
      [byPicks.id, false],
    ]);

    // Undo everything: the board says nothing about exclusions any more, and the CSV has no footer.
    await undoExclusion(api, round.id, byIds.id);
    await undoExclusion(api, round.id, byPicks.id);
    const restored = await api.leaderboard(round.id);
    expect(votesOf(restored)).toEqual({ "1": 8, "2": 3, "3": 3, "4": 1 });
    expect(restored.excluded).toBeUndefined();
    await expectRecountMatches(api, round.id, 0);
    const plainCsv = await api.admin("GET", `/api/rounds/${round.id}/results.csv`);
    expect(plainCsv.text).not.toContain("excluded");
  });

  it("ballots counted during a network exclusion are never lost or taken out twice; later ballots from it count", async () => {
    const round = await api.createOpenRound(smallRound(3, { minChoices: 1, maxChoices: 1 }));
    const first = await Promise.all(
      Array.from({ length: 20 }, (_, i) => voteFrom(api, round.id, `10.7.7.${i}`, ["1"])),
    );
    const { entries } = await api.audit(round.id);
    const network = entries[0]?.network ?? "";

    // 30 more from the same network race the exclusion, through the other backend.
    const other = backends.backends[1]?.api as Api;
    const [exclusion, racing] = await Promise.all([
      exclude(api, round.id, { reason: "stuffing", network }),
      Promise.all(Array.from({ length: 30 }, (_, i) => voteFrom(other, round.id, `10.7.7.${100 + i}`, ["1"]))),
    ]);
    // The exclusion took out the 20 first and whichever racers it had seen in the log; the rest count.
    expect(exclusion.ballots).toBeGreaterThanOrEqual(first.length);
    expect(exclusion.ballots).toBeLessThanOrEqual(first.length + racing.length);
    const recount = await expectRecountMatches(api, round.id, exclusion.ballots);
    expect(recount.ballots).toBe(50);
    expect((await api.leaderboard(round.id)).totalBallots).toBe(50 - exclusion.ballots);

    // A ballot from that network after the exclusion counts; the organiser excludes again to take it out.
    await voteFrom(api, round.id, "10.7.7.250", ["1"]);
    expect((await api.leaderboard(round.id)).totalBallots).toBe(51 - exclusion.ballots);
    const again = await exclude(api, round.id, { reason: "stuffing", network });
    expect(again.ballots).toBe(51 - exclusion.ballots);
    expect((await api.leaderboard(round.id)).totalBallots).toBe(0);
    expect((await api.leaderboard(round.id)).excluded).toEqual({
      ballots: 51,
      reasons: [{ reason: "stuffing", ballots: 51 }],
    });
    await expectRecountMatches(api, round.id, 51);

    // Two exclusions of the same ballots at once: each ballot is out once, under one of them.
    await undoExclusion(api, round.id, exclusion.id);
    await undoExclusion(api, round.id, again.id);
    const ids = (await api.audit(round.id)).entries.map((entry) => entry.ballotId);
    const results = await Promise.all([
      postExclusion(api, round.id, { reason: "a", ballotIds: ids }),
      postExclusion(other, round.id, { reason: "b", ballotIds: ids }),
    ]);
    const taken = results.filter((res) => res.status === 201).reduce((sum, res) => sum + res.body.ballots, 0);
    expect(taken).toBe(51);
    await expectRecountMatches(api, round.id, 51);
  });

  it("live boards get the exclusion through the normal update chain, with the excluded note", async () => {
    const round = await api.createOpenRound(smallRound(3, { minChoices: 1, maxChoices: 1 }));
    const ballots = await Promise.all(
      ["1", "1", "2"].map((choice, i) => voteFrom(api, round.id, `10.5.5.${i}`, [choice])),
    );
    const { socket, snapshot } = await connectBoard(backends.urls[1] as string, round.id);
    sockets.push(socket);
    const updates = record(socket, "leaderboard:updated");
    const exclusion = await exclude(api, round.id, { reason: "test ballots", ballotIds: [ballots[0]?.ballotId ?? ""] });
    const update: LeaderboardUpdate = await updates.waitFor((u) => u.excluded !== undefined);
    expect(update).toMatchObject({
      totalBallots: 2,
      excluded: { ballots: 1, reasons: [{ reason: "test ballots", ballots: 1 }] },
    });
    const applied = applyLeaderboardUpdate(snapshot, update);
    expect(applied?.excluded).toEqual({ ballots: 1, reasons: [{ reason: "test ballots", ballots: 1 }] });
    expect(applied && votesOf(applied)).toEqual({ "1": 1, "2": 1, "3": 0 });

    await undoExclusion(api, round.id, exclusion.id);
    const back = await updates.waitFor((u) => u.excluded?.ballots === 0);
    expect(back.totalBallots).toBe(3);
    const reapplied = applied && applyLeaderboardUpdate(applied, back);
    expect(reapplied?.excluded).toBeUndefined();
    expect(reapplied && votesOf(reapplied)).toEqual({ "1": 2, "2": 1, "3": 0 });
  });

  it("a reset starts the next epoch with nothing excluded; the excluded epoch keeps its exclusions", async () => {
    const round = await api.createOpenRound(smallRound(2, { minChoices: 1, maxChoices: 1 }));
    const ballots = await Promise.all(
      ["1", "2", "2"].map((choice, i) => voteFrom(api, round.id, `10.4.4.${i}`, [choice])),
    );
    await exclude(api, round.id, { reason: "test", ballotIds: [ballots[1]?.ballotId ?? ""] });
    await api.transition(round.id, "close");
    await api.reset(round.id);
    const fresh = await api.leaderboard(round.id);
    expect(fresh).toMatchObject({ epoch: 2, totalBallots: 0 });
    expect(fresh.excluded).toBeUndefined();
    expect((await api.round(round.id)).totalBallots).toBe(0);
    expect(await api.recount(round.id)).toMatchObject({ matches: true, excluded: 0, liveExcluded: 0 });
    const old = await api.leaderboard(round.id, 1);
    expect(old).toMatchObject({ totalBallots: 2, excluded: { ballots: 1 } });
    expect(await api.recount(round.id, 1)).toMatchObject({ matches: true, excluded: 1, liveExcluded: 1 });
  });

  it("refuses bad requests and callers without the organiser's token", async () => {
    const round = await api.createOpenRound(smallRound(2));
    const receipt = await voteFrom(api, round.id, "10.1.1.1", ["1"]);
    const id = receipt.ballotId;
    const bad: unknown[] = [
      { reason: "no selector" },
      { reason: "two selectors", ballotIds: [id], network: "0123456789abcdef" },
      { reason: "", ballotIds: [id] },
      { reason: "x".repeat(LIMITS.exclusionReasonMaxLength + 1), ballotIds: [id] },
      { reason: "too many", ballotIds: Array.from({ length: LIMITS.exclusionMaxBallots + 1 }, (_, i) => `b${i}`) },
      { reason: "bad network", network: "10.1.1.0/24" },
      { reason: "empty picks", pickSet: [] },
      { reason: "extra", ballotIds: [id], note: 1 },
    ];
    for (const body of bad) expectError(await postExclusion(api, round.id, body), "INVALID_BODY");
    expectError(await postExclusion(api, round.id, { reason: "unknown", ballotIds: ["not-a-ballot"] }), "NOT_FOUND");
    expectError(await postExclusion(api, round.id, { reason: "nobody", network: "0123456789abcdef" }), "NOT_FOUND");
    const anonymous = {
      headers: { "content-type": "application/json" },
      raw: JSON.stringify({ reason: "x", ballotIds: [id] }),
    };
    expectError(await api.request("POST", `/api/rounds/${round.id}/exclusions`, anonymous), "UNAUTHORIZED");
    expectError(await api.request("GET", `/api/rounds/${round.id}/exclusions`), "UNAUTHORIZED");
    expectError(await api.request("GET", `/api/rounds/${round.id}/integrity`), "UNAUTHORIZED");
    expectError(await api.request("DELETE", `/api/rounds/${round.id}/exclusions/0123456789abcdef`), "UNAUTHORIZED");
    // The time since page load a ballot reports is bounded.
    const token = await mintFrom(api, "10.1.1.2");
    for (const sinceLoadMs of [-1, 1.5, LIMITS.sinceLoadMaxMs + 1]) {
      const res = await api.request("POST", `/api/rounds/${round.id}/ballots`, {
        json: { choices: ["2"], sinceLoadMs },
        headers: { "x-voter-token": token },
      });
      expectError(res, "INVALID_BODY");
    }
    // Nothing was written by any of these.
    await expectRecountMatches(api, round.id, 0);
    expect((await api.leaderboard(round.id)).totalBallots).toBe(1);
  });
});
