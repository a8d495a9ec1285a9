import type { Leaderboard, RoundStats, ScreenKeyResponse } from "@lb/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Backends, startBackends } from "./support/backend.js";
import { type Api, expectError, expectStatus, type HttpResponse } from "./support/http.js";
import { smallRound } from "./support/rounds.js";
import { connectSocket, joinBoard, joinBoardAck, record, waitFor } from "./support/wait.js";

let backends: Backends;
let api: Api;

beforeAll(async () => {
  backends = await startBackends(1);
  api = backends.api;
});
afterAll(() => backends.close());

const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();

async function screenKey(roundId: string, rotate = false): Promise<string> {
  const res = await api.admin<ScreenKeyResponse>(rotate ? "POST" : "GET", `/api/rounds/${roundId}/screen-key`);
  expectStatus(res, 200);
  return res.body.screenKey;
}

/** GET leaderboard as a given caller. */
async function boardAs(roundId: string, as: { voter?: string; screenKey?: string; admin?: boolean } = {}) {
  const headers: Record<string, string> = {};
  if (as.voter) headers["x-voter-token"] = as.voter;
  if (as.screenKey) headers["x-screen-key"] = as.screenKey;
  if (as.admin) headers.authorization = `Bearer ${api.adminToken}`;
  return api.get<Leaderboard>(`/api/rounds/${roundId}/leaderboard`, headers);
}

function expectHidden(res: HttpResponse<Leaderboard>, totalBallots: number) {
  expectStatus(res, 200);
  expect(res.body.resultsHidden).toBe(true);
  expect(res.body.entries).toEqual([]);
  expect(res.body.totalBallots).toBe(totalBallots);
}

function expectShown(res: HttpResponse<Leaderboard>, votesOfFirst: number) {
  expectStatus(res, 200);
  expect(res.body.resultsHidden).toBe(false);
  expect(res.body.entries[0]?.votes).toBe(votesOfFirst);
}

describe("voting window", () => {
  it("refuses ballots before opensAt and after closesAt with 409 ROUND_NOT_OPEN, and says so in the view", async () => {
    const round = await api.createOpenRound({
      ...smallRound(2),
      rules: { minChoices: 1, maxChoices: 1, opensAt: inMs(3_600_000), closesAt: inMs(7_200_000) },
    });
    expect(round.votingOpen).toBe(false);
    expect(round.votingEnded).toBe(false);
    const [early, inTime, late] = await api.newVoters(3);
    if (!early || !inTime || !late) throw new Error("voters");
    expectError(await api.castBallot(round.id, early, ["1"]), "ROUND_NOT_OPEN");

    // The window is editable after ballots too: move it so that it is open now.
    const open = await api.patchRound(round.id, { rules: { opensAt: inMs(-60_000) } });
    expectStatus(open, 200);
    expect(open.body.votingOpen).toBe(true);
    await api.vote(round.id, inTime, ["1"]);

    const ended = await api.patchRound(round.id, { rules: { closesAt: inMs(-1_000), opensAt: inMs(-60_000) } });
    expectStatus(ended, 200);
    expect(ended.body.votingOpen).toBe(false);
    expect(ended.body.votingEnded).toBe(true);
    expect(ended.body.status).toBe("open");
    expectError(await api.castBallot(round.id, late, ["2"]), "ROUND_NOT_OPEN");
    expect((await api.leaderboard(round.id)).totalBallots).toBe(1);
  });

  it("rejects a window that closes before it opens (400 INVALID_BODY)", async () => {
    const round = await api.createRound(smallRound(2));
    const res = await api.patchRound(round.id, { rules: { opensAt: inMs(60_000), closesAt: inMs(1_000) } });
    expectError(res, "INVALID_BODY");
  });

  it("tells watching sockets when the window ends, though nothing was written", async () => {
    const round = await api.createOpenRound({
      ...smallRound(2),
      rules: { minChoices: 1, maxChoices: 1, closesAt: inMs(600) },
    });
    const socket = await connectSocket(backends.urls[0] as string);
    try {
      const updates = record(socket, "round:updated");
      await joinBoard(socket, round.id);
      const ended = await updates.waitFor((summary) => summary.votingEnded, 5_000);
      expect(ended.votingOpen).toBe(false);
      // The live tick closes the round at closesAt (the show), in the same tick that announces the end.
      expect(ended.status).toBe("closed");
    } finally {
      socket.disconnect();
    }
  });
});

