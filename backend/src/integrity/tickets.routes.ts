import { type TicketBatchCreated, TicketBatchCreateSchema } from "@lb/common";
import express, { type Request, type RequestHandler, Router } from "express";
import { parseBody, roundIdParam } from "../http/validate.js";
import type { TicketsRepository } from "./tickets.repository.js";

/**
 * The organiser's ticket routes. Ticket URLs start with `publicUrl` when given (the address voters reach, which
 * the request's own origin may not be behind a proxy); otherwise with the request's origin.
 */
export function ticketsRouter(options: {
  tickets: TicketsRepository;
  admin: RequestHandler;
  publicUrl?: string | undefined;
}) {
  const { tickets, admin } = options;
  const router = Router();
  // A batch request is small ({ batch, count }); the answer is what is large.
  const json = express.json({ limit: 1024 });
  const baseUrl = (req: Request) => (options.publicUrl ?? `${req.protocol}://${req.get("host")}`).replace(/\/+$/, "");

  router.post("/api/rounds/:id/tickets", admin, json, async (req, res) => {
    const roundId = roundIdParam(req.params.id);
    const request = parseBody(TicketBatchCreateSchema, req.body);
    const codes = await tickets.create(roundId, request);
    const voteUrl = `${baseUrl(req)}/r/${encodeURIComponent(roundId)}?ticket=`;
    // The only time the codes leave the server: nothing may keep a copy on the way.
    res.setHeader("Cache-Control", "no-store");
    res.status(201).json({
      roundId,
      batch: request.batch,
      tickets: codes.map((code) => ({ code, url: `${voteUrl}${code}` })),
    } satisfies TicketBatchCreated);
  });

  router.get("/api/rounds/:id/tickets", admin, async (req, res) => {
    res.json(await tickets.list(roundIdParam(req.params.id)));
  });

  return router;
}
