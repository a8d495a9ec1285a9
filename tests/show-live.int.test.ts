import type { Leaderboard, RoundRulesInput, ScreenKeyResponse, ShowResponse } from "@lb/common";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Backends, startBackends } from "./support/backend.js";
import { type Api, expectError, expectStatus } from "./support/http.js";
import { smallRound } from "./support/rounds.js";
import { type BoardSocket, connectSocket, joinBoard, record } from "./support/wait.js";

/**
 * The show on two backends: the automatic close at closesAt (exactly once), the "hide results on screens" switch,
 * the freeze (public surfaces frozen, the organiser live) and the reveal, step by step, the same on every backend.
 */
let backends: Backends;
let api: Api;
const sockets: BoardSocket[] = [];

beforeAll(async () => {
  backends = await startBackends(2);
  api = backends.api;
});
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.disconnect();
});
afterAll(() => backends?.close());

async function socketOn(backend: number, voterToken?: string): Promise<BoardSocket> {
  const socket = await connectSocket(backends.urls[backend] as string, voterToken ? { voterToken } : undefined);
  sockets.push(socket);
  return socket;
}

function openRound(rules: Partial<RoundRulesInput> = {}, options = 5) {
  return api.createOpenRound({ ...smallRound(options), rules: { minChoices: 1, maxChoices: 1, ...rules } });
}

async function vote(roundId: string, choice: string, count = 1): Promise<void> {
  for (const voter of await api.newVoters(count)) await api.vote(roundId, voter, [choice]);
}

async function screenKey(roundId: string): Promise<string> {
  const res = await api.admin<ScreenKeyResponse>("GET", `/api/rounds/${roundId}/screen-key`);
  expectStatus(res, 200);
  return res.body.screenKey;
}

async function show(path: string, roundId: string, body?: unknown): Promise<ShowResponse> {
  const res = await api.admin<ShowResponse>("POST", `/api/rounds/${roundId}/${path}`, body);
  expectStatus(res, 200);
  return res.body;
}

/** The public's board (no credentials), from backend `index`. */
async function publicBoard(roundId: string, backend = 0): Promise<Leaderboard> {
  const res = await backends.backends[backend]?.api.get<Leaderboard>(`/api/rounds/${roundId}/leaderboard`);
  if (!res) throw new Error("no backend");
  expectStatus(res, 200);
  return res.body;
}

const votesOf = (board: Leaderboard) => Object.fromEntries(board.entries.map((entry) => [entry.optionId, entry.votes]));
const order = (board: Leaderboard) => board.entries.map((entry) => entry.optionId);

describe("automatic close at closesAt", () => {
  it("closes once over two backends: one transition, one round:updated per socket, then ballots are refused", async () => {
    // Far away while the ballot is cast and the sockets join (a loaded machine may take seconds), then a second
    // ahead, as the console's "add time" sets it.
    const round = await openRound({ closesAt: new Date(Date.now() + 300_000).toISOString() });
    await vote(round.id, "1");
    const watchers = await Promise.all(
      [0, 1, 0, 1].map(async (backend) => {
        const socket = await socketOn(backend);
        const notices = record(socket, "round:updated");
        await joinBoard(socket, round.id);
        return notices;
      }),
    );
    const closesAt = new Date(Date.now() + 1_000).toISOString();
    expectStatus(await api.patchRound(round.id, { rules: { closesAt } }), 200);
    await Promise.all(watchers.map((notices) => notices.waitFor((s) => s.rules.closesAt === closesAt)));
    const seqBefore = (await api.leaderboard(round.id)).seq;
    const from = watchers.map((notices) => notices.events.length);
    // Nobody closes it: the tick of each backend does, at closesAt.
    await Promise.all(watchers.map((notices) => notices.waitFor((s) => s.status === "closed", 6_000)));
    // One status transition: the close bumped seq once.
    const closed = await api.leaderboard(round.id);
    expect(closed.status).toBe("closed");
    expect(closed.seq).toBe(seqBefore + 1);
    // A change after it, seen by every socket, marks the end of what the close may have sent.
    expectStatus(await api.patchRound(round.id, { title: "after the close" }), 200);
    await Promise.all(watchers.map((notices) => notices.waitFor((s) => s.title === "after the close")));
    for (const [index, notices] of watchers.entries()) {
      const between = notices.events.slice(from[index]).filter((s) => s.title !== "after the close");
      expect(between.map((s) => [s.status, s.votingEnded])).toEqual([["closed", true]]);
    }
    const [late] = await api.newVoters(1);
    expectError(await api.castBallot(round.id, late, ["2"]), "ROUND_NOT_OPEN");
  });
});

