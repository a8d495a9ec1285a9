import {
  EventCreateSchema,
  EventCurrentSchema,
  EventIdSchema,
  EventImportSchema,
  EventPatchSchema,
  type EventScreenKeyResponse,
  type EventScreenView,
} from "@lb/common";
import express, { type RequestHandler, Router } from "express";
import { z } from "zod";
import type { AuthThrottle } from "../auth/auth-throttle.js";
import { AppError } from "../http/app-error.js";
import { parseBody, parseQuery } from "../http/validate.js";
import { clientAddress } from "../integrity/client-address.js";
import { SCREEN_KEY_HEADER } from "../leaderboard/leaderboard.routes.js";
import type { RoundsRepository } from "../rounds/rounds.repository.js";
import type { EventsRepository } from "./events.repository.js";
import { importEvent, newEventId } from "./events.service.js";

/** A route's event id: anything that is not a slug cannot name an event. */
export function eventIdParam(value: string | string[] | undefined): string {
  const result = EventIdSchema.safeParse(value);
  if (!result.success) throw new AppError("EVENT_NOT_FOUND", "No event has this id.");
  return result.data;
}

/** `?key=` for screens that cannot set the header. */
const ScreenQuerySchema = z.strictObject({ key: z.string().max(128).optional() });

export function eventsRouter(options: {
  events: EventsRepository;
  rounds: RoundsRepository;
  admin: RequestHandler;
  throttle: AuthThrottle;
  bodyLimitBytes: number;
}) {
  const { events, rounds, admin, throttle } = options;
  const router = Router();
  const json = express.json({ limit: options.bodyLimitBytes });
  // With a bearer token the organiser's view (a wrong token is refused); without one, the public's.
  const withToken: RequestHandler = (req, _res, next) =>
    next(req.get("authorization") === undefined ? "route" : undefined);
  const organiserView = async (id: string) => events.requireView(id, "organiser");

  router.get("/api/events", admin, async (_req, res) => {
    const list = await events.list();
    res.json({ events: await Promise.all(list.map((event) => events.view(event, "organiser"))) });
  });

  router.post("/api/events", admin, json, async (req, res) => {
    const input = parseBody(EventCreateSchema, req.body);
    const event = await events.create({ ...input, id: input.id ?? newEventId() });
    res.status(201).json(await events.view(event, "organiser"));
  });

  // Bounded by the organiser body limit like any round; every round is validated before any is made.
  router.post("/api/events/import", admin, json, async (req, res) => {
    res.status(201).json(await importEvent(events, rounds, parseBody(EventImportSchema, req.body)));
  });

  router.get("/api/events/:id", withToken, admin, async (req, res) => {
    res.json(await organiserView(eventIdParam(req.params.id)));
  });
  router.get("/api/events/:id", async (req, res) => {
    res.json(await events.requireView(eventIdParam(req.params.id), "public"));
  });

  // The event's projector: its view with drafts (for the "next round" card) and the current round's own key.
  router.get("/api/events/:id/screen", async (req, res) => {
    const id = eventIdParam(req.params.id);
    const key = req.get(SCREEN_KEY_HEADER) ?? parseQuery(ScreenQuerySchema, req.query).key ?? "";
    await throttle.verify(
      clientAddress(req.ip).ip,
      await events.isScreenKey(id, key),
      () =>
        new AppError(
          "INVALID_SCREEN_KEY",
          "This screen key is not valid for the event; ask the organiser for the screen link.",
        ),
    );
    const event = await events.requireView(id, "screen");
    const answer: EventScreenView = {
      event,
      roundScreenKey: event.current === null ? null : await rounds.screenKey(event.current, false),
    };
    res.setHeader("Cache-Control", "no-store");
    res.json(answer);
  });

  router.patch("/api/events/:id", admin, json, async (req, res) => {
    const id = eventIdParam(req.params.id);
    const event = await events.update(id, parseBody(EventPatchSchema, req.body));
    res.json(await events.view(event, "organiser"));
  });

  router.post("/api/events/:id/current", admin, json, async (req, res) => {
    const id = eventIdParam(req.params.id);
    const event = await events.setCurrent(id, parseBody(EventCurrentSchema, req.body).roundId);
    res.json(await events.view(event, "organiser"));
  });

  router.post("/api/events/:id/next", admin, async (req, res) => {
    res.json(await events.view(await events.next(eventIdParam(req.params.id)), "organiser"));
  });

  router.get("/api/events/:id/screen-key", admin, async (req, res) => {
    const screenKey = await events.screenKey(eventIdParam(req.params.id), false);
    res.json({ screenKey } satisfies EventScreenKeyResponse);
  });
  router.post("/api/events/:id/screen-key", admin, async (req, res) => {
    const screenKey = await events.screenKey(eventIdParam(req.params.id), true);
    res.json({ screenKey } satisfies EventScreenKeyResponse);
  });

  router.delete("/api/events/:id", admin, async (req, res) => {
    await events.delete(eventIdParam(req.params.id));
    res.status(204).end();
  });

  return router;
}
