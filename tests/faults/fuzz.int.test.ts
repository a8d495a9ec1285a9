import { Agent, request } from "node:http";
import { type RedisClient, scanKeys } from "@lb/backend";
import { ERROR_STATUS, isErrorCode } from "@lb/common";
import { io, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Backends, startBackends, testRedisClient } from "../support/backend.js";
import { FRONTEND_DIST } from "../support/browser.js";
import { seededRandom, smallRound } from "../support/rounds.js";
import { type AppRoute, appRoutes, routeName } from "../support/routes.js";
import { type Credentials, chance, type HttpCase, httpCase, pick, type Random, socketPayload } from "./fuzz-cases.js";
import { envNumber } from "./profile.js";

/** HTTP requests per run (`FUZZ_CASES`); socket events are a tenth of that. */
const CASES = envNumber("FUZZ_CASES", 2_000);
/** A request or an ack that takes longer than this is a hang. */
const DEADLINE_MS = envNumber("FUZZ_DEADLINE_MS", 5_000);
const SEED = envNumber("FUZZ_SEED", 1 + Math.floor(Math.random() * 2 ** 31));
const CONCURRENCY = 8;
/** Slow bodies per phase: each sent in pieces with pauses. */
const SLOW_BODIES = 3;
const SLOW_PIECE_PAUSE_MS = 40;
/** The socket server's message limit (backend/src/server.ts); bigger messages close the connection, by design. */
const SOCKET_MAX_MESSAGE_BYTES = 16 * 1024;

interface Answer {
  status: number;
  contentType: string;
  text: string;
}

/** One raw request (the path goes out as is: no URL normalisation), failing after the deadline. */
function send(agent: Agent, port: number, testCase: HttpCase): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...testCase.headers };
    if (testCase.body) headers["content-length"] = String(testCase.body.length);
    let timer: NodeJS.Timeout | undefined;
    const req = request(
      { agent, host: "127.0.0.1", port, method: testCase.method, path: testCase.path, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () => {
          clearTimeout(timer);
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers["content-type"] ?? ""),
            text: Buffer.concat(chunks).toString("utf8"),
          });
        });
      },
    );
    const armDeadline = () => {
      timer = setTimeout(() => {
        req.destroy(new Error(`no answer within ${DEADLINE_MS} ms`));
      }, DEADLINE_MS);
    };
    req.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    const body = testCase.body;
    if (!body || !testCase.slow) {
      armDeadline();
      req.end(body);
      return;
    }
    // A slow phone: the body in five pieces; the deadline runs from the last one.
    void (async () => {
      const size = Math.ceil(body.length / 5);
      for (let at = 0; at < body.length; at += size) {
        req.write(body.subarray(at, at + size));
        await new Promise((resume) => setTimeout(resume, SLOW_PIECE_PAUSE_MS));
      }
      armDeadline();
      req.end();
    })();
  });
}

function describeCase(testCase: HttpCase): string {
  const headers = Object.entries(testCase.headers)
    .map(([name, value]) => `${name}: ${value.slice(0, 60)}`)
    .join(", ");
  const body = testCase.body ? ` body(${testCase.body.length}) ${testCase.body.toString("utf8", 0, 120)}` : "";
  return `${testCase.method} ${testCase.path.slice(0, 200)} [${headers}]${body}`;
}

/** What an answer may be: anything below 500; an API error is `{ error: { code, message } }` with its status. */
function problemWith(testCase: HttpCase, answer: Answer): string | undefined {
  if (answer.status >= 500) return `HTTP ${answer.status} ${answer.text.slice(0, 200)}`;
  if (answer.status >= 400 && /^\/api\//.test(testCase.path) && answer.contentType.startsWith("application/json")) {
    let code: unknown;
    try {
      code = (JSON.parse(answer.text) as { error?: { code?: unknown } }).error?.code;
    } catch {
      return `HTTP ${answer.status} with a JSON type and a body that is not JSON`;
    }
    if (!isErrorCode(code)) return `HTTP ${answer.status} with an unknown error code ${String(code)}`;
    if (ERROR_STATUS[code] !== answer.status) return `HTTP ${answer.status} for ${code} (${ERROR_STATUS[code]})`;
  }
  return undefined;
}

/**
 * Keys of a round that move without a valid token by design: sockets' presence counts, and refused ballots
 * counted by reason for the organiser's panel (a refusal is not a change of the round).
 */
const MOVED_BY_DESIGN = /:(presence|e:\d+:(rejected|minted|integrity))$/;

/** Every key of a round with its contents, but for the counters that refusals and sockets move by design. */
async function snapshotRound(redis: RedisClient, roundId: string): Promise<Record<string, unknown>> {
  const keys = await scanKeys(redis, `lb:{round:${roundId}}:*`);
  const snapshot: Record<string, unknown> = {};
  for (const key of keys.filter((key) => !MOVED_BY_DESIGN.test(key)).sort()) {
    const type = await redis.type(key);
    if (type === "hash") snapshot[key] = await redis.hgetall(key);
    else if (type === "zset") snapshot[key] = await redis.zrange(key, 0, -1, "WITHSCORES");
    else if (type === "stream") snapshot[key] = await redis.xrange(key, "-", "+");
    else if (type === "string") snapshot[key] = await redis.get(key);
    else if (type === "set") snapshot[key] = (await redis.smembers(key)).sort();
    else if (type === "list") snapshot[key] = await redis.lrange(key, 0, -1);
    else snapshot[key] = type;
  }
  return snapshot;
}