describe("results visibility", () => {
  it("afterVote: hidden from voters until they vote, always shown to the organiser and the screen", async () => {
    const round = await api.createOpenRound({
      ...smallRound(3),
      rules: { minChoices: 1, maxChoices: 1, resultsVisibility: "afterVote" },
    });
    const [voter, other] = await api.newVoters(2);
    if (!voter || !other) throw new Error("voters");
    await api.vote(round.id, other, ["2"]);

    expectHidden(await boardAs(round.id), 1);
    expectHidden(await boardAs(round.id, { voter }), 1);
    await api.vote(round.id, voter, ["2"]);
    expectShown(await boardAs(round.id, { voter }), 2);
    expectShown(await boardAs(round.id, { admin: true }), 2);
    expectShown(await boardAs(round.id, { screenKey: await screenKey(round.id) }), 2);
    // Once voting has ended, everyone may see.
    await api.transition(round.id, "close");
    expectShown(await boardAs(round.id), 2);
  });

  it("afterClose for voters with a live screen: the screen key shows everything, voters nothing until close", async () => {
    const round = await api.createOpenRound({
      ...smallRound(3),
      rules: { minChoices: 1, maxChoices: 1, resultsVisibility: "afterClose", screenVisibility: "always" },
    });
    const [voter] = await api.newVoters(1);
    if (!voter) throw new Error("voter");
    await api.vote(round.id, voter, ["3"]);
    const key = await screenKey(round.id);
    expectHidden(await boardAs(round.id, { voter }), 1);
    expectShown(await boardAs(round.id, { screenKey: key }), 1);
    expectShown(await api.get<Leaderboard>(`/api/rounds/${round.id}/leaderboard?screenKey=${key}`), 1);
    expectError(await boardAs(round.id, { screenKey: "not-the-key" }), "INVALID_SCREEN_KEY");
    await api.transition(round.id, "close");
    expectShown(await boardAs(round.id, { voter }), 1);
  });

  it("never: voters never see results, not even of earlier epochs; the organiser does", async () => {
    const round = await api.createOpenRound({
      ...smallRound(2),
      rules: { minChoices: 1, maxChoices: 1, resultsVisibility: "never", screenVisibility: "afterClose" },
    });
    const [voter] = await api.newVoters(1);
    if (!voter) throw new Error("voter");
    await api.vote(round.id, voter, ["1"]);
    const key = await screenKey(round.id);
    expectHidden(await boardAs(round.id, { screenKey: key }), 1);
    await api.transition(round.id, "close");
    expectHidden(await boardAs(round.id, { voter }), 1);
    expectShown(await boardAs(round.id, { screenKey: key }), 1);
    await api.reset(round.id);
    expectHidden(await api.get<Leaderboard>(`/api/rounds/${round.id}/leaderboard?epoch=1`), 1);
    expectShown(await api.admin<Leaderboard>("GET", `/api/rounds/${round.id}/leaderboard?epoch=1`), 1);
  });

  it("visibility stays editable after ballots; pick counts lock (409 ROUND_LOCKED)", async () => {
    const round = await api.createOpenRound(smallRound(3));
    const [voter] = await api.newVoters(1);
    if (!voter) throw new Error("voter");
    await api.vote(round.id, voter, ["1"]);
    const hidden = await api.patchRound(round.id, { rules: { resultsVisibility: "never" } });
    expectStatus(hidden, 200);
    expect(hidden.body.rules.resultsVisibility).toBe("never");
    expect(hidden.body.rules.maxChoices).toBe(3);
    expectError(await api.patchRound(round.id, { rules: { maxChoices: 2 } }), "ROUND_LOCKED");
    expectHidden(await boardAs(round.id), 1);
  });

  it("sockets: hidden viewers get no votes in snapshots or updates; the screen and a voter who voted do", async () => {
    const round = await api.createOpenRound({
      ...smallRound(3),
      rules: { minChoices: 1, maxChoices: 1, resultsVisibility: "afterVote", screenVisibility: "always" },
    });
    const [voter, other] = await api.newVoters(2);
    if (!voter || !other) throw new Error("voters");
    const url = backends.urls[0] as string;
    const screen = await connectSocket(url);
    const voterSocket = await connectSocket(url, { voterToken: voter });
    try {
      const screenBoard = await joinBoard(screen, round.id, { view: "screen", screenKey: await screenKey(round.id) });
      const hiddenBoard = await joinBoard(voterSocket, round.id, { view: "vote" });
      expect(screenBoard.resultsHidden).toBe(false);
      expect(hiddenBoard.resultsHidden).toBe(true);
      expect(hiddenBoard.entries).toEqual([]);

      const hiddenUpdate = waitFor(voterSocket, "leaderboard:updated", (u) => u.totalBallots === 1);
      const screenUpdate = waitFor(screen, "leaderboard:updated", (u) => u.totalBallots === 1);
      await api.vote(round.id, other, ["2"]);
      expect((await hiddenUpdate).changes).toEqual([]);
      expect((await screenUpdate).changes).toContainEqual(["2", 1]);

      // After voting, a rejoin shows results to this voter.
      await api.vote(round.id, voter, ["3"]);
      const after = await joinBoard(voterSocket, round.id, { view: "vote" });
      expect(after.resultsHidden).toBe(false);
      expect(after.entries.length).toBe(3);

      const wrongKey = await joinBoardAck(screen, round.id, { screenKey: "wrong" });
      expect(wrongKey).toEqual({ error: { code: "INVALID_SCREEN_KEY", message: expect.any(String) } });
    } finally {
      screen.disconnect();
      voterSocket.disconnect();
    }
  });
});