describe("hide results on screens", () => {
  it("moves idle screens on both backends to the hidden audience at once; voters keep the votes", async () => {
    const round = await openRound();
    const key = await screenKey(round.id);
    const screens = await Promise.all(
      [0, 1].map(async (backend) => {
        const socket = await socketOn(backend);
        const updates = record(socket, "leaderboard:updated");
        const notices = record(socket, "round:updated");
        const snapshot = await joinBoard(socket, round.id, { view: "screen", screenKey: key });
        expect(snapshot.resultsHidden).toBe(false);
        return { socket, updates, notices };
      }),
    );
    const voterSocket = await socketOn(1);
    const voterUpdates = record(voterSocket, "leaderboard:updated");
    await joinBoard(voterSocket, round.id);
    // Before the switch the screens do get votes.
    await vote(round.id, "2");
    for (const { updates } of screens)
      expect((await updates.waitFor((u) => u.totalBallots === 1)).changes).not.toEqual([]);

    const answer = await show("screen-results", round.id, { hidden: true });
    expect(answer.show?.screenResultsHidden).toBe(true);
    await Promise.all(screens.map(({ notices }) => notices.waitFor(() => true)));
    await vote(round.id, "3");
    for (const { updates } of screens) expect((await updates.waitFor((u) => u.totalBallots === 2)).changes).toEqual([]);
    expect((await voterUpdates.waitFor((u) => u.totalBallots === 2)).changes).not.toEqual([]);
    // A screen that joins (or rejoins) now gets no votes, and the switch says why.
    const rejoined = await joinBoard(screens[0]?.socket as BoardSocket, round.id, { view: "screen", screenKey: key });
    expect(rejoined.resultsHidden).toBe(true);
    expect(rejoined.show?.screenResultsHidden).toBe(true);
    expect((await publicBoard(round.id)).resultsHidden).toBe(false);

    const shownAgain = screens[1]?.notices.events.length ?? 0;
    await show("screen-results", round.id, { hidden: false });
    await screens[1]?.notices.waitFor(() => (screens[1]?.notices.events.length ?? 0) > shownAgain);
    const shown = await joinBoard(screens[1]?.socket as BoardSocket, round.id, { view: "screen", screenKey: key });
    expect(shown.resultsHidden).toBe(false);
    expect(votesOf(shown)).toMatchObject({ "2": 1, "3": 1 });
  });

  it("is organiser-only and validated", async () => {
    const round = await openRound();
    const res = await api.request("POST", `/api/rounds/${round.id}/screen-results`, { json: { hidden: true } });
    expectError(res, "UNAUTHORIZED");
    expectError(await api.admin("POST", `/api/rounds/${round.id}/screen-results`, { hidden: "yes" }), "INVALID_BODY");
  });
});

