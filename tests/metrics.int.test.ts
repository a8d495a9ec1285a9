import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { Agent } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { createLogger, createRedisClient, createServer, DEFAULT_VOTER_LIMITS, defaultServerConfig } from "@lb/backend";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMain, type WatchedProcess } from "./faults/redis-support.js";
import { type Backends, mainRedisEnv, redisTarget, startBackends } from "./support/backend.js";
import { Api, createAgent, expectError, expectStatus, type HttpResponse } from "./support/http.js";
import { smallRound } from "./support/rounds.js";
import { type BoardSocket, connectSocket, joinBoard, waitFor } from "./support/wait.js";

/**
 * Operating it (issue 9): a known load is sent to a backend, then `/metrics` is scraped and every counter must
 * equal what was sent. Also: the endpoint's token, request ids, the Grafana dashboard's metric names, and
 * WORKERS=2 answering one aggregate whichever worker takes the scrape.
 */

const METRICS_TOKEN = "metrics-token-for-tests-0123456789";
const DASHBOARD = fileURLToPath(new URL("../infra/grafana/leaderboard.json", import.meta.url));

/** One sample of the Prometheus text format: `name{labels} value`. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
      labels[key as string] = value as string;
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The value of the one sample with this name and these labels (0 when absent: a counter never incremented). */
function sampleValue(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter(
    (sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
  if (found.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} matches ${found.length} samples`);
  return found[0]?.value ?? 0;
}

async function scrape(api: Api): Promise<{ res: HttpResponse; samples: Sample[] }> {
  const res = await api.request("GET", "/metrics", { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  expectStatus(res, 200);
  expect(String(res.headers["content-type"])).toMatch(/^text\/plain; version=0\.0\.4/);
  return { res, samples: parseMetrics(String(res.text)) };
}

describe("/metrics on one backend after a known load", () => {
  let backends: Backends;
  let api: Api;
  const sockets: BoardSocket[] = [];

  beforeAll(async () => {
    backends = await startBackends(1, { metricsToken: METRICS_TOKEN, trustProxy: true, adminAuthFailuresPerMinute: 3 });
    api = backends.api;
  });

  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await backends?.close();
  });

  it("is refused without the metrics token (401), with the admin token, and with a wrong one", async () => {
    expectError(await api.request("GET", "/metrics"), "UNAUTHORIZED");
    expectError(
      await api.request("GET", "/metrics", { headers: { authorization: `Bearer ${backends.adminToken}` } }),
      "UNAUTHORIZED",
    );
    expectError(await api.request("GET", "/metrics", { headers: { authorization: "Bearer nope" } }), "UNAUTHORIZED");
    await scrape(api);
  });

  it("counts accepted and refused ballots by code, their latency, sockets by page, ticks, Redis and limiter hits", async () => {
    const round = await api.createOpenRound(smallRound(4, { minChoices: 1, maxChoices: 2 }));
    // Sockets: two boards, one vote page, one that has not joined anything.
    for (const view of ["board", "board", "vote"] as const) {
      const socket = await connectSocket(backends.urls[0] as string);
      sockets.push(socket);
      await joinBoard(socket, round.id, { view });
    }
    sockets.push(await connectSocket(backends.urls[0] as string));
    const boardUpdated = waitFor(sockets[0] as BoardSocket, "leaderboard:updated");

    const ACCEPTED = 12;
    const voters = await api.newVoters(ACCEPTED);
    for (const [index, voter] of voters.entries())
      await api.vote(round.id, voter, [String((index % 4) + 1)], `k-${index}`);
    // Idempotent replays are answered 201 with the first receipt: they count as accepted (README, "Operating it").
    const REPLAYS = 2;
    for (let index = 0; index < REPLAYS; index++) {
      await api.vote(round.id, voters[index] as string, [String((index % 4) + 1)], `k-${index}`);
    }
    // Voters who have not voted: a refused ballot does not use up a voter, so one serves every refusal below.
    const [spare] = await api.newVoters(1);
    const refused: Record<string, () => Promise<HttpResponse>> = {
      ALREADY_VOTED: () => api.castBallot(round.id, voters[0], ["2"], "another-key"),
      UNKNOWN_OPTION: () => api.castBallot(round.id, spare, ["99"], "k-x"),
      INVALID_VOTER_TOKEN: () => api.castBallot(round.id, "not-a-token", ["1"], "k-y"),
      TOO_MANY_CHOICES: () => api.castBallot(round.id, spare, ["1", "2", "3"], "k-z"),
      ROUND_NOT_FOUND: () => api.castBallot(`${round.id}-missing`, spare, ["1"], "k-w"),
      // Not JSON: the fast path hands it to Express, which answers it; counted once all the same.
      INVALID_BODY: () =>
        api.request("POST", `/api/rounds/${round.id}/ballots`, {
          raw: "{not json",
          headers: { "content-type": "application/json", "x-voter-token": spare as string },
        }),
    };
    const REFUSED_EACH: Record<string, number> = { ALREADY_VOTED: 3, UNKNOWN_OPTION: 2, INVALID_VOTER_TOKEN: 2 };
    let refusedTotal = 0;
    for (const [code, send] of Object.entries(refused)) {
      for (let index = 0; index < (REFUSED_EACH[code] ?? 1); index++) {
        expectError(await send(), code as never);
        refusedTotal += 1;
      }
    }

    // Limiter: the admin throttle lets 3 wrong tokens a minute through (as 401) from one address, then 429s.
    const ip = "203.0.113.77";
    for (let index = 0; index < 5; index++) {
      const res = await api.request("GET", "/api/rounds", {
        headers: { "x-forwarded-for": ip, authorization: "Bearer wrong-admin-token" },
      });
      expectError(res, index < 3 ? "UNAUTHORIZED" : "RATE_LIMITED");
    }

    // A tick has sent the ballots to the boards: ticks were timed.
    await boardUpdated;
    const { samples } = await scrape(api);

    expect(sampleValue(samples, "lb_ballots_accepted_total")).toBe(ACCEPTED + REPLAYS);
    const refusedCodes = samples.filter((sample) => sample.name === "lb_ballots_refused_total");
    expect(Object.fromEntries(refusedCodes.map((sample) => [sample.labels.code, sample.value]))).toEqual(
      Object.fromEntries(Object.keys(refused).map((code) => [code, REFUSED_EACH[code] ?? 1])),
    );
    expect(sampleValue(samples, "lb_ballot_duration_seconds_count", { outcome: "accepted" })).toBe(ACCEPTED + REPLAYS);
    expect(sampleValue(samples, "lb_ballot_duration_seconds_count", { outcome: "refused" })).toBe(refusedTotal);
    expect(sampleValue(samples, "lb_ballot_duration_seconds_bucket", { outcome: "accepted", le: "+Inf" })).toBe(
      ACCEPTED + REPLAYS,
    );

    expect(sampleValue(samples, "lb_sockets", { page: "board" })).toBe(2);
    expect(sampleValue(samples, "lb_sockets", { page: "vote" })).toBe(1);
    expect(sampleValue(samples, "lb_sockets", { page: "screen" })).toBe(0);
    expect(sampleValue(samples, "lb_sockets", { page: "none" })).toBe(1);

    expect(sampleValue(samples, "lb_live_tick_duration_seconds_count")).toBeGreaterThan(0);
    expect(sampleValue(samples, "lb_live_tick_drift_seconds_count")).toBe(
      sampleValue(samples, "lb_live_tick_duration_seconds_count"),
    );

    // Every ballot ran the ballot script (EVALSHA, or EVAL when Redis lost it).
    const scripts =
      sampleValue(samples, "lb_redis_command_duration_seconds_count", { command: "evalsha" }) +
      sampleValue(samples, "lb_redis_command_duration_seconds_count", { command: "eval" });
    expect(scripts).toBeGreaterThan(0);
    expect(sampleValue(samples, "lb_redis_reconnects_total")).toBe(0);

    expect(sampleValue(samples, "lb_limiter_hits_total", { limiter: "auth", outcome: "refused" })).toBe(2);
    // Process metrics are on where metrics are served.
    expect(sampleValue(samples, "process_cpu_user_seconds_total")).toBeGreaterThan(0);
  });

  it("counts a reconnect of the backend's Redis client", async () => {
    const redis = backends.backends[0]?.redis;
    if (!redis) throw new Error("no backend");
    const ready = new Promise((resolve) => redis.once("ready", resolve));
    // Drops the connection; ioredis reconnects by itself, as after a network cut.
    redis.disconnect(true);
    await ready;
    expect(sampleValue((await scrape(api)).samples, "lb_redis_reconnects_total")).toBe(1);
  });

  it("gives every answer a request id: a well-formed incoming one is kept, anything else replaced", async () => {
    const kept = await api.request("GET", "/healthz", { headers: { "x-request-id": "lb-7f3a.9:trace-01" } });
    expect(kept.headers["x-request-id"]).toBe("lb-7f3a.9:trace-01");
    for (const bad of ["has space", "a".repeat(65), "<script>", ""]) {
      const res = await api.request("GET", "/healthz", { headers: { "x-request-id": bad } });
      expect(res.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    }
    const first = await api.request("GET", "/api/nothing-here");
    const second = await api.request("GET", "/api/nothing-here");
    expect(first.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.headers["x-request-id"]).not.toBe(second.headers["x-request-id"]);
  });

  it("the Grafana dashboard is valid JSON and plots only metrics this registry has", async () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, "utf8")) as { panels: { targets?: { expr: string }[] }[] };
    const exprs = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr));
    expect(exprs.length).toBeGreaterThan(8);
    const text = String((await scrape(api)).res.text);
    const known = new Set([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((match) => match[1] as string));
    const series = (name: string) => known.has(name) || known.has(name.replace(/_(bucket|sum|count)$/, ""));
    const used = new Set(
      exprs.flatMap((expr) => [...expr.matchAll(/\b((?:lb|process|nodejs)_[a-z0-9_]+)\b/g)].map((m) => m[1] as string)),
    );
    expect(used.size).toBeGreaterThan(8);
    expect([...used].filter((name) => !series(name))).toEqual([]);
  });
});

describe("request logs", () => {
  it("at debug, one line per request with its id, path without the query, status and code; no voter identity", async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split("\n")) if (line) lines.push(JSON.parse(line));
        done();
      },
    });
    const redis = createRedisClient(redisTarget(), () => {});
    const config = defaultServerConfig({ adminToken: "admin-token-for-logs-0123", voterTokenSecret: "s".repeat(40) });
    const server = createServer({ config, redis, logger: createLogger("debug", sink) });
    try {
      await new Promise<void>((resolve) => server.httpServer.listen(0, "127.0.0.1", resolve));
      const { port } = server.httpServer.address() as AddressInfo;
      const api = new Api(`http://127.0.0.1:${port}`, config.adminToken, createAgent());
      const round = await api.createOpenRound(smallRound(3, { minChoices: 1, maxChoices: 1 }));
      const voter = await api.newVoter();
      const ballot = await api.request("POST", `/api/rounds/${round.id}/ballots?ticket=ABCD-EFGH-JKLM`, {
        json: { choices: ["1"] },
        headers: { "x-voter-token": voter, "x-request-id": "lb-log-test-1" },
      });
      expectStatus(ballot, 201);
      const again = await api.request("POST", `/api/rounds/${round.id}/ballots`, {
        json: { choices: ["2"] },
        headers: { "x-voter-token": voter },
      });
      expectError(again, "ALREADY_VOTED");
      await expect.poll(() => lines.filter((line) => line.msg === "request").length).toBeGreaterThanOrEqual(5);
      const ballotLines = lines.filter((line) => line.path === `/api/rounds/${round.id}/ballots`);
      expect(ballotLines).toEqual([
        expect.objectContaining({ level: "debug", reqId: "lb-log-test-1", method: "POST", status: 201 }),
        expect.objectContaining({ reqId: again.headers["x-request-id"], status: 409, code: "ALREADY_VOTED" }),
      ]);
      const text = JSON.stringify(lines);
      expect(text).not.toContain(voter);
      expect(text).not.toContain("ABCD-EFGH-JKLM");
      expect(text).not.toContain("127.0.0.1");
      api.agent.destroy();
    } finally {
      await server.close();
      await redis.quit();
    }
  });
});

