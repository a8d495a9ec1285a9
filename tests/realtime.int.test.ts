import type { Leaderboard, LeaderboardUpdate } from "@lb/common";
import { applyLeaderboardUpdate } from "@lb/common";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Backends, startBackends } from "./support/backend.js";
import type { Api } from "./support/http.js";
import { smallRound } from "./support/rounds.js";
import {
  type BoardSocket,
  connectBoard,
  connectSocket,
  joinBoard,
  joinBoardAck,
  record,
  waitConnected,
  waitFor,
} from "./support/wait.js";

/** Two replicas on one Redis, with the default live tick. */
const LIVE_TICK_MS = 100;
/** The default of LIVE_PHONE_UPDATE_MS (startBackends keeps it). */
const LIVE_PHONE_UPDATE_MS = 300;
let backends: Backends;
let api: Api;
let urlA: string;
let urlB: string;
const sockets: BoardSocket[] = [];

beforeAll(async () => {
  backends = await startBackends(2, { liveTickMs: LIVE_TICK_MS });
  api = backends.api;
  [urlA, urlB] = backends.urls as [string, string];
});

afterEach(() => {
  for (const socket of sockets.splice(0)) socket.disconnect();
});

afterAll(async () => {
  await backends?.close();
});

async function board(url: string, roundId: string) {
  const joined = await connectBoard(url, roundId);
  sockets.push(joined.socket);
  return joined;
}

/** Applies updates in order to a snapshot; fails if one does not build on the board before it. */
function applyAll(snapshot: Leaderboard, updates: readonly LeaderboardUpdate[]): Leaderboard {
  let current = snapshot;
  for (const [index, update] of updates.entries()) {
    expect(update.prevSeq, `update #${index} prevSeq`).toBe(current.seq);
    expect(update.seq, `update #${index} seq`).toBeGreaterThan(update.prevSeq);
    const next = applyLeaderboardUpdate(current, update);
    expect(next, `update #${index} applies`).not.toBeNull();
    current = next as Leaderboard;
  }
  return current;
}

describe("board:join", () => {
  it("acks with a snapshot equal to the HTTP leaderboard", async () => {
    const round = await api.createOpenRound(smallRound(4));
    const voters = await api.newVoters(3);
    await api.vote(round.id, voters[0] as string, ["2"]);
    await api.vote(round.id, voters[1] as string, ["2", "3"]);
    await api.vote(round.id, voters[2] as string, ["4"]);
    const { snapshot } = await board(urlA, round.id);
    expect(snapshot).toEqual(await api.leaderboard(round.id));
    expect(snapshot.totalBallots).toBe(3);
    expect(snapshot.entries[0]).toEqual({ optionId: "2", number: 2, title: "Option 2", votes: 2, rank: 1 });
  });

  it("acks { error: ROUND_NOT_FOUND } for an unknown round, and the socket stays usable", async () => {
    const socket = await connectSocket(urlA);
    sockets.push(socket);
    const ack = await joinBoardAck(socket, "no-such-round-here");
    expect(ack).toEqual({ error: { code: "ROUND_NOT_FOUND", message: expect.any(String) } });
    const round = await api.createOpenRound(smallRound(2));
    const snapshot = await joinBoard(socket, round.id);
    expect(snapshot.roundId).toBe(round.id);
    expect(snapshot.status).toBe("open");
  });

  it("acks { error } for an invalid payload", async () => {
    const socket = await connectSocket(urlA);
    sockets.push(socket);
    const ack = await joinBoardAck(socket, "Not A Slug!");
    expect("error" in ack).toBe(true);
    expect("error" in ack ? ack.error.code : undefined).toMatch(/^(INVALID_BODY|ROUND_NOT_FOUND)$/);
  });
});

