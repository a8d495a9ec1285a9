import { FreezeRequestSchema, ScreenResultsRequestSchema, ShowSettingsSchema } from "@lb/common";
import express, { type RequestHandler, Router } from "express";
import { parseBody, roundIdParam } from "../http/validate.js";
import type { ShowRepository } from "./show.repository.js";

/** The show's organiser routes (the console and the remote drive them; screens and phones only follow). */
export function showRouter(options: { show: ShowRepository; admin: RequestHandler }) {
  const { show, admin } = options;
  const router = Router();
  // Small bodies only: a switch, a number or two.
  const json = express.json({ limit: 1024 });
  const id = (req: express.Request) => roundIdParam(req.params.id);

  router.get("/api/rounds/:id/show", admin, async (req, res) => {
    res.json(await show.state(id(req)));
  });
  router.patch("/api/rounds/:id/show", admin, json, async (req, res) => {
    res.json(await show.settings(id(req), parseBody(ShowSettingsSchema, req.body)));
  });
  router.post("/api/rounds/:id/screen-results", admin, json, async (req, res) => {
    const { hidden } = parseBody(ScreenResultsRequestSchema, req.body);
    res.json(await show.setScreenResultsHidden(id(req), hidden));
  });
  router.post("/api/rounds/:id/freeze", admin, json, async (req, res) => {
    res.json(await show.freeze(id(req), parseBody(FreezeRequestSchema, req.body ?? {})));
  });
  router.post("/api/rounds/:id/unfreeze", admin, async (req, res) => {
    res.json(await show.unfreeze(id(req)));
  });
  router.post("/api/rounds/:id/reveal/next", admin, async (req, res) => {
    res.json(await show.revealNext(id(req)));
  });
  return router;
}
