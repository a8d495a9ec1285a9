import { EpochQuerySchema } from "@lb/common";
import { type RequestHandler, Router } from "express";
import { parseQuery, roundIdParam } from "../http/validate.js";
import type { RoundsRepository } from "../rounds/rounds.repository.js";
import type { LeaderboardRepository } from "./leaderboard.repository.js";

export function leaderboardRouter(options: {
  leaderboard: LeaderboardRepository;
  rounds: RoundsRepository;
  admin: RequestHandler;
}) {
  const { leaderboard, rounds, admin } = options;
  const router = Router();

  router.get("/api/rounds/:id/leaderboard", async (req, res) => {
    const { epoch } = parseQuery(EpochQuerySchema, req.query);
    res.json((await leaderboard.snapshot(roundIdParam(req.params.id), epoch)).board);
  });

  router.get("/api/rounds/:id/audit", admin, async (req, res) => {
    const { epoch } = parseQuery(EpochQuerySchema, req.query);
    const id = roundIdParam(req.params.id);
    const summary = await rounds.requireSummary(id, epoch);
    res.type("application/x-ndjson");
    res.setHeader("Content-Disposition", `attachment; filename="${id}-epoch-${summary.epoch}-audit.ndjson"`);
    for await (const batch of leaderboard.audit(id, summary.epoch)) {
      const chunk = batch.map((entry) => `${JSON.stringify(entry)}\n`).join("");
      // Respect back-pressure: a slow client must not make us buffer the whole log.
      if (!res.write(chunk)) {
        await new Promise((resolve) => {
          res.once("drain", resolve);
          res.once("close", resolve);
        });
      }
      if (res.destroyed) return;
    }
    res.end();
  });

  router.get("/api/rounds/:id/recount", admin, async (req, res) => {
    const { epoch } = parseQuery(EpochQuerySchema, req.query);
    const id = roundIdParam(req.params.id);
    const summary = await rounds.requireSummary(id, epoch);
    res.json(await leaderboard.recount(id, summary.epoch));
  });

  return router;
}