describe("leaderboard:updated", () => {
  it("coalesces 50 quick ballots into a few updates that chain by seq and rebuild the HTTP board", async () => {
    const round = await api.createOpenRound(smallRound(8, { minChoices: 1, maxChoices: 3 }));
    const voters = await api.newVoters(50);
    const { socket, snapshot } = await board(urlA, round.id);
    const updates = record(socket, "leaderboard:updated");
    const started = Date.now();
    await Promise.all(
      voters.map((voter, index) => api.vote(round.id, voter, [String((index % 8) + 1), String(((index + 3) % 8) + 1)])),
    );
    await updates.waitFor((update) => update.totalBallots === 50);
    const elapsed = Date.now() - started;

    const count = updates.events.length;
    expect(count).toBeGreaterThanOrEqual(1);
    expect(count).toBeLessThan(50);
    // At most one update per tick (+1 for the tick boundaries at both ends).
    expect(count, `${count} updates in ${elapsed} ms`).toBeLessThanOrEqual(Math.ceil(elapsed / LIVE_TICK_MS) + 1);
    const rebuilt = applyAll(snapshot, updates.events);
    expect(rebuilt.totalBallots).toBe(50);
    expect(rebuilt).toEqual(await api.leaderboard(round.id));
    for (const update of updates.events) {
      expect(update.roundId).toBe(round.id);
      expect(update.epoch).toBe(1);
      expect(update.status).toBe("open");
    }
  });

  it("sends only the options whose votes changed, as [optionId, votes]; the client ranks again", async () => {
    const round = await api.createOpenRound(smallRound(6, { minChoices: 1, maxChoices: 1 }));
    const voters = await api.newVoters(5);
    const { socket, snapshot } = await board(urlA, round.id);
    const updates = record(socket, "leaderboard:updated");

    // 1st ballot for #3: only #3's votes change (every other option drops from rank 1 to rank 2 all the same).
    await api.vote(round.id, voters[0] as string, ["3"]);
    const first = await updates.waitFor((update) => update.totalBallots === 1);
    expect(first.changes).toEqual([["3", 1]]);
    expect(applyAll(snapshot, [first]).entries.map((entry) => [entry.optionId, entry.rank])).toEqual([
      ["3", 1],
      ["1", 2],
      ["2", 2],
      ["4", 2],
      ["5", 2],
      ["6", 2],
    ]);

    // More ballots for #3: only #3 changes.
    await Promise.all([1, 2, 3].map((index) => api.vote(round.id, voters[index] as string, ["3"])));
    await updates.waitFor((update) => update.totalBallots === 4);
    const later = updates.events.slice(1);
    expect(later.length).toBeGreaterThanOrEqual(1);
    for (const update of later) expect(update.changes).toEqual([["3", update.totalBallots]]);

    // A ballot for #5: only #5 is sent; it moves up to rank 2 and the others at zero drop to rank 3.
    await api.vote(round.id, voters[4] as string, ["5"]);
    const last = await updates.waitFor((update) => update.totalBallots === 5);
    expect(last.changes).toEqual([["5", 1]]);
    expect(applyAll(snapshot, updates.events)).toEqual(await api.leaderboard(round.id));
  });

  it("a client on backend B sees ballots cast on backend A", async () => {
    const round = await api.createOpenRound(smallRound(3));
    const voters = await api.newVoters(7);
    const { socket, snapshot } = await board(urlB, round.id);
    const updates = record(socket, "leaderboard:updated");
    const apiA = backends.backends[0]?.api as Api;
    await Promise.all(voters.map((voter, index) => apiA.vote(round.id, voter, [String((index % 3) + 1)])));
    await updates.waitFor((update) => update.totalBallots === 7);
    const rebuilt = applyAll(snapshot, updates.events);
    expect(rebuilt).toEqual(await apiA.leaderboard(round.id));
    expect(rebuilt.entries.map((entry) => [entry.optionId, entry.votes, entry.rank])).toEqual([
      ["1", 3, 1],
      ["2", 2, 2],
      ["3", 2, 2],
    ]);
  });

  it("phones (view vote) get an update at most every LIVE_PHONE_UPDATE_MS, with every change since their last", async () => {
    const round = await api.createOpenRound(smallRound(4));
    const voters = await api.newVoters(12);
    const screen = await board(urlA, round.id);
    const phoneSocket = await connectSocket(urlA);
    sockets.push(phoneSocket);
    const phoneSnapshot = await joinBoard(phoneSocket, round.id, { view: "vote" });
    const screenUpdates = record(screen.socket, "leaderboard:updated");
    const phoneUpdates = record(phoneSocket, "leaderboard:updated");
    const started = Date.now();
    // One ballot per screen update: the screens see each of them, the phones several at a time.
    for (const [index, voter] of voters.entries()) {
      await api.vote(round.id, voter, [String((index % 4) + 1)]);
      await screenUpdates.waitFor((update) => update.totalBallots === index + 1);
    }
    await phoneUpdates.waitFor((update) => update.totalBallots === voters.length);
    const elapsed = Date.now() - started;
    const final = await api.leaderboard(round.id);
    expect(applyAll(screen.snapshot, screenUpdates.events)).toEqual(final);
    expect(applyAll(phoneSnapshot, phoneUpdates.events)).toEqual(final);
    expect(screenUpdates.events).toHaveLength(voters.length);
    // Sent at least LIVE_PHONE_UPDATE_MS apart on ticks (half a tick of slack); +1 for the first, sent at once.
    const phones = phoneUpdates.events.length;
    expect(phones, `${phones} phone updates in ${elapsed} ms`).toBeLessThanOrEqual(
      Math.ceil(elapsed / (LIVE_PHONE_UPDATE_MS - LIVE_TICK_MS / 2)) + 1,
    );
  });

  it("board:leave stops the updates of that round", async () => {
    const round = await api.createOpenRound(smallRound(2));
    const other = await api.createOpenRound(smallRound(2));
    const [voter] = await api.newVoters(1);
    const stayer = await board(urlA, round.id);
    const leaver = await board(urlA, round.id);
    const leaverUpdates = record(leaver.socket, "leaderboard:updated");
    leaver.socket.emit("board:leave", { roundId: round.id });
    // The leave is processed before this later join (one socket's packets are handled in order).
    await joinBoard(leaver.socket, other.id);

    const seen = waitFor(stayer.socket, "leaderboard:updated", (update) => update.totalBallots === 1);
    await api.vote(round.id, voter as string, ["1"]);
    await seen;
    // The broadcast that reached the stayer has been written to the leaver too, if at all; a round trip on the
    // leaver's socket after it proves nothing is still on the way.
    await joinBoard(leaver.socket, other.id);
    expect(leaverUpdates.events).toEqual([]);
  });
});

