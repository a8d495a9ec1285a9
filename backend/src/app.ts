import { existsSync } from "node:fs";
import { IncomingMessage, ServerResponse } from "node:http";
import { Socket } from "node:net";
import { join, sep } from "node:path";
import { type AdminSessionResponse, type PublicUrlResponse, RoundIdSchema } from "@lb/common";
import compression from "compression";
import express, { type RequestHandler } from "express";
import helmet, { strictTransportSecurity } from "helmet";
import { requireAdmin } from "./auth/admin-auth.js";
import type { AuthThrottle } from "./auth/auth-throttle.js";
import type { FastPathHeaders } from "./ballots/ballot-fast-path.js";
import { ballotsRouter } from "./ballots/ballots.routes.js";
import type { BallotsService } from "./ballots/ballots.service.js";
import type { ServerConfig } from "./config.js";
import type { EventsRepository } from "./events/events.repository.js";
import { eventIdParam, eventsRouter } from "./events/events.routes.js";
import { historyRouter } from "./history/history.routes.js";
import type { HistoryService } from "./history/history.service.js";
import { AppError, errorMiddleware, rejectMalformedPath } from "./http/app-error.js";
import { requireAllowedOrigin } from "./http/origin.js";
import { roundIdParam } from "./http/validate.js";
import type { ExclusionsRepository } from "./integrity/exclusions.repository.js";
import type { IntegrityRepository } from "./integrity/integrity.repository.js";
import { integrityRouter } from "./integrity/integrity.routes.js";
import { TicketsRepository } from "./integrity/tickets.repository.js";
import { ticketsRouter } from "./integrity/tickets.routes.js";
import type { VoterGate } from "./integrity/voter-gate.js";
import type { BoardAccess } from "./leaderboard/board-access.js";
import type { LeaderboardRepository } from "./leaderboard/leaderboard.repository.js";
import { leaderboardRouter, NDJSON } from "./leaderboard/leaderboard.routes.js";
import { metricsRoute } from "./observability/metrics.routes.js";
import type { RedisClient } from "./redis/redis-client.js";
import { roundPreloadLink } from "./rounds/round-preload.js";
import type { RoundsRepository } from "./rounds/rounds.repository.js";
import { roundsRouter } from "./rounds/rounds.routes.js";
import type { ShowRepository } from "./show/show.repository.js";
import { showRouter } from "./show/show.routes.js";
import type { StatsRepository } from "./stats/stats.repository.js";
import { votersRouter } from "./voters/voters.routes.js";

/**
 * The pages load only their own scripts, styles and sockets; QR codes are data: images. No page may be framed
 * (the console could be clickjacked). Helmet's defaults are not used: `upgrade-insecure-requests` would break
 * an event served over plain HTTP on a venue's LAN.
 */
const CONTENT_SECURITY_POLICY = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'self'"],
    imgSrc: ["'self'", "data:", "blob:"],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
};

/** HSTS max-age: a year, the usual value; sent only on requests that came over TLS. */
const HSTS_MAX_AGE_SECONDS = 365 * 24 * 3600;

/** Hashed build assets never change under their name. */
const IMMUTABLE = "public, max-age=31536000, immutable";
/** Other files of the static folder (the favicon) may change with a release. */
const STATIC_MAX_AGE = "1h";

/** How long /readyz waits for Redis to answer a PING. */
const READY_PING_TIMEOUT_MS = 1000;

export interface AppDeps {
  config: ServerConfig;
  redis: RedisClient;
  rounds: RoundsRepository;
  ballots: BallotsService;
  leaderboard: LeaderboardRepository;
  access: BoardAccess;
  stats: StatsRepository;
  /** Counts wrong admin tokens and screen keys per IP (shared with the sockets' `board:join`). */
  throttle: AuthThrottle;
  integrity: IntegrityRepository;
  exclusions: ExclusionsRepository;
  /** Replay, time travel and verifiable receipts. */
  history: HistoryService;
  /** Events of many rounds (backend/src/events). */
  events: EventsRepository;
  show: ShowRepository;
  /** The voter gate (shared with the ballot fast path, server.ts). */
  gate: VoterGate;
  log: (message: string, error: unknown) => void;
  /** What `GET /metrics` serves (behind METRICS_TOKEN): this backend's metrics, or every worker's. */
  metrics: { text: () => Promise<string>; contentType: string };
}

