import { type RedisClient, scanKeys } from "@lb/backend";
import type { BallotReceipt, RoundView } from "@lb/common";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { expectCountedExactlyOnce, sendLikeAPhone } from "./faults/ballot-ledger.js";
import { type Backends, startBackends, testRedisClient } from "./support/backend.js";
import { type Api, expectError, expectStatus } from "./support/http.js";
import { randomChoices, seededRandom, smallRound } from "./support/rounds.js";
import { type BoardSocket, connectSocket, joinBoard, record } from "./support/wait.js";

let backends: Backends;
let api: Api;
let redis: RedisClient;
const sockets: BoardSocket[] = [];

beforeAll(async () => {
  backends = await startBackends(2);
  api = backends.api;
  redis = testRedisClient();
});
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.disconnect();
});
afterAll(async () => {
  await redis?.quit();
  await backends?.close();
});

const undo = (roundId: string, body?: unknown) =>
  api.admin<RoundView>("POST", `/api/rounds/${roundId}/undo-reset`, body);

/** Every key of one epoch of a round, by SCAN. */
async function epochKeys(roundId: string, epoch: number): Promise<string[]> {
  return scanKeys(redis, `lb:{round:${roundId}}:e:${epoch}:*`);
}

describe("undo reset", () => {
  it("brings the previous epoch back with its status, tally and seq chain; the new epoch's keys go", async () => {
    const round = await api.createOpenRound(smallRound(4));
    const voters = await api.newVoters(3);
    for (const [i, voter] of voters.entries()) await api.vote(round.id, voter, [String(i + 1)]);
    await api.transition(round.id, "pause");
    const before = await api.leaderboard(round.id);
    const beforeView = await api.round(round.id);
    expect(beforeView.resetUndoable).toBe(false);

    const reset = await api.reset(round.id);
    expect(reset).toMatchObject({ epoch: 2, status: "draft", resetUndoable: true });
    // A refused ballot is counted in the new epoch: a key of its own that the undo must take away too.
    expectError(await api.castBallot(round.id, voters[0], ["1"]), "ROUND_NOT_OPEN");
    expect((await epochKeys(round.id, 2)).length).toBeGreaterThan(0);

    const res = await undo(round.id, { epoch: 2 });
    expectStatus(res, 200);
    expect(res.body).toMatchObject({ epoch: 1, status: "paused", totalBallots: 3, resetUndoable: false });
    const after = await api.leaderboard(round.id);
    expect(after.entries).toEqual(before.entries);
    expect(after.totalBallots).toBe(3);
    // The chain goes on: past the seq before the reset (the reset's close and the undo each moved it).
    expect(after.seq).toBeGreaterThan(before.seq);
    expect(await epochKeys(round.id, 2)).toEqual([]);
    expectError(await api.get(`/api/rounds/${round.id}/leaderboard?epoch=2`), "EPOCH_NOT_FOUND");
    expect(await api.recount(round.id)).toMatchObject({ matches: true, ballots: 3 });

    // Idempotent: the same undo again changes nothing; without a body too.
    expect((await undo(round.id, { epoch: 2 })).body).toMatchObject({ epoch: 1, status: "paused" });
    expect((await undo(round.id)).body).toMatchObject({ epoch: 1, status: "paused" });
    expect((await api.leaderboard(round.id)).seq).toBe(after.seq);

    // The round carries on in epoch 1, and a later reset starts epoch 2 afresh (no counter left over).
    await api.transition(round.id, "open");
    await api.vote(round.id, await api.newVoter(), ["2"]);
    expect((await api.leaderboard(round.id)).totalBallots).toBe(4);
    await api.reset(round.id);
    const stats = await api.admin<{ rejected: Record<string, number> }>("GET", `/api/rounds/${round.id}/stats`);
    expect(stats.body.rejected).toEqual({});
  });

  it("keeps each status as it was (open, draft, closed)", async () => {
    for (const status of ["open", "closed"] as const) {
      const round = await api.createOpenRound(smallRound(2));
      if (status === "closed") await api.transition(round.id, "close");
      await api.reset(round.id);
      expect((await undo(round.id)).body).toMatchObject({ epoch: 1, status });
    }
    const draft = await api.createRound(smallRound(2));
    await api.reset(draft.id);
    expect((await undo(draft.id)).body).toMatchObject({ epoch: 1, status: "draft" });
  });

  it("is refused once the new epoch has a ballot, with nothing to undo, or for another epoch", async () => {
    const round = await api.createOpenRound(smallRound(3));
    expectError(await undo(round.id), "RESET_NOT_UNDOABLE");
    await api.reset(round.id);
    await api.transition(round.id, "open");
    await api.vote(round.id, await api.newVoter(), ["1"]);
    expect((await api.round(round.id)).resetUndoable).toBe(false);
    expectError(await undo(round.id), "RESET_NOT_UNDOABLE");
    expect((await api.round(round.id)).epoch).toBe(2);

    // A console that saw epoch 2 never undoes a later reset it has not seen.
    await api.reset(round.id);
    expectError(await undo(round.id, { epoch: 2 }), "RESET_NOT_UNDOABLE");
    expectError(await undo(round.id, { epoch: "3" }), "INVALID_BODY");
    expectError(await api.admin("POST", "/api/rounds/t-nope-undo/undo-reset"), "ROUND_NOT_FOUND");
    expect((await undo(round.id, { epoch: 3 })).body).toMatchObject({ epoch: 2, status: "open" });

    await api.transition(round.id, "close");
    await api.reset(round.id);
    expectStatus(await api.admin("POST", `/api/rounds/${round.id}/archive`), 200);
    expectError(await undo(round.id), "ROUND_ARCHIVED");
  });

  it("lets a ballot racing the undo land whole in exactly one epoch", { timeout: 60_000 }, async () => {
    const apis = backends.backends.map((backend) => backend.api);
    const random = seededRandom(21);
    let inFirst = 0;
    let inSecond = 0;
    // Each try: a reset, the new epoch opened, then a ballot on one backend and the undo on the other at once.
    for (let attempt = 0; attempt < 20; attempt++) {
      const round = await api.createOpenRound(smallRound(4, { minChoices: 1, maxChoices: 2 }));
      const optionIds = round.options.map((option) => option.id);
      const [early, racer] = (await api.newVoters(2)) as [string, string];
      const first = await sendLikeAPhone(apis, round.id, early, ["1"], "early");
      await api.reset(round.id);
      await api.transition(round.id, "open");
      const choices = randomChoices(random, optionIds, 1, 2);
      const [ballot, undone] = await Promise.all([
        sendLikeAPhone(apis, round.id, racer, choices, `race-${attempt}`, { firstApi: attempt }),
        apis[(attempt + 1) % 2]?.admin("POST", `/api/rounds/${round.id}/undo-reset`),
      ]);
      const receipt = ballot.receipt as BallotReceipt;
      expect(receipt, ballot.attempts.join(" → ")).toBeDefined();
      const firstReceipt = first.receipt as BallotReceipt;
      if (undone?.status === 200) {
        // The undo won: the racing ballot was counted in epoch 1, beside the early one.
        expect(receipt.epoch).toBe(1);
        await expectCountedExactlyOnce(api, round.id, 1, [firstReceipt, receipt]);
        inFirst++;
      } else {
        expectError(undone as NonNullable<typeof undone>, "RESET_NOT_UNDOABLE");
        expect(receipt.epoch).toBe(2);
        await expectCountedExactlyOnce(api, round.id, 2, [receipt]);
        await expectCountedExactlyOnce(api, round.id, 1, [firstReceipt]);
        inSecond++;
      }
    }
    console.log(`[undo-race] the undo won ${inFirst} times, the ballot ${inSecond} times`);
    expect(inFirst + inSecond).toBe(20);
  });

  it("moves idle sockets on two backends back to the previous epoch", async () => {
    const round = await api.createOpenRound(smallRound(3));
    await api.vote(round.id, await api.newVoter(), ["2"]);
    await api.reset(round.id);
    const watchers = [];
    for (const url of backends.urls) {
      const socket = await connectSocket(url);
      sockets.push(socket);
      const resets = record(socket, "round:reset");
      const notices = record(socket, "round:updated");
      expect((await joinBoard(socket, round.id, {})).epoch).toBe(2);
      watchers.push({ socket, resets, notices });
    }
    expectStatus(await undo(round.id), 200);
    for (const { socket, resets, notices } of watchers) {
      expect(await resets.waitFor((notice) => notice.roundId === round.id)).toEqual({ roundId: round.id, epoch: 1 });
      expect(await notices.waitFor((summary) => summary.epoch === 1)).toMatchObject({ status: "open" });
      // A rejoin after the notice gets the previous epoch's board.
      const board = await joinBoard(socket, round.id, {});
      expect(board).toMatchObject({ epoch: 1, totalBallots: 1, status: "open" });
    }
  });
});
