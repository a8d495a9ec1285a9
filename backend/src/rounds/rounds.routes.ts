import { randomBytes } from "node:crypto";
import {
  DeleteRoundRequestSchema,
  ResetRequestSchema,
  ROUND_ACTIONS,
  RoundCreateSchema,
  RoundPatchSchema,
  type ScreenKeyResponse,
  UndoResetRequestSchema,
  withPreviewDescriptions,
} from "@lb/common";
import express, { type RequestHandler, Router } from "express";
import { z } from "zod";
import { AppError } from "../http/app-error.js";
import { parseBody, parseQuery, roundIdParam } from "../http/validate.js";
import type { RoundsRepository } from "./rounds.repository.js";

/** `?descriptions=preview`: the voter page's first, light view of a round (common/src/option-preview.ts). */
const PublicRoundQuerySchema = z.object({ descriptions: z.literal("preview").optional() });

export function roundsRouter(options: { rounds: RoundsRepository; admin: RequestHandler; bodyLimitBytes: number }) {
  const { rounds, admin } = options;
  const router = Router();
  const json = express.json({ limit: options.bodyLimitBytes });

  // A request with a bearer token is the organiser's (and a wrong token is refused); without one, the next
  // route of the same path answers for the public, who see neither drafts nor archived rounds.
  const withToken: RequestHandler = (req, _res, next) =>
    next(req.get("authorization") === undefined ? "route" : undefined);

  router.get("/api/rounds", withToken, admin, async (_req, res) => {
    res.json({ rounds: await rounds.list(true) });
  });
  router.get("/api/rounds", async (_req, res) => {
    res.json({ rounds: await rounds.list(false) });
  });

  router.post("/api/rounds", admin, json, async (req, res) => {
    const round = parseBody(RoundCreateSchema, req.body);
    const id = round.id ?? `r-${randomBytes(5).toString("hex")}`;
    res.status(201).json(await rounds.create({ ...round, id }));
  });

  router.get("/api/rounds/:id", withToken, admin, async (req, res) => {
    res.json(await rounds.requireView(roundIdParam(req.params.id)));
  });
  router.get("/api/rounds/:id", async (req, res) => {
    const id = roundIdParam(req.params.id);
    const { descriptions } = parseQuery(PublicRoundQuerySchema, req.query);
    await rounds.requirePublic(id);
    const view = await rounds.requireView(id);
    res.json(descriptions === "preview" ? withPreviewDescriptions(view) : view);
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

  // Undo reset: the body (optional) names the epoch to undo, so that a console never undoes a reset it has not seen.
  router.post("/api/rounds/:id/undo-reset", admin, json, async (req, res) => {
    const { epoch } = parseBody(UndoResetRequestSchema, req.body ?? {});
    res.json(await rounds.undoReset(roundIdParam(req.params.id), epoch));
  });

  router.post("/api/rounds/:id/archive", admin, async (req, res) => {
    res.json(await rounds.setArchived(roundIdParam(req.params.id), true));
  });

  router.post("/api/rounds/:id/unarchive", admin, async (req, res) => {
    res.json(await rounds.setArchived(roundIdParam(req.params.id), false));
  });

  router.delete("/api/rounds/:id", admin, json, async (req, res) => {
    const id = roundIdParam(req.params.id);
    const { confirm } = parseBody(DeleteRoundRequestSchema, req.body);
    if (confirm !== id) {
      throw new AppError("CONFIRMATION_MISMATCH", `To delete, send { "confirm": "${id}" }.`);
    }
    await rounds.delete(id);
    res.status(204).end();
  });

  return router;
}
