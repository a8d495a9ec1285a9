import { type RedisClient, scanKeys } from "@lb/backend";
import type { RoundSummary, RoundView, ScreenKeyResponse } from "@lb/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Backends, startBackends, testRedisClient } from "./support/backend.js";
import { type Api, expectError, expectStatus } from "./support/http.js";
import { smallRound } from "./support/rounds.js";
import { type BoardSocket, connectSocket, joinBoard, joinBoardAck, waitFor } from "./support/wait.js";

let backends: Backends;
let api: Api;
let redis: RedisClient;
const sockets: BoardSocket[] = [];

beforeAll(async () => {
  backends = await startBackends(1);
  api = backends.api;
  redis = testRedisClient();
});

afterAll(async () => {
  for (const socket of sockets) socket.disconnect();
  await backends?.close();
  await redis?.quit();
});

const publicIds = async () =>
  ((await api.get<{ rounds: RoundSummary[] }>("/api/rounds")).body.rounds ?? []).map((round) => round.id);

/** Every key under the round's hash tag. */
async function roundKeysIn(roundId: string): Promise<string[]> {
  return scanKeys(redis, `lb:{round:${roundId}}:*`);
}

async function closedRoundWithBallot(): Promise<RoundView> {
  const round = await api.createOpenRound(smallRound(3));
  const [voter] = await api.newVoters(1);
  await api.vote(round.id, voter as string, ["2"]);
  return api.transition(round.id, "close");
}

const archive = (id: string) => api.admin<RoundView>("POST", `/api/rounds/${id}/archive`);
const unarchive = (id: string) => api.admin<RoundView>("POST", `/api/rounds/${id}/unarchive`);
const remove = (id: string, body: unknown = { confirm: id }) => api.admin("DELETE", `/api/rounds/${id}`, body);

describe("drafts are the organiser's until first opened", () => {
  it("the public list, the round and its leaderboard answer as if a draft did not exist", async () => {
    const draft = await api.createRound(smallRound(3));
    expect(await publicIds()).not.toContain(draft.id);
    expectError(await api.get(`/api/rounds/${draft.id}`), "ROUND_NOT_FOUND");
    expectError(await api.get(`/api/rounds/${draft.id}/leaderboard`), "ROUND_NOT_FOUND");
    // A voter's token does not make it visible either.
    const [voter] = await api.newVoters(1);
    expectError(
      await api.get(`/api/rounds/${draft.id}/leaderboard`, { "x-voter-token": voter as string }),
      "ROUND_NOT_FOUND",
    );

    // The organiser sees it everywhere, marked as not archived.
    const listed = (await api.rounds()).find((round) => round.id === draft.id);
    expect(listed).toMatchObject({ status: "draft", archived: false });
    expect((await api.round(draft.id)).status).toBe("draft");
    expectStatus(await api.admin("GET", `/api/rounds/${draft.id}/leaderboard`), 200);
    // So does the projector with the round's key (screens are set up before voting opens).
    const key = await api.admin<ScreenKeyResponse>("GET", `/api/rounds/${draft.id}/screen-key`);
    expectStatus(await api.get(`/api/rounds/${draft.id}/leaderboard`, { "x-screen-key": key.body.screenKey }), 200);

    // Opened once, it is public for good: a reset back to draft does not hide the links already handed out.
    await api.transition(draft.id, "open");
    expect(await publicIds()).toContain(draft.id);
    expectStatus(await api.get(`/api/rounds/${draft.id}`), 200);
    await api.reset(draft.id);
    expect((await api.round(draft.id)).status).toBe("draft");
    expect(await publicIds()).toContain(draft.id);
    expectStatus(await api.get(`/api/rounds/${draft.id}/leaderboard`), 200);
  });

  it("board:join of a draft: ROUND_NOT_FOUND for anonymous sockets, the board for the organiser and the screen", async () => {
    const draft = await api.createRound(smallRound(2));
    const key = await api.admin<ScreenKeyResponse>("GET", `/api/rounds/${draft.id}/screen-key`);
    const socket = await connectSocket(backends.urls[0] as string);
    sockets.push(socket);
    expect(await joinBoardAck(socket, draft.id)).toEqual({
      error: { code: "ROUND_NOT_FOUND", message: expect.any(String) },
    });
    expect((await joinBoard(socket, draft.id, { adminToken: backends.adminToken })).status).toBe("draft");
    expect((await joinBoard(socket, draft.id, { screenKey: key.body.screenKey })).status).toBe("draft");
  });

  it("a wrong admin token on the list or a round is refused (401), not taken for the public", async () => {
    const headers = { authorization: "Bearer not-the-admin-token-at-all" };
    expectError(await api.get("/api/rounds", headers), "UNAUTHORIZED");
    const round = await api.createOpenRound(smallRound(2));
    expectError(await api.get(`/api/rounds/${round.id}`, headers), "UNAUTHORIZED");
  });
});

