import { randomBytes } from "node:crypto";
import type { BallotReceipt, ClientToServerEvents, Leaderboard, ServerToClientEvents } from "@lb/common";
import { applyLeaderboardUpdate } from "@lb/common";
import { io, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BenchBackend, cleanup, startBackend } from "../bench/bench-support.js";
import { expectCountedExactlyOnce, sendLikeAPhone } from "../faults/ballot-ledger.js";
import { redisUrl } from "../support/backend.js";
import { Api, createAgent } from "../support/http.js";
import { nginxMissing, type RunningNginx, startNginx } from "../support/nginx.js";
import { ballotPlans, smallRound } from "../support/rounds.js";
import { countedUnanswered, startTcpProxy, type TcpProxy } from "../support/tcp-proxy.js";
import { EVENT_TIMEOUT_MS } from "../support/wait.js";

/**
 * infra/nginx.conf.template, rendered as shipped, run by Debian's nginx in front of three real backend processes
 * (`node backend/dist/main.js`) on one Redis. Phones post ballots and screens hold Socket.IO connections through
 * nginx only; the test reads each backend's own /metrics to see who served what.
 */

const BACKENDS = 3;
const BALLOTS = 400;
const IN_FLIGHT = 32;
/** Tries at catching the victim with a ballot counted but not answered, and how long each holds its replies. */
const HOLD_TRIES = 5;
const HOLD_WAIT_MS = 2_000;
const SCREENS = 9;
/** How long the screens may take to show the last ballot after the load (reconnects included). */
const SETTLE_TIMEOUT_MS = 15_000;

type Screen = Socket<ServerToClientEvents, ClientToServerEvents>;

interface Running {
  backend: BenchBackend;
  proxy: TcpProxy;
}

/** Polls `check` every 5 ms until it holds (true) or `timeoutMs` has passed (false). */
async function within(timeoutMs: number, check: () => boolean): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return true;
}

