import { randomInt } from "node:crypto";
import type { BoardJoin, ScreenKeyResponse } from "@lb/common";
import { io } from "socket.io-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Backends, startBackends } from "./support/backend.js";
import { type Api, expectError, expectStatus, type HttpResponse } from "./support/http.js";
import { smallRound } from "./support/rounds.js";
import { type BoardSocket, joinBoardAck, waitConnected } from "./support/wait.js";

/**
 * Wrong organiser tokens and screen keys are throttled per client IP across backends. The backends trust the
 * proxy headers so that each test can come from its own made-up address (every test file shares 127.0.0.1).
 */
const LIMIT = 5;
let backends: Backends;
let apiA: Api;
let apiB: Api;
const sockets: BoardSocket[] = [];

beforeAll(async () => {
  backends = await startBackends(2, { trustProxy: true, adminAuthFailuresPerMinute: LIMIT });
  [apiA, apiB] = backends.backends.map((backend) => backend.api) as [Api, Api];
});
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.disconnect();
});
afterAll(() => backends?.close());

/** An address no other test uses (TEST-NET-2 plus random bits). */
const freshIp = () => `198.51.${randomInt(256)}.${randomInt(1, 255)}`;

function session(api: Api, ip: string, token: string): Promise<HttpResponse> {
  return api.request("GET", "/api/admin/session", {
    headers: { "x-forwarded-for": ip, authorization: `Bearer ${token}` },
  });
}

function expectRateLimited(res: HttpResponse) {
  expectError(res, "RATE_LIMITED");
  const retryAfter = Number(res.headers["retry-after"]);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
}

async function socketFrom(url: string, ip: string): Promise<BoardSocket> {
  const socket: BoardSocket = io(url, {
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
    extraHeaders: { "x-forwarded-for": ip },
  });
  sockets.push(socket);
  await waitConnected(socket);
  return socket;
}

async function joinCode(socket: BoardSocket, roundId: string, extra: Omit<BoardJoin, "roundId">) {
  const ack = await joinBoardAck(socket, roundId, extra);
  return "error" in ack ? ack.error.code : "ok";
}

describe("wrong admin tokens over HTTP", () => {
  it("counts failures on every backend; past the limit even the right token gets 429 with Retry-After", async () => {
    const ip = freshIp();
    for (const api of [apiA, apiA, apiA, apiB, apiB])
      expectError(await session(api, ip, "wrong-token"), "UNAUTHORIZED");
    expectRateLimited(await session(apiB, ip, "wrong-token"));
    // The right token from this address is refused too (else a right guess would stand out as a 200), on both.
    expectRateLimited(await session(apiA, ip, backends.adminToken));
    expectRateLimited(await session(apiB, ip, backends.adminToken));
    const create = await apiA.request("POST", "/api/rounds", {
      json: smallRound(2),
      headers: { "x-forwarded-for": ip, authorization: `Bearer ${backends.adminToken}` },
    });
    expectRateLimited(create);
    // Other addresses are not held up.
    expectStatus(await session(apiA, freshIp(), backends.adminToken), 200);
  });

  it("counts only failures: right tokens do not use up the allowance", async () => {
    const ip = freshIp();
    for (let i = 0; i < LIMIT * 3; i++) expectStatus(await session(i % 2 ? apiA : apiB, ip, backends.adminToken), 200);
    for (let i = 0; i < LIMIT; i++) expectError(await session(apiA, ip, "wrong-token"), "UNAUTHORIZED");
    expectStatus(await session(apiB, ip, backends.adminToken), 200);
    expectRateLimited(await session(apiA, ip, "wrong-token"));
  });
});

describe("wrong admin tokens and screen keys over board:join", () => {
  it("throttles wrong adminTokens in board:join with the HTTP failures of the same address", async () => {
    const ip = freshIp();
    const round = await apiA.createRound(smallRound(2));
    const [onA, onB] = [
      await socketFrom(backends.urls[0] as string, ip),
      await socketFrom(backends.urls[1] as string, ip),
    ];
    expectError(await session(apiA, ip, "wrong-token"), "UNAUTHORIZED");
    for (const socket of [onA, onB, onA, onB]) {
      expect(await joinCode(socket, round.id, { adminToken: "wrong-token" })).toBe("UNAUTHORIZED");
    }
    expect(await joinCode(onB, round.id, { adminToken: "wrong-token" })).toBe("RATE_LIMITED");
    expect(await joinCode(onA, round.id, { adminToken: backends.adminToken })).toBe("RATE_LIMITED");
    expectRateLimited(await session(apiB, ip, backends.adminToken));
    // A socket from another address joins as the organiser.
    expect(
      await joinCode(await socketFrom(backends.urls[0] as string, freshIp()), round.id, {
        adminToken: backends.adminToken,
      }),
    ).toBe("ok");
  });

  it("throttles wrong screen keys (HTTP and sockets) with the same limiter", async () => {
    const ip = freshIp();
    const round = await apiA.createOpenRound(smallRound(2));
    const keyRes = await apiA.admin<ScreenKeyResponse>("GET", `/api/rounds/${round.id}/screen-key`);
    expectStatus(keyRes, 200);
    const key = keyRes.body.screenKey;
    const boardAs = (api: Api, screenKey: string) =>
      api.request("GET", `/api/rounds/${round.id}/leaderboard`, {
        headers: { "x-forwarded-for": ip, "x-screen-key": screenKey },
      });
    const socket = await socketFrom(backends.urls[1] as string, ip);
    expectError(await boardAs(apiA, "wrong-key"), "INVALID_SCREEN_KEY");
    expectError(await boardAs(apiB, "wrong-key"), "INVALID_SCREEN_KEY");
    for (let i = 0; i < LIMIT - 2; i++) {
      expect(await joinCode(socket, round.id, { view: "screen", screenKey: "wrong-key" })).toBe("INVALID_SCREEN_KEY");
    }
    expect(await joinCode(socket, round.id, { view: "screen", screenKey: "wrong-key" })).toBe("RATE_LIMITED");
    expect(await joinCode(socket, round.id, { view: "screen", screenKey: key })).toBe("RATE_LIMITED");
    expectRateLimited(await boardAs(apiA, key));
    // Viewers who present no secret are not affected.
    expect(await joinCode(socket, round.id, {})).toBe("ok");
    expectStatus(
      await apiA.request("GET", `/api/rounds/${round.id}/leaderboard`, { headers: { "x-forwarded-for": ip } }),
      200,
    );
  });
});
