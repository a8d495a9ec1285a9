import { z } from "zod";
import { LIMITS } from "./limits.js";
import { RoundCreateSchema, RoundIdSchema, type RoundSummary } from "./schemas.js";

/**
 * Events of many rounds: an event groups rounds in order ("初赛", "复赛", "决赛", or one round per award
 * category); one phone URL and one screen URL per event follow the round the organiser makes current.
 */

/** Event ids are URL slugs, like round ids. */
export const EventIdSchema = RoundIdSchema;
export type EventId = z.infer<typeof EventIdSchema>;

const eventTitle = z.string().trim().min(1).max(LIMITS.roundTitleMaxLength);

/** Round ids of an event, in order: at least one, at most `LIMITS.eventRoundsMax`, each once. */
const EventRoundIdsSchema = z
  .array(RoundIdSchema)
  .min(1)
  .max(LIMITS.eventRoundsMax)
  .refine((ids) => new Set(ids).size === ids.length, { message: "a round appears twice" });

/** `POST /api/events`: existing rounds, in the order the event runs them. */
export const EventCreateSchema = z.strictObject({
  id: EventIdSchema.optional(),
  title: eventTitle,
  rounds: EventRoundIdsSchema,
});
export type EventCreate = z.infer<typeof EventCreateSchema>;

/** `PATCH /api/events/:id`: a new title, or a new order (rounds may also be added or taken out). */
export const EventPatchSchema = z
  .strictObject({ title: eventTitle.optional(), rounds: EventRoundIdsSchema.optional() })
  .refine((patch) => patch.title !== undefined || patch.rounds !== undefined, { message: "nothing to change" });
export type EventPatch = z.infer<typeof EventPatchSchema>;

/** `POST /api/events/:id/current`: the round screens and phones show from now on (one of the event's). */
export const EventCurrentSchema = z.strictObject({ roundId: RoundIdSchema });
export type EventCurrent = z.infer<typeof EventCurrentSchema>;

/**
 * `POST /api/events/import`: a whole event as one file, its rounds in the shared data file's shape
 * (`{ title, description, rules, options }`, each with an optional `id`). Every round is checked before any is made.
 */
export const EventImportSchema = z.strictObject({
  id: EventIdSchema.optional(),
  title: eventTitle,
  rounds: z
    .array(RoundCreateSchema)
    .min(1)
    .max(LIMITS.eventRoundsMax)
    .superRefine((rounds, ctx) => {
      const seen = new Set<string>();
      rounds.forEach((round, index) => {
        if (round.id === undefined) return;
        if (seen.has(round.id))
          ctx.addIssue({ code: "custom", message: "a round id appears twice", path: [index, "id"] });
        seen.add(round.id);
      });
    }),
});
export type EventImport = z.infer<typeof EventImportSchema>;
export type EventImportInput = z.input<typeof EventImportSchema>;

/**
 * An event as the caller may see it. The organiser (and a screen with the event's key) sees every round; the
 * public sees no draft, as for rounds: a draft current round reads as "between rounds".
 */
export interface EventView {
  id: EventId;
  title: string;
  /** The event's rounds in order, as the caller may see them (drafts left out for the public). */
  rounds: RoundSummary[];
  /** The round screens and phones show now: null before the first round, or while the current one is a draft the caller may not see. */
  current: string | null;
  /** Between rounds: no current round yet, or the current one is still a draft. Screens show "next round coming up". */
  betweenRounds: boolean;
  /** What comes next while between rounds (the current draft, or the first round), when the caller may see its title. */
  next: { id: string; title: string } | null;
  /** 1-based place of the current round in the whole order (drafts counted), and the number of rounds. */
  position: number | null;
  roundCount: number;
  /** Grows with every change of the event (title, order, current round). */
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** `GET /api/events/:id/screen` (with the event's screen key): the view and the current round's own screen key. */
export interface EventScreenView {
  event: EventView;
  /** The current round's screen key, for its live board; null between rounds. */
  roundScreenKey: string | null;
}

/** `POST /api/events/import`: the event and the rounds it made, in order. */
export interface EventImported {
  event: EventView;
  rounds: string[];
}

export interface EventScreenKeyResponse {
  screenKey: string;
}

/** `event:join`: follow an event's current round. */
export const EventJoinSchema = z.strictObject({ eventId: EventIdSchema });
export type EventJoin = z.infer<typeof EventJoinSchema>;
export const EventLeaveSchema = EventJoinSchema;
export type EventLeave = EventJoin;

/** Socket.IO room of an event. */
export function eventRoom(eventId: string): string {
  return `event:${eventId}`;
}