/** The sum of a metric's samples (every label set) in Prometheus text. */
function metricSum(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`))
      sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return sum;
}

/**
 * A projector through nginx: Socket.IO with automatic reconnection, which joins the board on every (re)connect,
 * applies updates on the seq chain (a gap: join again), and writes down every time what it shows goes back.
 */
class Projector {
  readonly socket: Screen;
  board: Leaderboard | undefined;
  readonly backwards: string[] = [];
  connects = 0;
  disconnects = 0;
  gaps = 0;
  /** The Engine.IO session id of each connect, to find its requests in nginx's access log. */
  readonly sessions: string[] = [];
  /** What happened to the screen, with times, for a failure message. */
  readonly trace: string[] = [];
  private readonly waiters = new Set<() => void>();

  constructor(
    url: string,
    readonly roundId: string,
    transports: ("websocket" | "polling")[],
  ) {
    this.socket = io(url, {
      transports,
      // Keeps nginx's lb_route cookie in Node as a browser would (engine.io-client's cookie jar).
      withCredentials: true,
      forceNew: true,
      reconnectionDelay: 50,
      reconnectionDelayMax: 500,
      timeout: EVENT_TIMEOUT_MS,
    });
    this.socket.on("connect", () => {
      this.connects += 1;
      this.trace.push(`${Date.now()} connect ${this.socket.io.engine.id}`);
      this.sessions.push(this.socket.io.engine.id ?? "?");
      void this.join();
    });
    this.socket.on("disconnect", () => {
      this.disconnects += 1;
      this.trace.push(`${Date.now()} disconnect`);
    });
    this.socket.on("leaderboard:updated", (update) => {
      const board = this.board;
      this.trace.push(`${Date.now()} update ${update.prevSeq}->${update.seq} on ${board?.seq}`);
      if (!board || update.seq <= board.seq) return; // joining, or already in the snapshot
      const next = applyLeaderboardUpdate(board, update);
      if (next) this.show(next);
      else {
        this.gaps += 1;
        void this.join();
      }
    });
  }

  private async join(): Promise<void> {
    this.trace.push(`${Date.now()} join sent`);
    const ack = await this.socket
      .timeout(EVENT_TIMEOUT_MS)
      .emitWithAck("board:join", { roundId: this.roundId })
      .catch(() => undefined);
    // A join cut by a disconnect is done again on the next connect.
    this.trace.push(`${Date.now()} join answered ${ack ? ("ok" in ack ? `seq ${ack.ok.seq}` : ack.error.code) : "-"}`);
    if (ack && "ok" in ack) this.show(ack.ok);
  }

  private show(next: Leaderboard): void {
    const before = this.board;
    if (before) {
      if (next.seq < before.seq) this.backwards.push(`seq ${before.seq} → ${next.seq}`);
      if (next.totalBallots < before.totalBallots)
        this.backwards.push(`total ${before.totalBallots} → ${next.totalBallots} (seq ${next.seq})`);
      const old = new Map(before.entries.map((entry) => [entry.optionId, entry.votes]));
      for (const entry of next.entries) {
        if (entry.votes < (old.get(entry.optionId) ?? 0))
          this.backwards.push(`${entry.optionId} ${old.get(entry.optionId)} → ${entry.votes} (seq ${next.seq})`);
      }
    }
    this.board = next;
    for (const waiter of [...this.waiters]) waiter();
  }

  /** Resolves once the board shows `total` ballots (any, joined at all, when undefined); rejects after `timeoutMs`. */
  showsTotal(total: number | undefined, timeoutMs = SETTLE_TIMEOUT_MS): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!this.board || (total !== undefined && this.board.totalBallots !== total)) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(
          new Error(
            `screen shows ${this.board?.totalBallots} ballots, not ${total}, after ${timeoutMs} ms (${this.state()})`,
          ),
        );
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  /** What the screen went through, for a failure message. */
  state(): string {
    const transport = this.socket.io.engine?.transport?.name ?? "none";
    return (
      `seq ${this.board?.seq}, ${this.socket.connected ? "connected" : "not connected"} on ${transport}, ` +
      `${this.gaps} gaps; ${this.trace.slice(-12).join("; ")}`
    );
  }

  close(): void {
    this.socket.disconnect();
  }
}

const missing = nginxMissing();
if (missing) console.warn(`[lb/nginx] skipped: ${missing}`);

describe.skipIf(missing)("nginx in front of three backend processes", () => {
  const agent = createAgent(IN_FLIGHT * 2);
  const secrets = {
    ADMIN_TOKEN: `admin-${randomBytes(16).toString("hex")}`,
    VOTER_TOKEN_SECRET: randomBytes(32).toString("hex"),
    METRICS_TOKEN: `metrics-${randomBytes(16).toString("hex")}`,
    TRUST_PROXY: "true",
    LIVE_TICK_MS: "50",
  };
  const proxies: TcpProxy[] = [];
  const projectors: Projector[] = [];
  const live: Running[] = [];
  let nginx: RunningNginx;
  let api: Api;

  const scrape = async (running: Running) => {
    const res = await fetch(`http://127.0.0.1:${running.backend.port}/metrics`, {
      headers: { authorization: `Bearer ${secrets.METRICS_TOKEN}` },
    });
    expect(res.status).toBe(200);
    return res.text();
  };

  beforeAll(async () => {
    // Each backend reaches Redis through its own proxy, which can hold its replies back before the kill.
    const started = await Promise.all(
      Array.from({ length: BACKENDS }, async () => {
        const proxy = await startTcpProxy(redisUrl());
        proxies.push(proxy);
        return { backend: await startBackend(proxy.url, secrets), proxy };
      }),
    );
    live.push(...started);
    nginx = await startNginx(live.map((running) => `127.0.0.1:${running.backend.port}`));
    api = new Api(nginx.url, secrets.ADMIN_TOKEN, agent);
  }, 60_000);

  afterAll(async () => {
    for (const projector of projectors) projector.close();
    agent.destroy();
    await nginx?.stop();
    // Stops every backend the helper started (SIGTERM, then SIGKILL), killed ones included.
    await cleanup();
    await Promise.all(proxies.map((proxy) => proxy.close()));
  });

  it("serves Socket.IO over WebSocket and over long-polling, sticky by its lb_route cookie", async () => {
    const round = await api.createOpenRound(smallRound(4));
    const option = round.options[0]?.id as string;
    for (const transports of [["websocket"], ["polling"]] as const) {
      const projector = new Projector(nginx.url, round.id, [...transports]);
      projectors.push(projector);
      await projector.showsTotal(undefined, EVENT_TIMEOUT_MS);
      // Long-polling: every poll after the handshake must reach the backend that made the session (a poll
      // elsewhere is refused, "Session ID unknown"), so this update arriving proves the cookie kept it there.
      const total = (projector.board?.totalBallots ?? 0) + 1;
      const voted = projector.showsTotal(total, EVENT_TIMEOUT_MS);
      await api.vote(round.id, await api.newVoter(), [option]);
      await voted;
      expect(projector.socket.io.engine.transport.name).toBe(transports[0]);
      expect(projector.disconnects).toBe(0);
      projector.close();
    }
    // The cookie nginx gives a client that has none: a random 32-hex route key, HttpOnly.
    const res = await api.get("/healthz");
    expect(res.status).toBe(200);
    expect(String(res.headers["set-cookie"])).toMatch(/^lb_route=[0-9a-f]{32}; Path=\/; HttpOnly; SameSite=Lax$/);
    // Prometheus is not reachable through the balancer (each backend is scraped at its own address).
    expect((await api.get("/metrics", { authorization: `Bearer ${secrets.METRICS_TOKEN}` })).status).toBe(404);
  });

  it("a backend killed with kill -9 mid-load: screens move, phones retry, every acknowledged ballot counted once", {
    timeout: 90_000,
  }, async () => {
    const round = await api.createOpenRound(smallRound(6, { minChoices: 1, maxChoices: 3 }));
    const optionIds = round.options.map((option) => option.id);
    const voters = await api.newVoters(BALLOTS);
    const plans = ballotPlans(voters, optionIds, { seed: 9, keyPrefix: "lb", maxChoices: 3 });

    const screens = Array.from(
      { length: SCREENS },
      // Every third screen on long-polling: its session must move to another backend too, by its cookie.
      (_, i) => new Projector(nginx.url, round.id, i % 3 === 2 ? ["polling"] : ["websocket"]),
    );
    projectors.push(...screens);
    await Promise.all(screens.map((screen) => screen.showsTotal(0, EVENT_TIMEOUT_MS)));
    // Screens spread over the backends (each new client gets a random route key): the busiest one dies.
    const socketsPerBackend = () =>
      Promise.all(live.map(async (running) => metricSum(await scrape(running), "lb_sockets")));
    // The first test's sockets are gone once their close packets are read (they were sent before these joined).
    await expect
      .poll(async () => (await socketsPerBackend()).reduce((a, b) => a + b, 0), { timeout: EVENT_TIMEOUT_MS })
      .toBe(SCREENS);
    const socketsOn = await socketsPerBackend();
    expect(socketsOn.filter((count) => count > 0).length, `screens per backend: ${socketsOn}`).toBeGreaterThan(1);
    const victimIndex = socketsOn.indexOf(Math.max(...socketsOn));
    const victim = live[victimIndex] as Running;
    const victimScreens = socketsOn[victimIndex] as number;

    const receipts: BallotReceipt[] = [];
    const failures: string[] = [];
    let retried = 0;
    let unanswered = 0;
    const acceptedBeforeKill: number[] = [];
    // From a third of the load on, the victim's Redis replies are held until Redis has counted a ballot of it
    // that it will never answer (the window where only the idempotency key keeps a retry from counting twice);
    // then kill -9. Only ballots already past the gate's own Redis read when the hold begins get that far, and
    // at a given moment there may be none: then the hold is released and tried again 30 ballots later.
    const tries: Promise<boolean>[] = [];
    let holding = false;
    let killed = false;
    const maybeKill = () => {
      if (killed || holding || tries.length >= HOLD_TRIES) return;
      if (receipts.length < BALLOTS / 3 + tries.length * 30) return;
      holding = true;
      const attempt = (async () => {
        const perBackend = await Promise.all(
          live.map(async (running) => metricSum(await scrape(running), "lb_ballots_accepted_total")),
        );
        const before = countedUnanswered(victim.proxy);
        victim.proxy.holdReplies(true);
        if (!(await within(HOLD_WAIT_MS, () => countedUnanswered(victim.proxy) > before))) {
          victim.proxy.holdReplies(false);
          return false;
        }
        killed = true;
        acceptedBeforeKill.push(...perBackend);
        victim.backend.server.child.kill("SIGKILL");
        expect(await victim.backend.server.stop()).toBe("signal SIGKILL");
        unanswered = countedUnanswered(victim.proxy) - before;
        return true;
      })();
      tries.push(
        attempt.finally(() => {
          holding = false;
        }),
      );
    };

    let next = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        for (let i = next++; i < plans.length; i = next++) {
          const plan = plans[i];
          if (!plan) break;
          // Every try goes through nginx: it answers 503 UNAVAILABLE when the backend died under the request,
          // and the phone sends the same ballot again, as the voter page's outbox does.
          const result = await sendLikeAPhone([api], round.id, plan.token, plan.choices, plan.key);
          if (result.receipt) receipts.push(result.receipt);
          else failures.push(`${plan.key}: ${result.attempts.join(" → ")}`);
          if (result.attempts.length > 1) retried += 1;
          maybeKill();
        }
      }),
    );
    const outcomes = await Promise.all(tries);
    expect(outcomes, "a hold caught a counted ballot on the victim").toContain(true);
    const survivors = live.filter((running) => running !== victim);
    console.log(
      `[lb] ${receipts.length} acknowledged; ballots per backend before the kill: ${acceptedBeforeKill}; ` +
        `${unanswered} counted but never answered by the killed backend (hold ${tries.length} of ${HOLD_TRIES}); ` +
        `${retried} phones sent again; ` +
        `screens per backend ${socketsOn}, ${victimScreens} on the killed one ` +
        `(${screens.filter((screen, i) => i % 3 === 2 && screen.disconnects > 0).length} of them on long-polling)`,
    );

    expect(failures).toEqual([]);
    // Phones spread over the backends too (no cookie on a phone's first ballot: a random route key each).
    expect(acceptedBeforeKill.filter((count) => count > 0).length).toBe(BACKENDS);
    expect(unanswered).toBeGreaterThanOrEqual(1);
    expect(retried).toBeGreaterThanOrEqual(unanswered);

    // Every screen shows the final count; the killed backend's screens got there through another one.
    const settled = await Promise.allSettled(screens.map((screen) => screen.showsTotal(receipts.length)));
    const behind = settled.flatMap((outcome, i) =>
      outcome.status === "rejected" ? [`screen ${i}: ${outcome.reason}`] : [],
    );
    if (behind.length > 0) {
      // The requests of the screens that are behind, as nginx saw them (long-polling: one line per poll).
      const ids = screens.filter((_, i) => settled[i]?.status === "rejected").flatMap((screen) => screen.sessions);
      const lines = nginx
        .accessLog()
        .split("\n")
        .filter((line) => ids.some((id) => line.includes(id)));
      console.log(`[lb] killed ${victim.backend.port}; nginx for the screens behind:\n${lines.slice(-40).join("\n")}`);
    }
    expect(behind, `killed backend's screens ${victimScreens}; hold ${tries.length}`).toEqual([]);
    expect(screens.filter((screen) => screen.disconnects > 0).length).toBe(victimScreens);
    for (const screen of screens) {
      expect(screen.connects).toBe(screen.disconnects + 1);
      expect(screen.backwards).toEqual([]);
    }
    const socketsAfter = await Promise.all(
      survivors.map(async (running) => metricSum(await scrape(running), "lb_sockets")),
    );
    expect(socketsAfter.reduce((a, b) => a + b, 0)).toBe(SCREENS);

    await expectCountedExactlyOnce(api, round.id, 1, receipts);
  });

  // Last: it uses up 127.0.0.1's allowance of wrong admin tokens for a minute.
  it("the backends see the address nginx saw, not one the client wrote into X-Forwarded-For", async () => {
    const limit = 10; // ADMIN_AUTH_FAILURES_PER_MINUTE's default, which these backends run with
    const made = (i: number) => `203.0.113.${i + 1}`;
    const session = (target: Api, ip: string) =>
      target.request("GET", "/api/admin/session", {
        headers: { "x-forwarded-for": ip, authorization: "Bearer wrong-token-of-sixteen" },
      });
    // Through nginx, each wrong token from "another address": all count against the one nginx saw.
    for (let i = 0; i < limit; i++) expect((await session(api, made(i))).status).toBe(401);
    const after = await session(api, made(limit));
    expect(after.status).toBe(429);
    expect((after.body as { error: { code: string } }).error.code).toBe("RATE_LIMITED");
    // The backend itself does trust the header (TRUST_PROXY=true): it is nginx that replaced the made-up one.
    const alive = live.find((running) => running.backend.server.child.signalCode === null) as Running;
    const direct = new Api(`http://127.0.0.1:${alive.backend.port}`, secrets.ADMIN_TOKEN, agent);
    expect((await session(direct, made(limit + 1))).status).toBe(401);
  });
});
