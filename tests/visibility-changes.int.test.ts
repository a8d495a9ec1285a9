import type { BoardJoin, RoundRulesInput, ScreenKeyResponse } from "@lb/common";
import { roundRoom } from "@lb/common";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Backends, startBackends } from "./support/backend.js";
import { type Api, expectStatus } from "./support/http.js";
import { smallRound } from "./support/rounds.js";
import { type BoardSocket, connectSocket, joinBoard, type Recorder, record } from "./support/wait.js";

/**
 * What a socket that joined once and then only listens receives after the round's rules, epoch, status, window
 * or screen key change: access must follow at once, on every backend, without a rejoin.
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

const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();

interface IdleWatcher {
  socket: BoardSocket;
  /** Which backend it is on (0 = A, 1 = B). */
  backend: number;
  updates: Recorder<"leaderboard:updated">;
  notices: Recorder<"round:updated">;
}

/** One socket on each backend joins the round once (as `join` says) and from then on only listens. */
async function idleWatchers(
  roundId: string,
  join: Omit<BoardJoin, "roundId"> = {},
  voterToken?: string,
): Promise<{ watchers: IdleWatcher[]; resultsHidden: boolean[] }> {
  const watchers: IdleWatcher[] = [];
  const resultsHidden: boolean[] = [];
  for (const [backend, url] of backends.urls.entries()) {
    const socket = await connectSocket(url, voterToken === undefined ? undefined : { voterToken });
    sockets.push(socket);
    const updates = record(socket, "leaderboard:updated");
    const notices = record(socket, "round:updated");
    resultsHidden.push((await joinBoard(socket, roundId, join)).resultsHidden);
    watchers.push({ socket, backend, updates, notices });
  }
  return { watchers, resultsHidden };
}

/** Casts a ballot by a fresh voter and returns the total the round's update will carry. */
async function ballot(roundId: string, choice = "1"): Promise<number> {
  const [voter] = await api.newVoters(1);
  await api.vote(roundId, voter as string, [choice]);
  return (await api.leaderboard(roundId)).totalBallots;
}

/** Waits for each watcher's update carrying `totalBallots` and returns their `changes`. */
async function changesAt(watchers: IdleWatcher[], epoch: number, totalBallots: number) {
  return Promise.all(
    watchers.map(async ({ updates }) => {
      const update = await updates.waitFor((u) => u.epoch === epoch && u.totalBallots === totalBallots);
      return update.changes;
    }),
  );
}

async function screenKey(roundId: string, rotate = false): Promise<string> {
  const res = await api.admin<ScreenKeyResponse>(rotate ? "POST" : "GET", `/api/rounds/${roundId}/screen-key`);
  expectStatus(res, 200);
  return res.body.screenKey;
}

function openRound(rules: Partial<RoundRulesInput>) {
  return api.createOpenRound({ ...smallRound(3), rules: { minChoices: 1, maxChoices: 1, ...rules } });
}