describe("round notices", () => {
  it("round:updated on every status change, with the summary (no options)", async () => {
    const round = await api.createOpenRound(smallRound(5));
    const { socket } = await board(urlB, round.id);
    const notices = record(socket, "round:updated");
    const updates = record(socket, "leaderboard:updated");

    await api.transition(round.id, "pause");
    const paused = await notices.waitFor((notice) => notice.status === "paused");
    expect(paused.id).toBe(round.id);
    expect(paused.epoch).toBe(1);
    expect(paused.optionCount).toBe(5);
    expect(paused).not.toHaveProperty("options");
    // The status change bumps seq: the board hears about it too.
    const pausedBoard = await updates.waitFor((update) => update.status === "paused");
    expect(pausedBoard.changes).toEqual([]);

    await api.transition(round.id, "close");
    expect((await notices.waitFor((notice) => notice.status === "closed")).id).toBe(round.id);
    await api.transition(round.id, "open");
    expect((await notices.waitFor((notice) => notice.status === "open")).id).toBe(round.id);
    expect(notices.events.map((notice) => notice.status)).toEqual(["paused", "closed", "open"]);
  });

  it("round:updated when the definition changes", async () => {
    const round = await api.createOpenRound(smallRound(3));
    const { socket } = await board(urlA, round.id);
    const notice = waitFor(socket, "round:updated", (summary) => summary.title === "Renamed live");
    const res = await api.patchRound(round.id, { title: "Renamed live" });
    expect(res.status).toBe(200);
    const summary = await notice;
    expect(summary.revision).toBe(res.body.revision);
    expect(summary.optionCount).toBe(3);
  });

  it("a join acks with the round as of its snapshot: a change announced before the joiner was in its room is in it", async () => {
    const round = await api.createOpenRound(smallRound(3));
    // A screen watches, so the round's base is kept and the change is announced (to the screen) on the next tick.
    const { socket: screen } = await board(urlA, round.id);
    const notice = waitFor(screen, "round:updated", (summary) => summary.title === "Renamed before the join");
    const res = await api.patchRound(round.id, { title: "Renamed before the join" });
    expect(res.status).toBe(200);
    await notice;
    // A phone that loaded the round before the change joins after it was announced: no round:updated will come.
    const phone = await connectSocket(urlA);
    sockets.push(phone);
    const ack = await joinBoardAck(phone, round.id, { view: "vote" });
    if (!("ok" in ack)) throw new Error(`join failed: ${JSON.stringify(ack)}`);
    expect(ack.round.revision).toBe(res.body.revision);
    expect(ack.round.title).toBe("Renamed before the join");
  });

  it("round:reset on reset; a rejoin gives the new epoch's empty board", async () => {
    const round = await api.createOpenRound(smallRound(3));
    const [voter] = await api.newVoters(1);
    await api.vote(round.id, voter as string, ["2"]);
    const { socket, snapshot } = await board(urlB, round.id);
    expect(snapshot.totalBallots).toBe(1);
    await api.transition(round.id, "close");
    const reset = waitFor(socket, "round:reset");
    await api.reset(round.id);
    expect(await reset).toEqual({ roundId: round.id, epoch: 2 });
    const fresh = await joinBoard(socket, round.id);
    expect(fresh).toEqual(await api.leaderboard(round.id));
    expect(fresh.epoch).toBe(2);
    expect(fresh.status).toBe("draft");
    expect(fresh.totalBallots).toBe(0);
    expect(fresh.entries.every((entry) => entry.votes === 0 && entry.rank === 1)).toBe(true);
  });
});

