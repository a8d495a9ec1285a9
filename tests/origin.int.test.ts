import type { RoundView } from "@lb/common";
import { io } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Backends, startBackends } from "./support/backend.js";
import { type Api, expectError, expectStatus } from "./support/http.js";
import { smallRound, uniqueRoundId } from "./support/rounds.js";
import { type BoardSocket, EVENT_TIMEOUT_MS, joinBoard } from "./support/wait.js";

/** Pages of other sites may not open sockets here nor send state-changing requests that carry the voter cookie. */
const EVIL = "http://evil.example";
const DEV_SERVER = "http://localhost:5173";

let backends: Backends;
let proxied: Backends;
let api: Api;

beforeAll(async () => {
  backends = await startBackends(1, { allowedOrigins: [DEV_SERVER] });
  proxied = await startBackends(1, { trustProxy: true });
  api = backends.api;
});
afterAll(async () => {
  await backends?.close();
  await proxied?.close();
});

describe("state-changing HTTP requests", () => {
  it("refuses POST/PATCH/DELETE from another site's page with 403 ORIGIN_NOT_ALLOWED before any work", async () => {
    const voter = await api.request("POST", "/api/voters", { headers: { origin: EVIL } });
    expectError(voter, "ORIGIN_NOT_ALLOWED");
    expect(voter.headers["set-cookie"]).toBeUndefined();

    // Even with the right admin token: nothing is created.
    const id = uniqueRoundId();
    const created = await api.admin("POST", "/api/rounds", { ...smallRound(2), id }, { origin: EVIL });
    expectError(created, "ORIGIN_NOT_ALLOWED");
    expectError(await api.get(`/api/rounds/${id}`), "ROUND_NOT_FOUND");

    const round = await api.createOpenRound(smallRound(2));
    expectError(
      await api.admin("PATCH", `/api/rounds/${round.id}`, { title: "x" }, { origin: EVIL }),
      "ORIGIN_NOT_ALLOWED",
    );
    expectError(
      await api.admin("DELETE", `/api/rounds/${round.id}`, { confirm: round.id }, { origin: EVIL }),
      "ORIGIN_NOT_ALLOWED",
    );
    const [token] = await api.newVoters(1);
    const ballot = await api.request("POST", `/api/rounds/${round.id}/ballots`, {
      json: { choices: ["1"] },
      headers: { "x-voter-token": token as string, origin: EVIL },
    });
    expectError(ballot, "ORIGIN_NOT_ALLOWED");
    expect((await api.leaderboard(round.id)).totalBallots).toBe(0);
    expect((await api.round(round.id)).title).toBe(round.title);
  });

  it("refuses a request without Origin that the browser marks Sec-Fetch-Site: cross-site", async () => {
    expectError(
      await api.request("POST", "/api/voters", { headers: { "sec-fetch-site": "cross-site" } }),
      "ORIGIN_NOT_ALLOWED",
    );
    expectStatus(await api.request("POST", "/api/voters", { headers: { "sec-fetch-site": "same-origin" } }), 200);
  });

  it("lets in its own origin, ALLOWED_ORIGINS, clients that send no Origin, and reads from anywhere", async () => {
    expectStatus(await api.request("POST", "/api/voters", { headers: { origin: backends.urls[0] as string } }), 200);
    expectStatus(await api.request("POST", "/api/voters", { headers: { origin: DEV_SERVER } }), 200);
    expectStatus(await api.request("POST", "/api/voters"), 200);
    expectStatus(await api.get("/api/rounds", { origin: EVIL }), 200);
    // `Origin: null` (sandboxed frames, file: pages) is no origin we know.
    expectError(await api.request("POST", "/api/voters", { headers: { origin: "null" } }), "ORIGIN_NOT_ALLOWED");
  });

  it("behind a trusted proxy, the own origin is X-Forwarded-Proto + Host", async () => {
    const behind = { host: "vote.example", "x-forwarded-proto": "https" };
    const res = await proxied.api.request("POST", "/api/voters", {
      headers: { ...behind, origin: "https://vote.example" },
    });
    expectStatus(res, 200);
    expectError(
      await proxied.api.request("POST", "/api/voters", { headers: { ...behind, origin: "http://vote.example" } }),
      "ORIGIN_NOT_ALLOWED",
    );
    // Without TRUST_PROXY the forwarded scheme is not believed.
    expectError(
      await api.request("POST", "/api/voters", { headers: { ...behind, origin: "https://vote.example" } }),
      "ORIGIN_NOT_ALLOWED",
    );
  });
});

describe("Socket.IO handshakes", () => {
  /** Connects with an Origin header (as a browser would), resolving with the socket or the connection error. */
  function connectFrom(url: string, origin: string | undefined, transport: "websocket" | "polling") {
    const socket: BoardSocket = io(url, {
      transports: [transport],
      reconnection: false,
      forceNew: true,
      ...(origin ? { extraHeaders: { origin } } : {}),
    });
    return new Promise<{ socket: BoardSocket; error?: Error }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no connect or connect_error")), EVENT_TIMEOUT_MS);
      socket.once("connect", () => {
        clearTimeout(timer);
        resolve({ socket });
      });
      socket.once("connect_error", (error) => {
        clearTimeout(timer);
        socket.disconnect();
        resolve({ socket, error });
      });
    });
  }

  for (const transport of ["websocket", "polling"] as const) {
    it(`refuses another site's origin over ${transport}, lets in its own, allowed ones and none`, async () => {
      const url = backends.urls[0] as string;
      const refused = await connectFrom(url, EVIL, transport);
      expect(refused.error, "a page of evil.example must not connect").toBeDefined();
      for (const origin of [url, DEV_SERVER, undefined]) {
        const { socket, error } = await connectFrom(url, origin, transport);
        try {
          expect(error, `origin ${origin}`).toBeUndefined();
          const round: RoundView = await api.createOpenRound(smallRound(2));
          expect((await joinBoard(socket, round.id)).roundId).toBe(round.id);
        } finally {
          socket.disconnect();
        }
      }
    });
  }
});
