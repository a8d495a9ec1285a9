import { randomUUID } from "node:crypto";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import type { Express } from "express";
import { Server } from "socket.io";
import { createApp, securityHeaderValues } from "./app.js";
import { AuthThrottle } from "./auth/auth-throttle.js";
import { ballotFastPath } from "./ballots/ballot-fast-path.js";
import { ballotReceiver } from "./ballots/ballots.routes.js";
import { BallotsService } from "./ballots/ballots.service.js";
import type { HttpLimits, ServerConfig } from "./config.js";
import { EventsRepository } from "./events/events.repository.js";
import { HistoryRepository } from "./history/history.repository.js";
import { HistoryService } from "./history/history.service.js";
import { originAllowed } from "./http/origin.js";
import { ExclusionsRepository } from "./integrity/exclusions.repository.js";
import { IntegrityRepository } from "./integrity/integrity.repository.js";
import { VoterGate } from "./integrity/voter-gate.js";
import { BoardAccess } from "./leaderboard/board-access.js";
import { LeaderboardRepository } from "./leaderboard/leaderboard.repository.js";
import { observeHttp } from "./observability/http.js";
import { defaultLogger, errorLog, type Logger } from "./observability/log.js";
import { Metrics, type SocketCounts } from "./observability/metrics.js";
import { instrumentRedis } from "./observability/redis-metrics.js";
import { EventRooms, registerEventRooms } from "./realtime/event-rooms.js";
import { LiveHub } from "./realtime/live-hub.js";
import { servesSockets, takesBallots, withoutBallots } from "./realtime/process-role.js";
import { type IoServer, registerRealtime, roomEmitter } from "./realtime/realtime.js";
import { closeRedisClient, type RedisClient } from "./redis/redis-client.js";
import { RoundsRepository } from "./rounds/rounds.repository.js";
import { ShowRepository, showDue } from "./show/show.repository.js";
import { StatsRepository } from "./stats/stats.repository.js";

export interface ServerDeps {
  config: ServerConfig;
  /** Owned by the caller: close() does not quit it. */
  redis: RedisClient;
  /** JSON logs (observability/log.ts); default: info and above on stdout. */
  logger?: Logger;
  /** Where unexpected errors are reported; default: `logger.error`. Tests pass their own to fail on any. */
  log?: (message: string, error: unknown) => void;
  /** What `GET /metrics` serves; default: this server's registry (a cluster worker passes every worker's). */
  metricsText?: () => Promise<string>;
}

export interface LeaderboardServer {
  app: Express;
  io: IoServer;
  httpServer: HttpServer;
  rounds: RoundsRepository;
  /** This backend's Prometheus metrics (also served at /metrics with METRICS_TOKEN). */
  metrics: Metrics;
  /** Stops the live tick, disconnects sockets and closes the HTTP server. Safe to call twice. */
  close(): Promise<void>;
}

/** Largest message a socket client may send: clients only send small `board:join`s. */
const SOCKET_MAX_MESSAGE_BYTES = 16 * 1024;

/** How often Node looks for requests past their time: a tenth of the shorter limit, at most once a second. */
export function connectionsCheckingInterval(limits: HttpLimits): number {
  return Math.max(10, Math.min(1000, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 10)));
}

/** Sockets by the pages they serve (a socket watching rounds of two pages counts for each), `none` before a join. */
function socketsByPage(io: IoServer): SocketCounts {
  const counts: SocketCounts = { vote: 0, board: 0, screen: 0, console: 0, none: 0 };
  for (const socket of io.of("/").sockets.values()) {
    const pages = new Set([...(socket.data.watching?.values() ?? [])].map((watch) => watch.view));
    if (pages.size === 0) counts.none = (counts.none ?? 0) + 1;
    for (const page of pages) counts[page] = (counts[page] ?? 0) + 1;
  }
  return counts;
}

