import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Backends, startBackends } from "./support/backend.js";
import type { Api } from "./support/http.js";
import { smallRound } from "./support/rounds.js";
import { type BoardSocket, connectSocket, joinBoardAck } from "./support/wait.js";

/** One socket may watch a bounded number of rounds, and send a bounded number of board:joins a minute. */
const MAX_ROUNDS = 3;
const JOINS_PER_MINUTE = 12;
let backends: Backends;
let api: Api;
const sockets: BoardSocket[] = [];

beforeAll(async () => {
  backends = await startBackends(1, { socketMaxRounds: MAX_ROUNDS, socketJoinsPerMinute: JOINS_PER_MINUTE });
  api = backends.api;
});
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.disconnect();
});
afterAll(() => backends?.close());

async function socket(): Promise<BoardSocket> {
  const connected = await connectSocket(backends.urls[0] as string);
  sockets.push(connected);
  return connected;
}

async function joinCode(on: BoardSocket, roundId: string) {
  const ack = await joinBoardAck(on, roundId);
  return "error" in ack ? ack.error.code : "ok";
}

describe("rounds one socket watches", () => {
  it(`answers RATE_LIMITED past ${MAX_ROUNDS} rounds; rejoins and rounds left make room`, async () => {
    const rounds = await Promise.all(Array.from({ length: MAX_ROUNDS + 1 }, () => api.createOpenRound(smallRound(2))));
    const ids = rounds.map((round) => round.id);
    const watcher = await socket();
    for (const id of ids.slice(0, MAX_ROUNDS)) expect(await joinCode(watcher, id)).toBe("ok");
    expect(await joinCode(watcher, ids[MAX_ROUNDS] as string)).toBe("RATE_LIMITED");
    // Joins at once cannot slip past the cap either.
    const racing = await Promise.all(ids.map(() => joinCode(watcher, ids[MAX_ROUNDS] as string)));
    expect(racing.every((code) => code === "RATE_LIMITED")).toBe(true);
    expect(await joinCode(watcher, ids[0] as string)).toBe("ok");
    watcher.emit("board:leave", { roundId: ids[1] as string });
    expect(await joinCode(watcher, ids[MAX_ROUNDS] as string)).toBe("ok");
    // Another socket has its own allowance.
    expect(await joinCode(await socket(), ids[MAX_ROUNDS] as string)).toBe("ok");
  });

  it("joins of new rounds that race each other cannot pass the cap together", async () => {
    const rounds = await Promise.all(Array.from({ length: MAX_ROUNDS + 2 }, () => api.createOpenRound(smallRound(2))));
    const watcher = await socket();
    const codes = await Promise.all(rounds.map((round) => joinCode(watcher, round.id)));
    expect(codes.filter((code) => code === "ok")).toHaveLength(MAX_ROUNDS);
    expect(codes.filter((code) => code === "RATE_LIMITED")).toHaveLength(2);
  });
});

describe("board:join rate per socket", () => {
  it(`answers RATE_LIMITED past ${JOINS_PER_MINUTE} joins a minute, before reading anything`, async () => {
    const round = await api.createOpenRound(smallRound(2));
    const looping = await socket();
    const codes: string[] = [];
    for (let i = 0; i < JOINS_PER_MINUTE; i++) codes.push(await joinCode(looping, round.id));
    expect(codes.every((code) => code === "ok")).toBe(true);
    expect(await joinCode(looping, round.id)).toBe("RATE_LIMITED");
    expect(await joinCode(looping, "no-such-round")).toBe("RATE_LIMITED");
    expect(await joinCode(await socket(), round.id)).toBe("ok");
  });
});