describe("reconnect", () => {
  it("after a reconnect, the rejoin snapshot plus the updates that follow reflect the ballots missed meanwhile", async () => {
    const round = await api.createOpenRound(smallRound(4));
    const voters = await api.newVoters(6);
    await api.vote(round.id, voters[0] as string, ["1"]);
    const { socket, snapshot } = await board(urlA, round.id);
    expect(snapshot.totalBallots).toBe(1);

    socket.disconnect();
    await Promise.all(voters.slice(1).map((voter) => api.vote(round.id, voter, ["4"])));
    const missed = await api.leaderboard(round.id);
    expect(missed.totalBallots).toBe(6);

    const updates = record(socket, "leaderboard:updated");
    socket.connect();
    await waitConnected(socket);
    const fresh = await joinBoard(socket, round.id);
    expect(fresh.roundId).toBe(round.id);
    expect(fresh.seq).toBeLessThanOrEqual(missed.seq);
    // The snapshot is the base of the room's next update: at most one tick later the client has caught up.
    if (fresh.seq < missed.seq) await updates.waitFor((update) => update.seq >= missed.seq);
    const caughtUp = applyAll(
      fresh,
      updates.events.filter((update) => update.seq > fresh.seq),
    );
    expect(caughtUp).toEqual(missed);
    expect(caughtUp.entries[0]).toEqual({ optionId: "4", number: 4, title: "Option 4", votes: 5, rank: 1 });

    // And it is live again.
    const [late] = await api.newVoters(1);
    await api.vote(round.id, late as string, ["1"]);
    await updates.waitFor((update) => update.totalBallots === 7);
    const after = updates.events.filter((update) => update.seq > fresh.seq);
    expect(applyAll(fresh, after)).toEqual(await api.leaderboard(round.id));
  });

  it("the rejoin snapshot itself already reflects the ballots missed while disconnected", async () => {
    // A tick longer than this test: whatever the backend caches between ticks, a (re)join must not hand out a
    // board older than what the HTTP leaderboard said before the join.
    const slow = await startBackends(1, { liveTickMs: 5_000 });
    try {
      const round = await slow.api.createOpenRound(smallRound(3));
      const voters = await slow.api.newVoters(4);
      await slow.api.vote(round.id, voters[0] as string, ["1"]);
      const { socket, snapshot } = await connectBoard(slow.urls[0] as string, round.id);
      sockets.push(socket);
      expect(snapshot.totalBallots).toBe(1);

      socket.disconnect();
      await Promise.all(voters.slice(1).map((voter) => slow.api.vote(round.id, voter, ["3"])));
      const missed = await slow.api.leaderboard(round.id);
      expect(missed.totalBallots).toBe(4);

      socket.connect();
      await waitConnected(socket);
      const fresh = await joinBoard(socket, round.id);
      expect(fresh).toEqual(missed);

      // A client connecting for the first time gets the current board too.
      const newcomer = await connectBoard(slow.urls[0] as string, round.id);
      sockets.push(newcomer.socket);
      expect(newcomer.snapshot).toEqual(missed);
    } finally {
      for (const socket of sockets.splice(0)) socket.disconnect();
      await slow.close();
    }
  });
});

describe("joining under steady load", () => {
  it("gives a joiner the room's base: its updates and those of the watchers already there all chain (no resync loop)", async () => {
    const round = await api.createOpenRound(smallRound(6, { minChoices: 1, maxChoices: 2 }));
    // An existing watcher: the room has a base that its updates build on.
    const early = await board(urlA, round.id);
    const earlyUpdates = record(early.socket, "leaderboard:updated");
    const voters = await api.newVoters(120);
    let snapshot: Leaderboard | undefined;
    const late = await connectSocket(urlA);
    sockets.push(late);
    const updates = record(late, "leaderboard:updated");
    // Ballots keep landing between ticks; the late client joins in the middle of them.
    for (const [index, token] of voters.entries()) {
      await api.vote(round.id, token, [String((index % 6) + 1)]);
      if (index === 60) snapshot = await joinBoard(late, round.id);
    }
    if (!snapshot) throw new Error("the late client did not join");
    // Neither the joiner nor the watcher already there may see a gap: both chains build on one base.
    const expected = (await api.leaderboard(round.id)).entries;
    for (const [start, recorder] of [
      [snapshot, updates],
      [early.snapshot, earlyUpdates],
    ] as const) {
      const final = await recorder.waitFor((update) => update.totalBallots === voters.length);
      const finalBoard = applyAll(start, recorder.events.slice(0, recorder.events.indexOf(final) + 1));
      expect(finalBoard.entries).toEqual(expected);
    }
  });
});
