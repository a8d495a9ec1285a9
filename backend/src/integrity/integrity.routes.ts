import { EpochQuerySchema, ExclusionIdSchema, ExclusionRequestSchema, IntegrityQuerySchema, LIMITS } from "@lb/common";
import express, { type RequestHandler, Router } from "express";
import { AppError } from "../http/app-error.js";
import { parseBody, parseQuery } from "../http/validate.js";
import { requestEpoch } from "../leaderboard/leaderboard.routes.js";
import type { RoundsRepository } from "../rounds/rounds.repository.js";
import type { ExclusionsRepository } from "./exclusions.repository.js";
import type { IntegrityRepository } from "./integrity.repository.js";

/** Organiser routes of the integrity view: the report, and exclusions with their undo. */
export function integrityRouter(options: {
  integrity: IntegrityRepository;
  exclusions: ExclusionsRepository;
  rounds: RoundsRepository;
  admin: RequestHandler;
  bodyLimitBytes: number;
}) {
  const { integrity, exclusions, rounds, admin } = options;
  const router = Router();
  const epochOf = (req: express.Request) => requestEpoch(rounds, req, parseQuery(EpochQuerySchema, req.query).epoch);

  router.get("/api/rounds/:id/integrity", admin, async (req, res) => {
    const query = parseQuery(IntegrityQuerySchema, req.query);
    const { id, epoch } = await requestEpoch(rounds, req, query.epoch);
    res.json(await integrity.report(id, epoch, query.top ?? LIMITS.integrityTopDefault));
  });

  router.get("/api/rounds/:id/exclusions", admin, async (req, res) => {
    const { id, epoch } = await epochOf(req);
    res.json({ exclusions: await exclusions.list(id, epoch) });
  });

  router.post(
    "/api/rounds/:id/exclusions",
    admin,
    express.json({ limit: options.bodyLimitBytes }),
    async (req, res) => {
      const { id, epoch } = await epochOf(req);
      const request = parseBody(ExclusionRequestSchema, req.body);
      const created = await exclusions.create(id, epoch, request);
      integrity.forget(id, epoch);
      res.status(201).json(created);
    },
  );

  router.delete("/api/rounds/:id/exclusions/:exclusionId", admin, async (req, res) => {
    const { id, epoch } = await epochOf(req);
    const exclusionId = ExclusionIdSchema.safeParse(req.params.exclusionId);
    if (!exclusionId.success) throw new AppError("NOT_FOUND", "No exclusion has this id.");
    const undone = await exclusions.undo(id, epoch, exclusionId.data);
    integrity.forget(id, epoch);
    res.json(undone);
  });

  return router;
}
