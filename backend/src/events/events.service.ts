import { randomBytes } from "node:crypto";
import type { EventImport, EventImported } from "@lb/common";
import { AppError } from "../http/app-error.js";
import type { RoundsRepository } from "../rounds/rounds.repository.js";
import type { EventsRepository } from "./events.repository.js";

export const newRoundId = () => `r-${randomBytes(5).toString("hex")}`;
export const newEventId = () => `e-${randomBytes(5).toString("hex")}`;

/**
 * Imports an event as one file. Everything that can be checked is checked before anything is written: the
 * file's shape and every round (zod, at the route), that no round id nor the event id is taken. Then the
 * rounds are made one by one and the event last, so the event never names a round that is not there. Rounds
 * live under their own hash tags, so no single Redis step can make them all: when Redis fails midway the error
 * names the rounds already made (drafts, never opened, which the console can delete) and says no event was made.
 */
export async function importEvent(
  events: EventsRepository,
  rounds: RoundsRepository,
  file: EventImport,
): Promise<EventImported> {
  const eventId = file.id ?? newEventId();
  const planned = file.rounds.map((round) => ({ ...round, id: round.id ?? newRoundId() }));
  if (await events.get(eventId)) throw new AppError("EVENT_EXISTS", `An event with the id ${eventId} exists already.`);
  const epochs = await Promise.all(planned.map((round) => rounds.currentEpoch(round.id)));
  const taken = planned.filter((_, index) => epochs[index] !== null).map((round) => round.id);
  if (taken.length > 0) throw new AppError("ROUND_EXISTS", `Rounds with these ids exist already: ${taken.join(", ")}.`);

  const made: string[] = [];
  try {
    for (const round of planned) {
      await rounds.create(round);
      made.push(round.id);
    }
    const event = await events.create({ id: eventId, title: file.title, rounds: made });
    return { event: await events.view(event, "organiser"), rounds: made };
  } catch (error) {
    if (error instanceof AppError && error.status < 500 && made.length === 0) throw error;
    const what = made.length === 0 ? "no round was made" : `these rounds were made as drafts: ${made.join(", ")}`;
    throw new AppError(
      error instanceof AppError && error.status < 500 ? error.code : "UNAVAILABLE",
      `The import stopped part-way (${error instanceof Error ? error.message : String(error)}): ${what}; no event was made. Delete those drafts or import again with other ids.`,
    );
  }
}