/** Joins the HTTP app and the Socket.IO side on one http.Server. Never listens: the caller does. */
export function createServer(deps: ServerDeps): LeaderboardServer {
  const { config, redis } = deps;
  const logger = deps.logger ?? defaultLogger();
  const log = deps.log ?? errorLog(logger);
  // Process metrics (CPU, memory, event loop, GC) only where someone may scrape them.
  const metrics = new Metrics({ processMetrics: config.metricsToken !== undefined });
  const uninstrumentRedis = instrumentRedis(redis, metrics);
  const limiterHit = metrics.limiterHit.bind(metrics);
  const rounds = new RoundsRepository(redis);
  const leaderboard = new LeaderboardRepository(redis, rounds);
  const stats = new StatsRepository(redis);
  // BALLOT_DURABILITY=replicated: WAIT blocks its connection until a replica answers, so it gets one of its own.
  const replicaConnection = config.ballotDurability.mode === "replicated" ? redis.duplicate() : undefined;
  replicaConnection?.on("error", () => {}); // The main client reports the outage (the same Redis).
  const ballots = new BallotsService(redis, rounds, stats, {
    voterSecret: config.voterTokenSecret,
    clockOffsetMs: config.testClockOffsetMs,
    batchMax: config.ballotBatchMax,
    durability: config.ballotDurability,
    ...(replicaConnection ? { replicaConnection } : {}),
  });
  const throttle = new AuthThrottle(redis, config.adminAuthFailuresPerMinute, config.adminToken, limiterHit);
  const access = new BoardAccess(redis, rounds, config.adminToken, throttle, config.voterTokenSecret);
  const integrity = new IntegrityRepository(redis, stats, config.integrityScanLimit);
  const exclusions = new ExclusionsRepository(redis, leaderboard);
  const history = new HistoryService(new HistoryRepository(redis, config.history));
  const events = new EventsRepository(redis, rounds);
  const show = new ShowRepository(redis, rounds, leaderboard);
  const gate = new VoterGate(redis, config.voterTokenSecret, config.voterLimits, limiterHit);
  const app = createApp({
    config,
    redis,
    rounds,
    ballots,
    leaderboard,
    access,
    stats,
    throttle,
    integrity,
    exclusions,
    history,
    events,
    show,
    gate,
    log,
    metrics: {
      text: deps.metricsText ?? (() => metrics.registry.metrics()),
      contentType: metrics.registry.contentType,
    },
  });
  // Plain ballots skip Express (issue 8); it answers everything else, and the ballots the fast path refuses.
  const handler = ballotFastPath({
    receive: ballotReceiver({
      ballots,
      voterSecret: config.voterTokenSecret,
      bodyLimitBytes: config.ballotBodyLimitBytes,
      gate,
      log,
    }),
    bodyLimitBytes: config.ballotBodyLimitBytes,
    trustProxy: config.trustProxy,
    allowedOrigins: config.allowedOrigins,
    headers: securityHeaderValues(config),
    express: app,
  });
  const limits = config.http;
  const httpServer = createHttpServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      // Counts only while the request is received: a long-polling response or an upgraded WebSocket is not cut.
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      maxHeaderSize: limits.maxHeaderBytes,
      // Node looks for late requests every 30 s by default, which would stretch a 10 s limit to 40 s.
      connectionsCheckingInterval: connectionsCheckingInterval(limits),
    },
    // ROLE=live: ballots go to ingest processes (see process-role.ts); the others take them on the fast path.
    // Every request gets its id, every ballot answer its count (observability/http.ts).
    observeHttp(takesBallots(config.role) ? handler : withoutBallots(app), { logger, metrics }),
  );
  // Past the cap the kernel's accepted socket is closed at once: the process keeps its memory and descriptors.
  httpServer.maxConnections = limits.maxConnections;
  const io: IoServer = new Server(httpServer, {
    serveClient: false,
    maxHttpBufferSize: SOCKET_MAX_MESSAGE_BYTES,
    // A page of another site must not open a socket here (browsers always send Origin on sockets; other
    // clients send none and are let in, as on HTTP). Refused handshakes get 403.
    // ROLE=ingest serves no sockets (see process-role.ts).
    allowRequest: (req, callback) =>
      callback(null, servesSockets(config.role) && originAllowed(req, config.trustProxy, config.allowedOrigins)),
  });
  // One emitter for every room: updates go out in slices of LIVE_FANOUT_SLICE sockets per event-loop turn.
  const rooms = roomEmitter(io, config.liveFanoutSlice, log);
  // Events of many rounds: their rooms are ticked by the hub, beside the rounds.
  const eventRooms = new EventRooms(events, rooms);
  const hub = new LiveHub(leaderboard, rooms, {
    companions: [eventRooms],
    tickMs: config.liveTickMs,
    phoneUpdateMs: config.livePhoneUpdateMs,
    // Names this process in the shared presence counts; it needs only to differ from other backends'.
    backendId: randomUUID(),
    presence: stats,
    log,
    // Closes rounds at closesAt and freezes them when scheduled (exactly once over every backend).
    show: { due: showDue, settle: (before, nowMs) => show.settle(before, nowMs) },
    onTick: (durationMs, driftMs) => metrics.liveTick(durationMs, driftMs),
  });
  metrics.countSocketsWith(() => socketsByPage(io));
  registerRealtime(io, {
    hub,
    access,
    voterSecret: config.voterTokenSecret,
    trustProxy: config.trustProxy,
    limits: { maxRounds: config.socketMaxRounds, joinsPerMinute: config.socketJoinsPerMinute },
    log,
  });
  registerEventRooms(io, {
    eventRooms,
    limits: { maxRounds: config.socketMaxRounds, joinsPerMinute: config.socketJoinsPerMinute },
    log,
  });
  // ROLE=ingest: no live ticks (no socket can join anyway).
  if (servesSockets(config.role)) hub.start();

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      await hub.stop();
      // io.close() disconnects every socket and closes the http server; idle keep-alive sockets go too.
      const closed = new Promise<void>((resolve) => io.close(() => resolve()));
      httpServer.closeIdleConnections();
      await closed;
      uninstrumentRedis();
      if (replicaConnection) await closeRedisClient(replicaConnection);
    })();
    return closing;
  };
  return { app, io, httpServer, rounds, metrics, close };
}
