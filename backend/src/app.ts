import { existsSync } from "node:fs";
import { join } from "node:path";
import compression from "compression";
import express from "express";
import type { Redis } from "ioredis";
import { requireAdmin } from "./auth/admin-auth.js";
import { ballotsRouter } from "./ballots/ballots.routes.js";
import type { BallotsService } from "./ballots/ballots.service.js";
import type { ServerConfig } from "./config.js";
import { AppError, errorMiddleware } from "./http/app-error.js";
import type { ExclusionsRepository } from "./integrity/exclusions.repository.js";
import type { IntegrityRepository } from "./integrity/integrity.repository.js";
import { integrityRouter } from "./integrity/integrity.routes.js";
import type { BoardAccess } from "./leaderboard/board-access.js";
import type { LeaderboardRepository } from "./leaderboard/leaderboard.repository.js";
import { leaderboardRouter } from "./leaderboard/leaderboard.routes.js";
import type { RoundsRepository } from "./rounds/rounds.repository.js";
import { roundsRouter } from "./rounds/rounds.routes.js";
import type { StatsRepository } from "./stats/stats.repository.js";
import { votersRouter } from "./voters/voters.routes.js";

const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join("; ");

/** How long /readyz waits for Redis to answer a PING. */
const READY_PING_TIMEOUT_MS = 1000;

export interface AppDeps {
  config: ServerConfig;
  redis: Redis;
  rounds: RoundsRepository;
  ballots: BallotsService;
  leaderboard: LeaderboardRepository;
  access: BoardAccess;
  stats: StatsRepository;
  integrity: IntegrityRepository;
  exclusions: ExclusionsRepository;
  log: (message: string, error: unknown) => void;
}

async function redisAnswers(redis: Redis): Promise<boolean> {
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

/** The HTTP side: routes and middleware. It never listens (server.ts does, with Socket.IO beside it). */
export function createApp(deps: AppDeps): express.Express {
  const { config } = deps;
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", config.trustProxy);
  // Phones on event Wi-Fi: the voter's JavaScript and a round's long descriptions shrink about 3x with gzip.
  app.use(compression());
  app.use((_req, res, next) => {
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("Referrer-Policy", "same-origin");
    next();
  });

  app.get("/healthz", (_req, res) => {
    res.json({ ok: true });
  });
  app.get("/readyz", async (_req, res) => {
    if (await redisAnswers(deps.redis)) res.json({ ok: true });
    else res.status(503).json({ error: { code: "UNAVAILABLE", message: "Redis does not answer." } });
  });

  const admin = requireAdmin(config.adminToken);
  // Lets the console check a token at sign-in.
  app.get("/api/admin/session", admin, (_req, res) => {
    res.json({ ok: true });
  });
  app.use(votersRouter({ secret: config.voterTokenSecret, cookieSecure: config.cookieSecure }));
  app.use(roundsRouter({ rounds: deps.rounds, admin, bodyLimitBytes: config.adminBodyLimitBytes }));
  app.use(
    ballotsRouter({
      ballots: deps.ballots,
      voterSecret: config.voterTokenSecret,
      bodyLimitBytes: config.ballotBodyLimitBytes,
      log: deps.log,
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
  app.use("/api", () => {
    throw new AppError("NOT_FOUND", "No such API route.");
  });

  const staticDir = config.staticDir;
  if (staticDir && existsSync(join(staticDir, "index.html"))) {
    // The pages load only their own scripts, styles and sockets; QR codes are data: images.
    app.use((_req, res, next) => {
      res.setHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
      next();
    });
    app.use(express.static(staticDir, { index: false, maxAge: "1h" }));
    // Client-side routes (/r/<id>, /admin, ...) all load the single page.
    app.get("/{*path}", (_req, res) => {
      res.setHeader("Cache-Control", "no-cache");
      res.sendFile(join(staticDir, "index.html"));
    });
  }

  app.use(errorMiddleware(deps.log));
  return app;
}