describe("freeze and reveal", () => {
  it("voters and screens see the frozen standings while ballots count unseen; the organiser sees live", async () => {
    const round = await openRound();
    const key = await screenKey(round.id);
    await vote(round.id, "1", 2);
    await vote(round.id, "2", 1);
    const voterSocket = await socketOn(0);
    const voterUpdates = record(voterSocket, "leaderboard:updated");
    const voterNotices = record(voterSocket, "round:updated");
    await joinBoard(voterSocket, round.id);

    const frozen = await show("freeze", round.id);
    expect(frozen.show?.frozenAt).not.toBeNull();
    await voterNotices.waitFor(() => true);
    await vote(round.id, "3", 4);

    const live = await api.leaderboard(round.id);
    expect(votesOf(live)).toMatchObject({ "1": 2, "2": 1, "3": 4 });
    for (const backend of [0, 1]) {
      const board = await publicBoard(round.id, backend);
      expect(votesOf(board)).toMatchObject({ "1": 2, "2": 1, "3": 0 });
      // The live seq chain: the frozen board carries the live seq, so the updates that follow apply to it.
      expect(board.seq).toBe(live.seq);
      expect(board.show?.frozenAt).toBe(frozen.show?.frozenAt);
    }
    const screen = await socketOn(1);
    const screenBoard = await joinBoard(screen, round.id, { view: "screen", screenKey: key });
    expect(votesOf(screenBoard)).toMatchObject({ "1": 2, "2": 1, "3": 0 });
    // The idle voter socket got the new ballots' updates without their votes.
    const update = await voterUpdates.waitFor((u) => u.totalBallots === 7);
    expect(update.changes).toEqual([]);
    expect(voterUpdates.events.filter((u) => u.totalBallots > 3 && u.changes.length > 0)).toEqual([]);
    // The reveal waits for the close.
    expectError(await api.admin("POST", `/api/rounds/${round.id}/reveal/next`), "INVALID_TRANSITION");
  });

  it("reveals step by step from the bottom of the top N, the same on both backends, then the podium", async () => {
    const round = await openRound({}, 6);
    // Frozen: 1:5, 2:4, 3:3, 4:2, 5:1, 6:0. Hidden after the freeze: 6 gets 6 (to first), 5 gets 1.
    await vote(round.id, "1", 5);
    await vote(round.id, "2", 4);
    await vote(round.id, "3", 3);
    await vote(round.id, "4", 2);
    await vote(round.id, "5", 1);
    await show("freeze", round.id);
    await vote(round.id, "6", 6);
    await vote(round.id, "5", 1);
    expectStatus(await api.admin("PATCH", `/api/rounds/${round.id}/show`, { revealTop: 3 }), 200);
    await api.transition(round.id, "close");
    const final = await api.leaderboard(round.id);
    expect(order(final).slice(0, 3)).toEqual(["6", "1", "2"]);

    const start = await publicBoard(round.id);
    expect(order(start)).toEqual(["1", "2", "3", "4", "5", "6"]);
    expect(start.show?.reveal).toMatchObject({ step: 0, current: null, podium: false });
    const steps = start.show?.reveal?.steps ?? 0;
    // Candidates: frozen top 3 (1, 2, 3) and final top 3 (6, 1, 2); resolved from the lowest placed first.
    expect(steps).toBe(4);

    const key = await screenKey(round.id);
    const watchers = await Promise.all(
      [0, 1].map(async (backend) => {
        const socket = await socketOn(backend);
        const notices = record(socket, "round:updated");
        await joinBoard(socket, round.id, { view: "screen", screenKey: key });
        return { socket, notices };
      }),
    );
    const currents: (string | null)[] = [];
    for (let step = 1; step <= steps + 1; step++) {
      const answer = await show("reveal/next", round.id);
      expect(answer.show?.reveal?.step).toBe(step);
      currents.push(answer.show?.reveal?.current ?? null);
      // Every screen on every backend is told; a rejoin (what a reload does) gets the same step on both.
      await Promise.all(watchers.map(({ notices }) => notices.waitFor(() => notices.events.length >= step)));
      const boards = await Promise.all(
        watchers.map(({ socket }) => joinBoard(socket, round.id, { view: "screen", screenKey: key })),
      );
      expect(boards[0]?.show?.reveal).toEqual(answer.show?.reveal);
      expect(boards[1]?.show?.reveal).toEqual(answer.show?.reveal);
      expect(boards[0]?.entries).toEqual(boards[1]?.entries);
      if (step === 1) {
        // The lowest placed candidate first: 6 (frozen last) takes its 6 hidden votes and climbs to the top.
        expect(order(boards[0] as Leaderboard)).toEqual(["6", "1", "2", "3", "4", "5"]);
        expect(votesOf(boards[0] as Leaderboard)).toMatchObject({ "5": 1, "6": 6 });
      }
    }
    expect(currents).toEqual(["6", "3", "2", "1", null]);
    const podium = await publicBoard(round.id, 1);
    expect(podium.show?.reveal).toMatchObject({ step: steps + 1, podium: true });
    expect(votesOf(podium)).toEqual(votesOf(final));
    // Past the podium nothing moves.
    expect((await show("reveal/next", round.id)).show?.reveal?.step).toBe(steps + 1);
  });

  it("a screen that reloads mid-reveal comes back at the same step", async () => {
    const round = await openRound({}, 4);
    await vote(round.id, "1", 3);
    await vote(round.id, "2", 2);
    await show("freeze", round.id);
    await vote(round.id, "4", 5);
    await api.transition(round.id, "close");
    await show("reveal/next", round.id);
    const atTwo = await show("reveal/next", round.id);
    const key = await screenKey(round.id);
    // A fresh connection on the other backend: a reloaded screen.
    const reloaded = await joinBoard(await socketOn(1), round.id, { view: "screen", screenKey: key });
    expect(reloaded.show?.reveal).toEqual(atTwo.show?.reveal);
    expect(reloaded.entries).toEqual((await publicBoard(round.id, 0)).entries);
    // The organiser always sees the final board.
    expect(votesOf(await api.leaderboard(round.id))).toMatchObject({ "4": 5, "1": 3, "2": 2 });
  });

  it("at a set pace the ticks take the next steps after the organiser's first, once over both backends", async () => {
    const round = await openRound({}, 4);
    await vote(round.id, "1", 3);
    await vote(round.id, "2", 2);
    await show("freeze", round.id);
    await vote(round.id, "4", 5);
    await api.transition(round.id, "close");
    const paced = await api.admin<ShowResponse>("PATCH", `/api/rounds/${round.id}/show`, { revealPaceSeconds: 1 });
    expectStatus(paced, 200);
    expect(paced.body.show?.revealPaceSeconds).toBe(1);
    const notices = await Promise.all(
      [0, 1].map(async (backend) => {
        const socket = await socketOn(backend);
        const recorder = record(socket, "round:updated");
        await joinBoard(socket, round.id);
        return recorder;
      }),
    );
    const seen = notices.map((n) => n.events.length);
    const first = await show("reveal/next", round.id);
    const last = (first.show?.reveal?.steps ?? 0) + 1;
    expect(first.show?.reveal?.step).toBe(1);
    expect(last).toBeGreaterThan(2);
    // Nobody presses again: each later step comes by itself a second after the one before, announced once on
    // each backend (the steps after the first are the ticks').
    await Promise.all(
      notices.map((n, index) => n.waitFor(() => n.events.length >= (seen[index] ?? 0) + last, 3_000 + last * 2_000)),
    );
    expect((await publicBoard(round.id, 1)).show?.reveal?.podium).toBe(true);
  });

  it("freezes by itself the set time before closesAt", async () => {
    const round = await openRound({ closesAt: new Date(Date.now() + 60_500).toISOString() });
    await vote(round.id, "1", 2);
    const socket = await socketOn(0);
    const notices = record(socket, "round:updated");
    await joinBoard(socket, round.id);
    const scheduled = await show("freeze", round.id, { beforeCloseSeconds: 60 });
    expect(scheduled.show).toMatchObject({ freezeBeforeSeconds: 60, frozenAt: null });
    // The tick freezes it at its moment (the schedule and the freeze may come in one tick or two): each is announced.
    for (let seen = 0; (await publicBoard(round.id)).show?.frozenAt == null; seen++) {
      await notices.waitFor(() => notices.events.length > seen, 5_000);
    }
    await vote(round.id, "2", 3);
    const board = await publicBoard(round.id);
    expect(board.show?.frozenAt).not.toBeNull();
    expect(votesOf(board)).toMatchObject({ "1": 2, "2": 0 });
    expect(votesOf(await api.leaderboard(round.id))).toMatchObject({ "1": 2, "2": 3 });
    expectError(await api.admin("POST", `/api/rounds/${round.id}/freeze`, { beforeCloseSeconds: 0 }), "INVALID_BODY");
  });
});