type UntypedSocket = Socket;

describe("fuzzing every route and socket event", () => {
  const logged: string[] = [];
  let backends: Backends;
  let redis: RedisClient;
  let routes: AppRoute[];
  let roundIds: string[];
  let port: number;
  let validVoter: string;
  let agent: Agent;

  beforeAll(async () => {
    console.log(`[fuzz] seed ${SEED}, ${CASES} requests (FUZZ_SEED, FUZZ_CASES to replay or run longer)`);
    backends = await startBackends(
      1,
      { staticDir: FRONTEND_DIST },
      { log: (message, error) => logged.push(`${message}: ${error instanceof Error ? error.stack : String(error)}`) },
    );
    const { api } = backends;
    redis = testRedisClient();
    const open = await api.createOpenRound(smallRound(5, { minChoices: 1, maxChoices: 3 }), "fz");
    const draft = await api.createRound(smallRound(3), "fz");
    const closed = await api.createOpenRound(smallRound(2), "fz");
    await api.vote(closed.id, await api.newVoter(), ["1"]);
    await api.transition(closed.id, "close");
    roundIds = [open.id, draft.id, closed.id];
    validVoter = await api.newVoter();
    const server = backends.backends[0]?.server;
    if (!server) throw new Error("no backend");
    routes = appRoutes(server.app);
    console.log(`[fuzz] routes: ${routes.map(routeName).join(", ")}`);
    port = Number(new URL(backends.urls[0] ?? "").port);
    agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY, timeout: 4_000 });
  });
  afterAll(async () => {
    agent?.destroy();
    await backends?.close();
    await redis?.quit();
  });

  /** Runs `count` generated requests, CONCURRENCY at a time; returns the problems found. */
  async function fuzzHttp(random: Random, count: number, credentials: Credentials): Promise<string[]> {
    const cases = Array.from({ length: count }, (_, n) =>
      httpCase(random, pick(random, routes), { roundIds, credentials, seed: SEED, n }),
    );
    // A few slow phones among them, on the routes that read a body.
    const bodyRoutes = routes.filter((route) => route.method !== "GET");
    for (let i = 0; i < SLOW_BODIES && bodyRoutes.length > 0; i++) {
      const slow = httpCase(random, pick(random, bodyRoutes), { roundIds, credentials, seed: SEED, n: count + i });
      if (slow.body) cases.push({ ...slow, slow: true });
    }
    const problems: string[] = [];
    const statuses = new Map<number, number>();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = next++; i < cases.length; i = next++) {
          const testCase = cases[i] as HttpCase;
          try {
            const answer = await send(agent, port, testCase);
            statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
            const problem = problemWith(testCase, answer);
            if (problem) problems.push(`${problem} ← ${describeCase(testCase)}`);
          } catch (error) {
            // A server that closes the connection on purpose answers first (431, 413); a reset is a failure.
            problems.push(`${error instanceof Error ? error.message : String(error)} ← ${describeCase(testCase)}`);
          }
        }
      }),
    );
    const histogram = [...statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`);
    console.log(`[fuzz] ${cases.length} requests: ${histogram.join(" ")}`);
    return problems;
  }

  /** Sockets with junk handshakes send junk `board:join`/`board:leave` events; every ack must come, and none INTERNAL. */
  async function fuzzSockets(
    random: Random,
    count: number,
    adminTokens: (string | undefined)[],
    voterTokens: (string | undefined)[],
  ) {
    const problems: string[] = [];
    const base = backends.urls[0] ?? "";
    const outcomes = new Map<string, number>();
    const count1 = (outcome: string) => outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    let sent = 0;
    while (sent < count) {
      const voterToken = pick(random, voterTokens);
      const auth = pick(random, [undefined, { voterToken }, { voterToken: 123 }, { voterToken: "v".repeat(5_000) }]);
      const socket: UntypedSocket = io(base, {
        transports: ["websocket"],
        reconnection: false,
        forceNew: true,
        ...(auth ? { auth: auth as Record<string, unknown> } : {}),
        ...(chance(random, 0.2) ? { extraHeaders: { cookie: "lb_voter=%ff; lb_voter=junk" } } : {}),
      });
      try {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error("socket did not connect")), DEADLINE_MS);
          socket.once("connect", () => {
            clearTimeout(timer);
            resolve();
          });
          socket.once("connect_error", (error) => {
            clearTimeout(timer);
            reject(error);
          });
        });
      } catch (error) {
        problems.push(`socket handshake ${JSON.stringify(auth)?.slice(0, 100)}: ${String(error)}`);
        socket.disconnect();
        sent += 1;
        continue;
      }
      for (let i = 0; i < 10 && sent < count && socket.connected; i++, sent++) {
        const event = pick(random, ["board:join", "board:join", "board:leave", "board:unknown"]);
        const payload = socketPayload(random, roundIds, adminTokens);
        const size = Buffer.byteLength(JSON.stringify(payload) ?? "");
        const label = `${event} ${JSON.stringify(payload)?.slice(0, 120)}`;
        const mode = random();
        if (mode < 0.1) {
          // Raw Socket.IO packets the parser cannot read: the server drops the connection, nothing more.
          socket.io.engine.write(
            pick(random, ['2["board:join"', "2[", '2{"a":1}', "9", '2["board:join",{"roundId":1}]x']),
          );
          continue;
        }
        if (mode < 0.3 || event !== "board:join" || size > SOCKET_MAX_MESSAGE_BYTES) {
          // No ack (or a message the server refuses by size): the server must answer nothing and carry on.
          socket.emit(event, payload);
          continue;
        }
        try {
          // Now and then an ack with no payload before it: the callback is the only argument.
          const withAck = socket.timeout(DEADLINE_MS);
          const ack = (await (chance(random, 0.05)
            ? withAck.emitWithAck(event)
            : withAck.emitWithAck(event, payload))) as {
            ok?: unknown;
            error?: { code?: unknown };
          };
          const code = ack?.error?.code;
          count1(ack?.ok === undefined ? String(code) : "ok");
          if (ack?.ok === undefined && !isErrorCode(code)) problems.push(`ack ${JSON.stringify(ack)} ← ${label}`);
          if (isErrorCode(code) && ERROR_STATUS[code] >= 500) problems.push(`ack ${code} ← ${label}`);
        } catch {
          if (socket.connected) problems.push(`no ack within ${DEADLINE_MS} ms ← ${label}`);
          else count1("disconnected");
        }
      }
      // Whatever came before, a clean join on this socket (if it is still up) is answered.
      if (socket.connected) {
        try {
          const ack = (await socket.timeout(DEADLINE_MS).emitWithAck("board:join", { roundId: roundIds[0] })) as {
            ok?: unknown;
          };
          if (ack?.ok === undefined) problems.push(`a clean join after junk: ${JSON.stringify(ack).slice(0, 200)}`);
        } catch (error) {
          if (socket.connected) problems.push(`a clean join after junk was not answered: ${String(error)}`);
        }
      }
      socket.disconnect();
    }
    console.log(`[fuzz] ${count} socket events; acks: ${[...outcomes].map(([o, n]) => `${o}×${n}`).join(" ")}`);
    return problems;
  }

  it("without a valid token: no 5xx, no hang, nothing changes in any round", { timeout: 300_000 }, async () => {
    const random = seededRandom(SEED);
    const before = await Promise.all(roundIds.map((id) => snapshotRound(redis, id)));
    const forged = `${validVoter.slice(0, -2)}${validVoter.endsWith("AA") ? "BB" : "AA"}`;
    const credentials: Credentials = {
      authorization: [
        undefined,
        "Bearer wrong-token-wrong-token",
        `Bearer ${backends.adminToken}x`,
        `Basic ${backends.adminToken}`,
        `Bearer ${"t".repeat(6_000)}`,
        "Bearer \u00ff",
      ],
      voterToken: [undefined, undefined, forged, "x", "v".repeat(3_000), "%ff"],
    };
    const problems = await fuzzHttp(random, Math.ceil(CASES * 0.6), credentials);
    problems.push(
      ...(await fuzzSockets(
        random,
        Math.ceil(CASES / 10),
        [undefined, "wrong", `${backends.adminToken}x`],
        [undefined, forged],
      )),
    );
    const after = await Promise.all(roundIds.map((id) => snapshotRound(redis, id)));
    expect(problems, `seed ${SEED}`).toEqual([]);
    expect(after, `seed ${SEED}: a round changed without a valid token`).toEqual(before);
    // No round was made by a fuzzed POST /api/rounds either.
    expect(await redis.keys(`lb:{round:fz-${SEED}-*`)).toEqual([]);
    expect(logged, `seed ${SEED}`).toEqual([]);
    expect((await backends.api.get("/readyz")).status).toBe(200);
  });

  it("with the admin and voter tokens: no 5xx, no hang, the backend still serves", { timeout: 300_000 }, async () => {
    const random = seededRandom(SEED + 1);
    const credentials: Credentials = {
      authorization: [`Bearer ${backends.adminToken}`, `Bearer ${backends.adminToken}`, undefined],
      voterToken: [validVoter, validVoter, undefined],
    };
    const problems = await fuzzHttp(random, Math.ceil(CASES * 0.4), credentials);
    problems.push(
      ...(await fuzzSockets(random, Math.ceil(CASES / 20), [backends.adminToken, undefined], [validVoter])),
    );
    expect(problems, `seed ${SEED}`).toEqual([]);
    expect(logged, `seed ${SEED}`).toEqual([]);
    expect((await backends.api.get("/healthz")).status).toBe(200);
    expect((await backends.api.admin("GET", `/api/rounds/${roundIds[0]}`)).status).toBe(200);
  });
});
