import { connect } from "node:net";
import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Backends, startBackends } from "./support/backend.js";
import { FRONTEND_DIST } from "./support/browser.js";
import { expectError, expectStatus } from "./support/http.js";
import { smallRound } from "./support/rounds.js";

/**
 * Requests that are broken on the wire are the client's fault: 400 `MALFORMED_REQUEST` (415 for an encoding we
 * do not speak), never a 500, and never a stack trace in the log (a client can send as many as it likes).
 */
describe("malformed requests", () => {
  const logged: { message: string; error: unknown }[] = [];
  let backends: Backends;
  let roundId: string;
  let voter: string;

  beforeAll(async () => {
    backends = await startBackends(
      1,
      { staticDir: FRONTEND_DIST },
      { log: (message, error) => logged.push({ message, error }) },
    );
    roundId = (await backends.api.createOpenRound(smallRound(3))).id;
    voter = await backends.api.newVoter();
  });
  afterAll(async () => {
    await backends?.close();
  });
  beforeEach(() => {
    logged.length = 0;
  });

  const expectNothingLogged = () => {
    expect(
      logged.map(({ message, error }) => `${message}: ${error instanceof Error ? error.stack : String(error)}`),
    ).toEqual([]);
  };

  it.each([
    "/api/rounds/%E0%A4%A/leaderboard",
    "/api/rounds/%ff",
    "/api/rounds/%E0%A4%A/ballots",
    "/r/%ff",
    "/r/%E0%A4%A/board",
    "/assets/%E0%A4%A.js",
  ])("GET %s (bad percent-encoding) is 400 MALFORMED_REQUEST", async (path) => {
    const res = await backends.api.get(path);
    expectError(res, "MALFORMED_REQUEST");
    expect((res.body as { error: { message: string } }).error.message).toMatch(/percent-encoding/);
    expectNothingLogged();
  });

  it("a ballot to a badly encoded round path is 400 as well", async () => {
    const res = await backends.api.request("POST", "/api/rounds/%E0%A4%A/ballots", {
      json: { choices: ["1"] },
      headers: { "x-voter-token": voter },
    });
    expectError(res, "MALFORMED_REQUEST");
    expectNothingLogged();
  });

  const plain = JSON.stringify({ choices: ["1"] });
  const encodings: [string, (input: Buffer) => Buffer][] = [
    ["gzip", gzipSync],
    ["deflate", deflateSync],
    ["br", brotliCompressSync],
  ];

  it.each(encodings)("Content-Encoding: %s on a body that is not compressed is 400 MALFORMED_REQUEST", async (name) => {
    for (const [method, path, headers] of [
      ["POST", `/api/rounds/${roundId}/ballots`, { "x-voter-token": voter }],
      ["POST", "/api/rounds", { authorization: `Bearer ${backends.adminToken}` }],
      ["PATCH", `/api/rounds/${roundId}`, { authorization: `Bearer ${backends.adminToken}` }],
    ] as const) {
      const res = await backends.api.request(method, path, {
        raw: plain,
        headers: { ...headers, "content-type": "application/json", "content-encoding": name },
      });
      expectError(res, "MALFORMED_REQUEST");
      expect((res.body as { error: { message: string } }).error.message).toMatch(/Content-Encoding/);
    }
    expectNothingLogged();
  });

  it.each(encodings)("a truncated %s body is 400 MALFORMED_REQUEST", async (name, compress) => {
    const whole = compress(Buffer.from(JSON.stringify({ choices: ["1"], idempotencyKey: "x".repeat(100) })));
    const res = await backends.api.request("POST", `/api/rounds/${roundId}/ballots`, {
      raw: whole.subarray(0, Math.floor(whole.length / 2)),
      headers: { "x-voter-token": voter, "content-type": "application/json", "content-encoding": name },
    });
    expectError(res, "MALFORMED_REQUEST");
    expectNothingLogged();
  });

  it("a body compressed as its Content-Encoding says is read (the control case)", async () => {
    const [gzipVoter, brVoter] = await backends.api.newVoters(2);
    for (const [token, name, compress] of [
      [gzipVoter, "gzip", gzipSync],
      [brVoter, "br", brotliCompressSync],
    ] as const) {
      const res = await backends.api.request("POST", `/api/rounds/${roundId}/ballots`, {
        raw: compress(Buffer.from(plain)),
        headers: { "x-voter-token": token ?? "", "content-type": "application/json", "content-encoding": name },
      });
      expectStatus(res, 201);
    }
  });

  it("a Content-Encoding we do not decode is 415 UNSUPPORTED_MEDIA_TYPE", async () => {
    const res = await backends.api.request("POST", `/api/rounds/${roundId}/ballots`, {
      raw: plain,
      headers: { "x-voter-token": voter, "content-type": "application/json", "content-encoding": "zstd-nope" },
    });
    expectError(res, "UNSUPPORTED_MEDIA_TYPE");
    expectNothingLogged();
  });

  it("a body shorter than its Content-Length, then a hang-up, logs nothing and leaves the server answering", async () => {
    const port = Number(new URL(backends.urls[0] ?? "").port);
    const httpServer = backends.backends[0]?.server.httpServer;
    if (!httpServer) throw new Error("no backend");
    const paths = [`/api/rounds/${roundId}/ballots`, "/api/rounds", `/api/rounds/${roundId}/reset`];
    // The server's side of each request: its `close` is when the hang-up has reached the body parser.
    const closed: Promise<void>[] = [];
    const onRequest = (req: import("node:http").IncomingMessage) => {
      closed.push(new Promise((resolve) => req.once("close", () => resolve())));
    };
    httpServer.on("request", onRequest);
    try {
      for (const path of paths) {
        await new Promise<void>((resolve, reject) => {
          const socket = connect(port, "127.0.0.1", () => {
            socket.write(
              `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
                `Authorization: Bearer ${backends.adminToken}\r\nX-Voter-Token: ${voter}\r\n` +
                'Content-Length: 1000\r\n\r\n{"choices":["1"',
              () => {
                // Half the body is on its way: hang up as a phone that lost its signal does.
                socket.destroy();
                resolve();
              },
            );
          });
          socket.on("error", reject);
        });
      }
      await expect.poll(() => closed.length).toBe(paths.length);
      await Promise.all(closed);
    } finally {
      httpServer.off("request", onRequest);
    }
    // The body parser reports the abort a few callbacks after the request's `close`; a request sent now is
    // answered after those callbacks have run.
    expectStatus(await backends.api.get("/healthz"), 200);
    await new Promise((resolve) => setImmediate(resolve));
    expectNothingLogged();
    expect((await backends.api.leaderboard(roundId)).totalBallots).toBe(2);
  });
});
