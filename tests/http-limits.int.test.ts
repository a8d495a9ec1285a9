import { once } from "node:events";
import { connect, type Socket } from "node:net";
import { io } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Backends, startBackends } from "./support/backend.js";
import { smallRound } from "./support/rounds.js";
import { type BoardSocket, joinBoard, waitConnected, waitFor } from "./support/wait.js";

/** Short limits, so that a cut is seen within the test's time; the defaults are 10 s / 30 s / 5 s. */
const LIMITS = {
  headersTimeoutMs: 400,
  requestTimeoutMs: 800,
  keepAliveTimeoutMs: 400,
  maxConnections: 10_000,
  maxHeaderBytes: 4096,
};
/** Node's check runs every tenth of the shorter limit here; the cut must come well before the old 80 s / 320 s. */
const CUT_WITHIN_MS = 5_000;

let backends: Backends;
let host: string;
let port: number;

beforeAll(async () => {
  backends = await startBackends(1, { http: LIMITS });
  const url = new URL(backends.urls[0] as string);
  host = url.hostname;
  port = Number(url.port);
});

afterAll(async () => {
  await backends?.close();
});

/** A raw TCP client: what it receives, and when and how the server ended it. */
async function rawClient(first?: string): Promise<{ socket: Socket; received: () => string; closed: Promise<number> }> {
  const socket = connect(port, host);
  await once(socket, "connect");
  const started = Date.now();
  let data = "";
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    data += chunk;
  });
  socket.on("error", () => {}); // a reset is one way of being cut off
  const closed = once(socket, "close").then(() => Date.now() - started);
  if (first !== undefined) socket.write(first);
  return { socket, received: () => data, closed };
}

describe("slow clients are cut off", () => {
  it("half a request line: 408 and closed once the headers time is up", async () => {
    const client = await rawClient("GET /healthz HT");
    const elapsed = await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(elapsed).toBeGreaterThanOrEqual(LIMITS.headersTimeoutMs - 50);
    expect(elapsed).toBeLessThan(CUT_WITHIN_MS);
  });

  it("headers dribbled one at a time never finish: cut at the headers time", async () => {
    const client = await rawClient("GET /healthz HTTP/1.1\r\nHost: x\r\n");
    // Each header line arrives in time for a per-line idle timer; only a limit on the whole head can stop this.
    const timer = setInterval(() => client.socket.write("X-Slow: 1\r\n"), 50);
    try {
      const elapsed = await client.closed;
      expect(client.received()).toMatch(/^HTTP\/1\.1 408 /);
      expect(elapsed).toBeLessThan(CUT_WITHIN_MS);
    } finally {
      clearInterval(timer);
    }
  });

  it("headers and half a body: 408 and closed once the request time is up", async () => {
    const body = JSON.stringify(smallRound(2));
    const client = await rawClient(
      [
        "POST /api/rounds HTTP/1.1",
        "Host: x",
        `Authorization: Bearer ${backends.adminToken}`,
        "Content-Type: application/json",
        `Content-Length: ${body.length}`,
        "",
        body.slice(0, 10),
      ].join("\r\n"),
    );
    const elapsed = await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(elapsed).toBeGreaterThanOrEqual(LIMITS.requestTimeoutMs - 50);
    expect(elapsed).toBeLessThan(CUT_WITHIN_MS);
  });

  it("an idle keep-alive connection is closed after the keep-alive time", async () => {
    const client = await rawClient("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n");
    const elapsed = await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 200 /);
    expect(elapsed).toBeGreaterThanOrEqual(LIMITS.keepAliveTimeoutMs - 50);
    expect(elapsed).toBeLessThan(CUT_WITHIN_MS);
  });

  it("a request head past the header limit gets 431", async () => {
    const client = await rawClient(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(8192)}\r\n\r\n`);
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 431 /);
  });
});

describe("long-lived sockets are not requests in progress", () => {
  it.each([["polling"], ["websocket"]] as const)(
    "a %s Socket.IO client outlives the request time and still gets updates",
    async (transport) => {
      const round = await backends.api.createOpenRound(smallRound(2));
      const socket: BoardSocket = io(backends.urls[0] as string, {
        transports: [transport],
        reconnection: false,
        forceNew: true,
      });
      try {
        await waitConnected(socket);
        let disconnected = false;
        socket.on("disconnect", () => {
          disconnected = true;
        });
        await joinBoard(socket, round.id);
        // A slow client cut off proves that Node's check ran after both limits had passed; the long-polling
        // GET (answered only at Socket.IO's 25 s ping) and the upgraded WebSocket were open all that time.
        const slow = await rawClient("POST /api/rounds HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n{");
        expect(await slow.closed).toBeGreaterThanOrEqual(LIMITS.requestTimeoutMs - 50);
        const [voter] = await backends.api.newVoters(1);
        const update = waitFor(socket, "leaderboard:updated", (event) => event.totalBallots === 1);
        await backends.api.vote(round.id, voter as string, ["1"]);
        await update;
        expect(socket.connected).toBe(true);
        expect(disconnected).toBe(false);
      } finally {
        socket.disconnect();
      }
    },
  );
});

describe("connection cap", () => {
  it("refuses connections past HTTP_MAX_CONNECTIONS and takes new ones once some close", async () => {
    const capped = await startBackends(1, {
      http: {
        ...LIMITS,
        headersTimeoutMs: 30_000,
        requestTimeoutMs: 30_000,
        keepAliveTimeoutMs: 30_000,
        maxConnections: 3,
      },
    });
    const { hostname, port: cappedPort } = new URL(capped.urls[0] as string);
    const server = capped.backends[0]?.server.httpServer;
    const open: Socket[] = [];
    const request = async () => {
      const socket = connect(Number(cappedPort), hostname);
      socket.setEncoding("utf8");
      socket.on("error", () => {});
      open.push(socket);
      await once(socket, "connect");
      socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
      const answer = await Promise.race([
        once(socket, "data").then(([chunk]) => String(chunk)),
        once(socket, "close").then(() => "closed"),
      ]);
      return { socket, answer };
    };
    try {
      for (let i = 0; i < 3; i++) expect((await request()).answer).toMatch(/^HTTP\/1\.1 200 /);
      const dropped = once(server as NonNullable<typeof server>, "drop");
      expect((await request()).answer).toBe("closed");
      await dropped;

      // One of the three leaves: the server has room again once it has seen the close.
      open[0]?.destroy();
      await new Promise<void>((resolve, reject) => {
        const check = () =>
          server?.getConnections((error, count) => {
            if (error) reject(error);
            else if (count < 3) resolve();
            else setImmediate(check);
          });
        check();
      });
      expect((await request()).answer).toMatch(/^HTTP\/1\.1 200 /);
    } finally {
      for (const socket of open) socket.destroy();
      await capped.close();
    }
  });
});