describe("/metrics: voter limits", () => {
  it("counts requests challenged past the soft limit, for new voter tokens and for ballots", async () => {
    // Soft rate 0: every request from an address must solve a challenge (428 CHALLENGE_REQUIRED).
    const backends = await startBackends(1, {
      metricsToken: METRICS_TOKEN,
      trustProxy: true,
      voterLimits: { ...DEFAULT_VOTER_LIMITS, enabled: true, softRate: 0, softBurst: 0 },
    });
    try {
      const { api } = backends;
      const round = await api.createOpenRound(smallRound(3, { minChoices: 1, maxChoices: 1 }));
      const from = { "x-forwarded-for": "198.51.100.23" };
      for (let index = 0; index < 3; index++) {
        expectError(await api.request("POST", "/api/voters", { headers: from }), "CHALLENGE_REQUIRED");
      }
      for (let index = 0; index < 2; index++) {
        const res = await api.request("POST", `/api/rounds/${round.id}/ballots`, {
          json: { choices: ["1"] },
          headers: { ...from, "x-voter-token": "whatever" },
        });
        expectError(res, "CHALLENGE_REQUIRED");
      }
      const { samples } = await scrape(api);
      expect(sampleValue(samples, "lb_limiter_hits_total", { limiter: "mint", outcome: "challenged" })).toBe(3);
      expect(sampleValue(samples, "lb_limiter_hits_total", { limiter: "ballot", outcome: "challenged" })).toBe(2);
      expect(sampleValue(samples, "lb_ballots_refused_total", { code: "CHALLENGE_REQUIRED" })).toBe(2);
    } finally {
      await backends.close();
    }
  });
});