describe("organiser extras", () => {
  it("screen key: stable until rotated; a rotated key stops the old one", async () => {
    const round = await api.createRound(smallRound(2));
    const first = await screenKey(round.id);
    expect(first).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(await screenKey(round.id)).toBe(first);
    const rotated = await screenKey(round.id, true);
    expect(rotated).not.toBe(first);
    expectError(await boardAs(round.id, { screenKey: first }), "INVALID_SCREEN_KEY");
    expectStatus(await boardAs(round.id, { screenKey: rotated }), 200);
    expectError(await api.get(`/api/rounds/${round.id}/screen-key`), "UNAUTHORIZED");
  });

  it("results.csv: BOM, header, one row per option in leaderboard order with share, for any epoch", async () => {
    const round = await api.createOpenRound({
      title: "CSV",
      rules: { minChoices: 1, maxChoices: 2 },
      options: [
        { number: 1, title: "Plain" },
        { number: 2, title: 'With "quotes", and a comma' },
        { number: 3, title: "青岛海关" },
      ],
    });
    const voters = await api.newVoters(3);
    await Promise.all(voters.map((token, i) => api.vote(round.id, token, i === 0 ? ["2", "3"] : ["2"])));
    const res = await api.admin("GET", `/api/rounds/${round.id}/results.csv`);
    expectStatus(res, 200);
    expect(String(res.headers["content-type"])).toMatch(/^text\/csv; charset=utf-8/);
    expect(res.text.startsWith("\uFEFF")).toBe(true);
    expect(res.text.slice(1).split("\r\n")).toEqual([
      "rank,number,title,votes,share",
      '1,2,"With ""quotes"", and a comma",3,100.0',
      "2,3,青岛海关,1,33.3",
      "3,1,Plain,0,0.0",
      "",
    ]);
    await api.reset(round.id);
    const old = await api.admin("GET", `/api/rounds/${round.id}/results.csv?epoch=1`);
    expect(old.text.split("\r\n")[1]).toBe('1,2,"With ""quotes"", and a comma",3,100.0');
    expectError(await api.get(`/api/rounds/${round.id}/results.csv`), "UNAUTHORIZED");
  });

  it("stats: ballots per minute, refusals by reason and connected sockets by page", async () => {
    const round = await api.createOpenRound(smallRound(3));
    const [a, b] = await api.newVoters(2);
    if (!a || !b) throw new Error("voters");
    await api.vote(round.id, a, ["1"]);
    await api.vote(round.id, b, ["2"]);
    expectError(await api.castBallot(round.id, a, ["3"]), "ALREADY_VOTED");
    expectError(await api.castBallot(round.id, b, ["1", "1"]), "DUPLICATE_OPTION");
    expectError(await api.castBallot(round.id, undefined, ["1"]), "INVALID_VOTER_TOKEN");

    const url = backends.urls[0] as string;
    const screen = await connectSocket(url);
    const voterPage = await connectSocket(url);
    try {
      await joinBoard(screen, round.id, { view: "screen", screenKey: await screenKey(round.id) });
      await joinBoard(voterPage, round.id, { view: "vote" });
      const stats = await waitForStats(round.id, (s) => s.connected.screen === 1 && s.connected.vote === 1);
      expect(stats.totalBallots).toBe(2);
      expect(stats.voters).toBe(2); // the voters who voted (the console's tile), not the pages open
      expect(stats.ballotsPerMinute).toHaveLength(60);
      expect(stats.ballotsPerMinute.reduce((sum, m) => sum + m.ballots, 0)).toBe(2);
      expect(stats.rejected).toEqual({ ALREADY_VOTED: 1, DUPLICATE_OPTION: 1, INVALID_VOTER_TOKEN: 1 });
      expect(stats.connected).toEqual({ vote: 1, board: 0, screen: 1, console: 0 });
    } finally {
      screen.disconnect();
      voterPage.disconnect();
    }
  });
});

/** Asks for the stats until they pass `predicate` (presence is reported on the live tick) or 5 s pass. */
async function waitForStats(roundId: string, predicate: (stats: RoundStats) => boolean): Promise<RoundStats> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const res = await api.admin<RoundStats>("GET", `/api/rounds/${roundId}/stats`);
    expectStatus(res, 200);
    if (predicate(res.body) || Date.now() > deadline) return res.body;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
