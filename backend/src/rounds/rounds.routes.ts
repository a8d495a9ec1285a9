import { randomBytes } from "node:crypto";
import {
  ResetRequestSchema,
  ROUND_ACTIONS,
  RoundCreateSchema,
  RoundPatchSchema,
  type ScreenKeyResponse,
} from "@lb/common";
import express, { type RequestHandler, Router } from "express";
import { AppError } from "../http/app-error.js";
import { parseBody, roundIdParam } from "../http/validate.js";
import type { RoundsRepository } from "./rounds.repository.js";

export function roundsRouter(options: { rounds: RoundsRepository; admin: RequestHandler; bodyLimitBytes: number }) {
  const { rounds, admin } = options;
  const router = Router();
  const json = express.json({ limit: options.bodyLimitBytes });

  router.get("/api/rounds", async (_req, res) => {
    res.json({ rounds: await rounds.list() });
  });

  router.post("/api/rounds", admin, json, async (req, res) => {
    const round = parseBody(RoundCreateSchema, req.body);
    const id = round.id ?? `r-${randomBytes(5).toString("hex")}`;
    res.status(201).json(await rounds.create({ ...round, id }));
  });

  router.get("/api/rounds/:id", async (req, res) => {
    res.json(await rounds.requireView(roundIdParam(req.params.id)));
  });

  router.patch("/api/rounds/:id", admin, json, async (req, res) => {
    const id = roundIdParam(req.params.id);
    res.json(await rounds.update(id, parseBody(RoundPatchSchema, req.body)));
  });

  for (const action of ROUND_ACTIONS) {
    router.post(`/api/rounds/:id/${action}`, admin, async (req, res) => {
      res.json(await rounds.transition(roundIdParam(req.params.id), action));
    });
  }

  router.get("/api/rounds/:id/screen-key", admin, async (req, res) => {
    res.json({ screenKey: await rounds.screenKey(roundIdParam(req.params.id), false) } satisfies ScreenKeyResponse);
  });

  router.post("/api/rounds/:id/screen-key", admin, async (req, res) => {
    res.json({ screenKey: await rounds.screenKey(roundIdParam(req.params.id), true) } satisfies ScreenKeyResponse);
  });

  router.post("/api/rounds/:id/reset", admin, json, async (req, res) => {
    const id = roundIdParam(req.params.id);
    const { confirm } = parseBody(ResetRequestSchema, req.body);
    if (confirm !== id) {
      throw new AppError("CONFIRMATION_MISMATCH", `To reset, send { "confirm": "${id}" }.`);
    }
    res.json(await rounds.reset(id));
  });

  return router;
}