async function redisAnswers(redis: RedisClient): Promise<boolean> {
  if (redis.status !== "ready") return false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), READY_PING_TIMEOUT_MS);
  });
  const ping = redis.ping().then(
    (reply) => reply === "PONG",
    () => false,
  );
  return Promise.race([ping, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Helmet with what suits us: the policy above, no framing (CSP frame-ancestors and X-Frame-Options: DENY),
 * nosniff, a same-origin Referrer-Policy, and HSTS only on requests that came over TLS (`req.secure`, which
 * honours X-Forwarded-Proto with TRUST_PROXY) or when COOKIE_SECURE says the site is served over HTTPS: a
 * plain-HTTP LAN event must never be told to insist on HTTPS. Cross-Origin-Embedder-Policy stays off (helmet's
 * default), so data: QR images and downloads keep working.
 */
function securityHeaders(config: ServerConfig): RequestHandler {
  const common = helmet({
    contentSecurityPolicy: CONTENT_SECURITY_POLICY,
    xFrameOptions: { action: "deny" },
    referrerPolicy: { policy: "same-origin" },
    strictTransportSecurity: false,
  });
  const hsts = strictTransportSecurity({ maxAge: HSTS_MAX_AGE_SECONDS, includeSubDomains: false });
  return (req, res, next) => {
    common(req, res, () => {
      if (req.secure || config.cookieSecure) hsts(req, res, next);
      else next();
    });
  };
}

/**
 * The headers `securityHeaders` sets on every answer, for a request over plain HTTP and over TLS: the ballot fast
 * path (ballots/ballot-fast-path.ts) sends them on its 201s without running helmet per request.
 */
export function securityHeaderValues(config: ServerConfig): FastPathHeaders {
  const headersFor = (secure: boolean) => {
    const res = new ServerResponse(new IncomingMessage(new Socket()));
    securityHeaders(config)({ secure } as express.Request, res as express.Response, () => {});
    return Object.fromEntries(
      Object.entries(res.getHeaders()).map(([name, value]) => [name, Array.isArray(value) ? value : String(value)]),
    );
  };
  return { plain: headersFor(false), secure: headersFor(true) };
}

/**
 * The single page, for its client-side routes only: `/`, `/admin[/r/<id>/<tab>]`, `/r/<id>[/board|/screen|/verify]`
 * and `/e/<id>[/screen]`. A round's page answers 404 (with the page, which shows "unknown round") when there is
 * no such round or the public may not see it yet; a projector with the round's screen key (`?key=`) sees a draft
 * too, like the API.
 */
/** A console tab's path segment (frontend/src/lib/routes.ts TAB_SEGMENT). */
const CONSOLE_TAB = /^[a-z][a-z-]{0,31}$/;

function pagesRouter(staticDir: string, rounds: RoundsRepository, events: EventsRepository): express.Router {
  const router = express.Router();
  const page = (status: number) => (_req: express.Request, res: express.Response) => {
    res.status(status);
    res.setHeader("Cache-Control", "no-cache");
    res.sendFile(join(staticDir, "index.html"));
  };
  router.get(["/", "/admin"], page(200));
  // The console's rounds and tabs (`/admin/r/<id>/<tab>`): the page for any well-formed id and tab name, since
  // only the signed-in console can tell a draft from no round; the same tab names as frontend/src/lib/routes.ts.
  router.get(["/admin/r/:id", "/admin/r/:id/:tab"], (req, res, next) => {
    const { id, tab } = req.params as { id: string; tab?: string };
    const wellFormed = RoundIdSchema.safeParse(id).success && (tab === undefined || CONSOLE_TAB.test(tab));
    if (wellFormed) page(200)(req, res);
    else next();
  });
  router.get(["/r/:id", "/r/:id/:view"], async (req, res, next) => {
    const { view } = req.params as { view?: string };
    // `verify`: the "verify my ballot" page (verifiable receipts).
    if (view !== undefined && view !== "board" && view !== "screen" && view !== "verify") {
      next();
      return;
    }
    let status: number;
    try {
      const id = roundIdParam(req.params.id);
      const audience = await rounds.audience(id);
      const key = view === "screen" && typeof req.query.key === "string" ? req.query.key : undefined;
      const found =
        audience === "everyone" ||
        (audience === "organisers" && key !== undefined && (await rounds.isScreenKey(id, key)));
      status = found ? 200 : 404;
      // The voter's page: start fetching the round beside the JavaScript (rounds/round-preload.ts).
      if (found && view === undefined) res.setHeader("Link", roundPreloadLink(id));
    } catch (error) {
      // Not a round id: 404. Redis away: still the page (503), which shows its own "try again" from the API.
      status = error instanceof AppError ? 404 : 503;
    }
    page(status)(req, res);
  });
  // An event's phone page and screen: 404 (with the page) for an unknown event, as for rounds.
  router.get(["/e/:id", "/e/:id/screen"], async (req, res) => {
    let status: number;
    try {
      status = (await events.get(eventIdParam(req.params.id))) ? 200 : 404;
    } catch (error) {
      status = error instanceof AppError ? 404 : 503;
    }
    page(status)(req, res);
  });
  return router;
}

/** The HTTP side: routes and middleware. It never listens (server.ts does, with Socket.IO beside it). */
export function createApp(deps: AppDeps): express.Express {
  const { config } = deps;
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", config.trustProxy);
  // First: a cross-site POST/PATCH/PUT/DELETE is refused before anything reads its body or Redis.
  app.use(requireAllowedOrigin({ trustProxy: config.trustProxy, allowedOrigins: config.allowedOrigins }));
  // Phones on event Wi-Fi: the voter's JavaScript and a round's long descriptions shrink about 3x with gzip.
  // NDJSON (the audit export, hundreds of MB on a big round) is not in compression's list of compressible types.
  app.use(
    compression({
      filter: (req, res) => compression.filter(req, res) || String(res.getHeader("content-type")).startsWith(NDJSON),
    }),
  );
  app.use(securityHeaders(config));

  app.get("/healthz", (_req, res) => {
    res.json({ ok: true });
  });
  app.get("/readyz", async (_req, res) => {
    if (await redisAnswers(deps.redis)) res.json({ ok: true });
    else res.status(503).json({ error: { code: "UNAVAILABLE", message: "Redis does not answer." } });
  });
  // Prometheus: off (404) without METRICS_TOKEN; see observability/metrics.routes.ts.
  app.get("/metrics", metricsRoute({ token: config.metricsToken, throttle: deps.throttle, ...deps.metrics }));

  const admin = requireAdmin(config.adminToken, deps.throttle);
  // Lets the console check a token at sign-in, and tells it where phones reach us (its Share tab's links).
  app.get("/api/admin/session", admin, (_req, res) => {
    const session: AdminSessionResponse = { ok: true, publicUrl: config.publicUrl ?? null };
    res.json(session);
  });
  // Public: the projector's QR code must name the address phones reach, not the one the screen was opened at.
  app.get("/api/public-url", (_req, res) => {
    res.json({ publicUrl: config.publicUrl ?? null } satisfies PublicUrlResponse);
  });
  const { gate } = deps;
  app.use(
    votersRouter({
      secret: config.voterTokenSecret,
      cookieSecure: config.cookieSecure,
      gate,
      recordRejection: (roundId, code) => deps.ballots.recordRejection(roundId, code),
      log: deps.log,
    }),
  );
  app.use(roundsRouter({ rounds: deps.rounds, admin, bodyLimitBytes: config.adminBodyLimitBytes }));
  app.use(
    ballotsRouter({
      ballots: deps.ballots,
      voterSecret: config.voterTokenSecret,
      bodyLimitBytes: config.ballotBodyLimitBytes,
      gate,
      log: deps.log,
    }),
  );
  app.use(
    ticketsRouter({
      tickets: new TicketsRepository(deps.redis, deps.rounds, config.voterTokenSecret),
      admin,
      // Ticket URLs name the address voters reach.
      publicUrl: config.publicUrl,
    }),
  );
  app.use(
    leaderboardRouter({
      leaderboard: deps.leaderboard,
      rounds: deps.rounds,
      access: deps.access,
      stats: deps.stats,
      admin,
      voterSecret: config.voterTokenSecret,
      history: deps.history,
    }),
  );
  app.use(
    historyRouter({
      history: deps.history,
      leaderboard: deps.leaderboard,
      access: deps.access,
      admin,
      voterSecret: config.voterTokenSecret,
    }),
  );
  app.use(
    integrityRouter({
      integrity: deps.integrity,
      exclusions: deps.exclusions,
      rounds: deps.rounds,
      admin,
      bodyLimitBytes: config.adminBodyLimitBytes,
    }),
  );
  app.use(
    eventsRouter({
      events: deps.events,
      rounds: deps.rounds,
      admin,
      throttle: deps.throttle,
      bodyLimitBytes: config.adminBodyLimitBytes,
    }),
  );
  app.use(showRouter({ show: deps.show, admin }));
  app.use("/api", () => {
    throw new AppError("NOT_FOUND", "No such API route.");
  });

  const staticDir = config.staticDir;
  if (staticDir && existsSync(join(staticDir, "index.html"))) {
    app.use(rejectMalformedPath);
    app.use(
      express.static(staticDir, {
        index: false,
        maxAge: STATIC_MAX_AGE,
        setHeaders: (res, path) => {
          if (path.startsWith(join(staticDir, "assets") + sep)) res.setHeader("Cache-Control", IMMUTABLE);
          else if (path === join(staticDir, "index.html")) res.setHeader("Cache-Control", "no-cache");
        },
      }),
    );
    app.use(pagesRouter(staticDir, deps.rounds, deps.events));
  }
  // Anything else (a missing asset, /robots.txt) is a plain 404: never the page, which a browser would take
  // for a script or a stylesheet.
  app.use(() => {
    throw new AppError("NOT_FOUND", "Nothing here.");
  });

  app.use(errorMiddleware(deps.log));
  return app;
}