describe("idle sockets follow every change of access", () => {
  it("PATCH always -> never: the next ballot reaches the anonymous sockets without votes", async () => {
    const round = await openRound({ resultsVisibility: "always" });
    const shown = await ballot(round.id);
    const { watchers, resultsHidden } = await idleWatchers(round.id);
    expect(resultsHidden).toEqual([false, false]);
    // Before the change the idle sockets do get votes (so the assertion below can fail).
    expect(await changesAt(watchers, 1, await ballot(round.id, "2"))).toEqual([
      expect.arrayContaining([["2", 1]]),
      expect.arrayContaining([["2", 1]]),
    ]);
    expect(shown).toBe(1);

    expectStatus(await api.patchRound(round.id, { rules: { resultsVisibility: "never" } }), 200);
    await Promise.all(watchers.map((w) => w.notices.waitFor((s) => s.rules.resultsVisibility === "never")));
    const total = await ballot(round.id, "3");
    expect(await changesAt(watchers, 1, total)).toEqual([[], []]);
    for (const { updates } of watchers) {
      expect(updates.events.filter((u) => u.totalBallots > 2 && u.changes.length > 0)).toEqual([]);
    }
  });

  it("reset of an afterVote round: a voter of epoch 1 gets no votes of epoch 2 before voting in it", async () => {
    const round = await openRound({ resultsVisibility: "afterVote" });
    const [voter] = await api.newVoters(1);
    await api.vote(round.id, voter as string, ["1"]);
    const { watchers, resultsHidden } = await idleWatchers(round.id, { view: "vote" }, voter);
    expect(resultsHidden).toEqual([false, false]);

    const resets = watchers.map((w) => w.notices.waitFor((s) => s.epoch === 2 && s.status === "open"));
    await api.reset(round.id);
    await api.transition(round.id, "open");
    await Promise.all(resets);
    expect(await changesAt(watchers, 2, await ballot(round.id, "2"))).toEqual([[], []]);
  });

  it("reopening an afterClose round hides the votes again from anonymous sockets", async () => {
    const round = await openRound({ resultsVisibility: "afterClose" });
    await ballot(round.id);
    await api.transition(round.id, "close");
    const { watchers, resultsHidden } = await idleWatchers(round.id);
    expect(resultsHidden).toEqual([false, false]);

    await api.transition(round.id, "open");
    await Promise.all(watchers.map((w) => w.notices.waitFor((s) => s.status === "open")));
    expect(await changesAt(watchers, 1, await ballot(round.id, "3"))).toEqual([[], []]);
  });

  it("a replaced screen key: screens that joined with the old one are told and get no votes", async () => {
    const round = await openRound({ resultsVisibility: "never", screenVisibility: "always" });
    const oldKey = await screenKey(round.id);
    const { watchers, resultsHidden } = await idleWatchers(round.id, { view: "screen", screenKey: oldKey });
    expect(resultsHidden).toEqual([false, false]);

    const newKey = await screenKey(round.id, true);
    // Told at once (round:updated makes clients rejoin, where the old key now fails).
    await Promise.all(watchers.map((w) => w.notices.waitFor((s) => s.id === round.id)));
    // A screen with the new key still gets the votes: updates do flow.
    const fresh = await idleWatchers(round.id, { view: "screen", screenKey: newKey });
    expect(fresh.resultsHidden).toEqual([false, false]);
    const total = await ballot(round.id, "2");
    expect(await changesAt(watchers, 1, total)).toEqual([[], []]);
    expect(await changesAt(fresh.watchers, 1, total)).toEqual([[["2", 1]], [["2", 1]]]);
  });

  it("a voting window that ends moves anonymous afterClose sockets to the results on every backend", async () => {
    const round = await openRound({ resultsVisibility: "afterClose", closesAt: inMs(1_500) });
    await ballot(round.id);
    const { watchers, resultsHidden } = await idleWatchers(round.id);
    expect(resultsHidden).toEqual([true, true]);
    const inResults = ({ socket, backend }: IdleWatcher) =>
      backends.backends[backend]?.server.io
        .of("/")
        .adapter.rooms.get(roundRoom(round.id))
        ?.has(socket.id ?? "") ?? false;
    expect(watchers.map(inResults)).toEqual([false, false]);

    await Promise.all(watchers.map((w) => w.notices.waitFor((s) => s.votingEnded, 5_000)));
    // Moved in the tick that announced the end, before the notice was sent.
    expect(watchers.map(inResults)).toEqual([true, true]);

    // And back when the organiser extends the window and reopens the round (closed by itself at closesAt): the
    // next ballot carries no votes to them.
    expectStatus(await api.patchRound(round.id, { rules: { closesAt: inMs(3_600_000) } }), 200);
    await api.transition(round.id, "open");
    await Promise.all(watchers.map((w) => w.notices.waitFor((s) => s.votingOpen)));
    expect(watchers.map(inResults)).toEqual([false, false]);
    expect(await changesAt(watchers, 1, await ballot(round.id, "2"))).toEqual([[], []]);
  });
});
