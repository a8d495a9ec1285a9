import { request } from "node:http";
import { gunzipSync } from "node:zlib";
import type { Leaderboard, LeaderboardUpdate } from "@lb/common";
import { applyLeaderboardUpdate } from "@lb/common";
import { io } from "socket.io-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Backends, startBackends } from "./support/backend.js";
import { expectError } from "./support/http.js";
import { smallRound } from "./support/rounds.js";
import { type BoardSocket, connectBoard, record } from "./support/wait.js";

/** ROLE (process-role.ts), the sliced fan-out (LIVE_FANOUT_SLICE) and the compressed audit export. */
let ingest: Backends;
let live: Backends;
const sockets: BoardSocket[] = [];

beforeAll(async () => {
  ingest = await startBackends(1, { role: "ingest" });
  // Same secrets, same Redis: replicas of one service that differ only in ROLE. A slice of 2 sockets per turn
  // makes every update to the 7 sockets below take several turns.
  live = await startBackends(1, {
    role: "live",
    adminToken: ingest.adminToken,
    voterTokenSecret: ingest.config.voterTokenSecret,
    liveFanoutSlice: 2,
  });
});

afterEach(() => {
  for (const socket of sockets.splice(0)) socket.disconnect();
});

afterAll(async () => {
  await live?.close();
  await ingest?.close();
});

describe("ROLE", () => {
  it("ingest takes ballots but refuses socket handshakes; live refuses ballots with 503 UNAVAILABLE", async () => {
    const round = await ingest.api.createOpenRound(smallRound(4));
    const token = await ingest.api.newVoter();
    expectError(await live.api.castBallot(round.id, token, ["1"]), "UNAVAILABLE");
    await ingest.api.vote(round.id, token, ["1"]);

    const refused = io(ingest.urls[0] as string, { transports: ["websocket"], reconnection: false, forceNew: true });
    const error = await new Promise<Error>((resolve) => refused.once("connect_error", resolve));
    refused.disconnect();
    expect(error.message).toMatch(/websocket error|Forbidden/i);
    // The live process serves reads: the ballot sent to ingest is there.
    expect((await live.api.leaderboard(round.id)).totalBallots).toBe(1);
  });

  it("a live process sends, in slices, every update of ballots taken by an ingest process, in order", async () => {
    const round = await ingest.api.createOpenRound(smallRound(5, { minChoices: 1, maxChoices: 3 }));
    const url = live.urls[0] as string;
    const joined = await Promise.all(Array.from({ length: 7 }, () => connectBoard(url, round.id)));
    sockets.push(...joined.map((entry) => entry.socket));
    const recorders = joined.map((entry) => record(entry.socket, "leaderboard:updated"));
    // Every broadcast of the hub goes out as `io.to(<socket ids>)` of at most LIVE_FANOUT_SLICE sockets.
    const { io: server } = live.backends[0]?.server ?? {};
    if (!server) throw new Error("no live server");
    const targets: string[][] = [];
    const to = server.to.bind(server);
    server.to = ((room: string | string[]) => {
      targets.push([room].flat());
      return to(room);
    }) as typeof server.to;

    const tokens = await ingest.api.newVoters(12);
    for (const [index, token] of tokens.entries()) {
      await ingest.api.vote(round.id, token, [String((index % 5) + 1)]);
    }
    const final = await ingest.api.leaderboard(round.id);
    for (const [index, recorder] of recorders.entries()) {
      await recorder.waitFor((update) => update.seq === final.seq);
      let board: Leaderboard = joined[index]?.snapshot as Leaderboard;
      for (const update of recorder.events as LeaderboardUpdate[]) {
        const next = applyLeaderboardUpdate(board, update);
        expect(next, `socket ${index}: update ${update.prevSeq}→${update.seq} applies`).not.toBeNull();
        board = next as Leaderboard;
      }
      expect(board).toEqual(final);
    }
    server.to = to;
    expect(targets.length).toBeGreaterThan(0);
    const connected = server.of("/").sockets;
    for (const ids of targets) {
      expect(ids.length).toBeLessThanOrEqual(2);
      for (const id of ids) expect(connected.has(id), `${id} is a socket, not a room`).toBe(true);
    }
  });
});

describe("audit export", () => {
  it("is gzipped when the client accepts gzip, and unzips to the plain export", async () => {
    const round = await ingest.api.createOpenRound(smallRound(4));
    for (const token of await ingest.api.newVoters(3)) await ingest.api.vote(round.id, token, ["2", "3"]);
    const plain = (await ingest.api.audit(round.id)).text;
    const url = new URL(`/api/rounds/${round.id}/audit`, ingest.urls[0]);
    const { headers, body } = await new Promise<{ headers: Record<string, unknown>; body: Buffer }>(
      (resolve, reject) => {
        const headers = { authorization: `Bearer ${ingest.adminToken}`, "accept-encoding": "gzip" };
        request(url, { headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
          res.on("error", reject);
        })
          .on("error", reject)
          .end();
      },
    );
    expect(headers["content-encoding"]).toBe("gzip");
    expect(String(headers["content-type"])).toMatch(/^application\/x-ndjson\b/);
    expect(gunzipSync(body).toString("utf8")).toBe(plain);
  });
});