describe("archive and unarchive", () => {
  it("archives a closed round: off the public list, readable by its links, read-only, still exportable", async () => {
    const round = await closedRoundWithBallot();
    const res = await archive(round.id);
    expectStatus(res, 200);
    expect(res.body).toMatchObject({ id: round.id, status: "closed", archived: true });

    expect(await publicIds()).not.toContain(round.id);
    expect((await api.rounds()).find((summary) => summary.id === round.id)?.archived).toBe(true);
    // A voter's receipt page and the public board keep working.
    const view = await api.get<RoundView>(`/api/rounds/${round.id}`);
    expectStatus(view, 200);
    expect(view.body.archived).toBe(true);
    expect((await api.get<{ totalBallots: number }>(`/api/rounds/${round.id}/leaderboard`)).body.totalBallots).toBe(1);

    // Read-only: no status change, no edit, no reset, no ballot.
    for (const action of ["open", "pause", "close"]) {
      expectError(await api.admin("POST", `/api/rounds/${round.id}/${action}`), "ROUND_ARCHIVED");
    }
    expectError(await api.patchRound(round.id, { title: "Changed" }), "ROUND_ARCHIVED");
    expectError(await api.admin("POST", `/api/rounds/${round.id}/reset`, { confirm: round.id }), "ROUND_ARCHIVED");
    const [voter] = await api.newVoters(1);
    expectError(await api.castBallot(round.id, voter as string, ["1"]), "ROUND_NOT_OPEN");
    expect((await api.round(round.id)).title).toBe(round.title);

    // Exports for the organiser.
    expectStatus(await api.admin("GET", `/api/rounds/${round.id}/results.csv`), 200);
    expect((await api.audit(round.id)).entries).toHaveLength(1);
    expect((await api.recount(round.id)).matches).toBe(true);
    expectStatus(await api.admin("GET", `/api/rounds/${round.id}/stats`), 200);

    // Unarchive brings it back as it was.
    const back = await unarchive(round.id);
    expectStatus(back, 200);
    expect(back.body).toMatchObject({ status: "closed", archived: false, totalBallots: 1 });
    expect(await publicIds()).toContain(round.id);
    expect((await api.transition(round.id, "open")).status).toBe("open");
  });

  it("archives a draft (hidden either way) and refuses open or paused rounds with INVALID_TRANSITION", async () => {
    const draft = await api.createRound(smallRound(2));
    expect((await archive(draft.id)).body.archived).toBe(true);
    expectError(await api.admin("POST", `/api/rounds/${draft.id}/open`), "ROUND_ARCHIVED");

    const open = await api.createOpenRound(smallRound(2));
    expectError(await archive(open.id), "INVALID_TRANSITION");
    await api.transition(open.id, "pause");
    expectError(await archive(open.id), "INVALID_TRANSITION");
    expect((await api.round(open.id)).archived).toBe(false);
  });

  it("asking for what the round is already is a harmless no-op", async () => {
    const round = await closedRoundWithBallot();
    const before = await api.round(round.id);
    expect((await unarchive(round.id)).body).toMatchObject({ archived: false, revision: before.revision });
    expect((await archive(round.id)).body.archived).toBe(true);
    const again = await archive(round.id);
    expectStatus(again, 200);
    expect(again.body).toMatchObject({ archived: true, revision: before.revision + 1 });
  });

  it("404 ROUND_NOT_FOUND for an unknown round; 401 without the admin token", async () => {
    expectError(await archive("no-such-round-here"), "ROUND_NOT_FOUND");
    expectError(await unarchive("no-such-round-here"), "ROUND_NOT_FOUND");
    const round = await closedRoundWithBallot();
    expectError(await api.request("POST", `/api/rounds/${round.id}/archive`), "UNAUTHORIZED");
    expectError(await api.request("POST", `/api/rounds/${round.id}/unarchive`), "UNAUTHORIZED");
    expectError(
      await api.request("DELETE", `/api/rounds/${round.id}`, { json: { confirm: round.id } }),
      "UNAUTHORIZED",
    );
    expect((await api.round(round.id)).archived).toBe(false);
  });

  it("consoles watching the round hear of it (round:updated with archived)", async () => {
    const round = await closedRoundWithBallot();
    const socket = await connectSocket(backends.urls[0] as string);
    sockets.push(socket);
    await joinBoard(socket, round.id, { adminToken: backends.adminToken, view: "console" });
    const archived = waitFor(socket, "round:updated", (summary) => summary.archived);
    await archive(round.id);
    expect(await archived).toMatchObject({ id: round.id, archived: true, status: "closed" });
  });

  it("no status change slips in beside an archive: the check runs inside the scripts", async () => {
    const rounds = await Promise.all(Array.from({ length: 12 }, () => closedRoundWithBallot()));
    await Promise.all(
      rounds.map((round) => Promise.all([archive(round.id), api.admin("POST", `/api/rounds/${round.id}/open`)])),
    );
    for (const round of rounds) {
      const after = await api.round(round.id);
      // Either the archive came first (the round stays closed) or the opening did (the archive was refused).
      expect(after.status).toBe(after.archived ? "closed" : "open");
    }
  });
});