describe("/metrics without METRICS_TOKEN", () => {
  it("is off: 404 NOT_FOUND, whatever the token", async () => {
    const backends = await startBackends(1, { voterLimits: { ...DEFAULT_VOTER_LIMITS, enabled: false } });
    try {
      expectError(await backends.api.request("GET", "/metrics"), "NOT_FOUND");
      expectError(
        await backends.api.request("GET", "/metrics", { headers: { authorization: `Bearer ${METRICS_TOKEN}` } }),
        "NOT_FOUND",
      );
    } finally {
      await backends.close();
    }
  });
});

describe.runIf(process.platform === "linux")("/metrics with WORKERS=2", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "lb-metrics-"));
  let main: WatchedProcess | undefined;

  afterAll(() => {
    main?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers every worker's ballots summed, whichever worker takes the scrape", async () => {
    main = startMain({ DATA_DIR: dir, WORKERS: "2", VOTER_LIMITS: "off", METRICS_TOKEN, ...mainRedisEnv() });
    const listening = await main.waitForLine(/^listening on (http:\/\/\S+) \(2 worker processes\)$/);
    const token = (await main.waitForLine(/admin token: +(\S+)/))[1] as string;
    // A new connection per request: the primary hands connections to the workers in turn.
    const api = new Api(listening[1] as string, token, new Agent({ keepAlive: false }));
    const round = await api.createOpenRound(smallRound(3, { minChoices: 1, maxChoices: 1 }));
    const BALLOTS = 10;
    for (const [index, voter] of (await api.newVoters(BALLOTS)).entries()) {
      await api.vote(round.id, voter, [String((index % 3) + 1)]);
    }
    expectError(await api.castBallot(round.id, "not-a-token", ["1"]), "INVALID_VOTER_TOKEN");
    for (let index = 0; index < 4; index++) {
      const { samples } = await scrape(api);
      expect(sampleValue(samples, "lb_ballots_accepted_total")).toBe(BALLOTS);
      expect(sampleValue(samples, "lb_ballots_refused_total", { code: "INVALID_VOTER_TOKEN" })).toBe(1);
    }
    main.child.kill("SIGTERM");
    expect((await main.exited).code).toBe(0);
  }, 90_000);
});