describe("delete", () => {
  it("deletes a draft that was never opened: every key, the index entry; the id can be used again", async () => {
    const draft = await api.createRound(smallRound(3));
    await api.admin("GET", `/api/rounds/${draft.id}/screen-key`);
    expect((await roundKeysIn(draft.id)).length).toBeGreaterThan(0);
    const res = await remove(draft.id);
    expectStatus(res, 204);
    expect(await roundKeysIn(draft.id)).toEqual([]);
    expect(await redis.zscore("lb:rounds", draft.id)).toBeNull();
    expectError(await api.admin("GET", `/api/rounds/${draft.id}`), "ROUND_NOT_FOUND");
    expect((await api.rounds()).map((round) => round.id)).not.toContain(draft.id);
    expectError(await remove(draft.id), "ROUND_NOT_FOUND");

    const again = await api.admin<RoundView>("POST", "/api/rounds", { ...smallRound(2), id: draft.id });
    expectStatus(again, 201);
    expect(again.body).toMatchObject({ epoch: 1, status: "draft", totalBallots: 0, archived: false });
  });

  it("deletes an archived round with all its epochs and any other key under its hash tag", async () => {
    const round = await closedRoundWithBallot();
    await api.reset(round.id);
    const [voter] = await api.newVoters(1);
    await api.transition(round.id, "open");
    await api.vote(round.id, voter as string, ["1"]);
    await api.transition(round.id, "close");
    // A key another capability keeps under the round's tag (tickets, exclusions, ...).
    await redis.set(`lb:{round:${round.id}}:something-else`, "1");
    expectStatus(await archive(round.id), 200);
    expectStatus(await remove(round.id), 204);
    expect(await roundKeysIn(round.id)).toEqual([]);
    expect(await redis.zscore("lb:rounds", round.id)).toBeNull();
    expectError(await api.get(`/api/rounds/${round.id}/leaderboard?epoch=1`), "ROUND_NOT_FOUND");
  });

  it("refuses rounds voters have seen unless archived (INVALID_TRANSITION), and a wrong confirmation", async () => {
    const open = await api.createOpenRound(smallRound(2));
    expectError(await remove(open.id), "INVALID_TRANSITION");
    const closed = await closedRoundWithBallot();
    expectError(await remove(closed.id), "INVALID_TRANSITION");
    // Reset back to draft after being opened: still needs archiving first.
    await api.reset(closed.id);
    expectError(await remove(closed.id), "INVALID_TRANSITION");

    const draft = await api.createRound(smallRound(2));
    expectError(await remove(draft.id, { confirm: "some-other-round" }), "CONFIRMATION_MISMATCH");
    expectError(await remove(draft.id, {}), "INVALID_BODY");
    for (const id of [open.id, closed.id, draft.id]) expectStatus(await api.admin("GET", `/api/rounds/${id}`), 200);
    expect((await api.recount(closed.id, 1)).ballots).toBe(1);
  });

  it("a board watching the round when it goes keeps its socket, and a rejoin says ROUND_NOT_FOUND", async () => {
    const round = await closedRoundWithBallot();
    await archive(round.id);
    const socket = await connectSocket(backends.urls[0] as string);
    sockets.push(socket);
    await joinBoard(socket, round.id);
    expectStatus(await remove(round.id), 204);
    expect(await joinBoardAck(socket, round.id)).toEqual({
      error: { code: "ROUND_NOT_FOUND", message: expect.any(String) },
    });
    expect(socket.connected).toBe(true);
  });
});
