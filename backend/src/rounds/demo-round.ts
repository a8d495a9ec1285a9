import { readFileSync } from "node:fs";
import { RoundCreateSchema } from "@lb/common";
import { AppError } from "../http/app-error.js";
import type { RoundsRepository } from "./rounds.repository.js";

export const DEMO_ROUND_ID = "qingdao-2021";

/** The real round from the shared data (64 options, pick 1..15), as `npm start` offers it on an empty store. */
export function demoRound() {
  const file = new URL("../../data/qingdao-customs-2021.json", import.meta.url);
  return RoundCreateSchema.parse({ ...JSON.parse(readFileSync(file, "utf8")), id: DEMO_ROUND_ID });
}

/** Creates and opens the demo round when the store has no round at all. Returns whether it did. */
export async function seedDemoRound(rounds: RoundsRepository): Promise<boolean> {
  if ((await rounds.listIds()).length > 0) return false;
  try {
    await rounds.create({ ...demoRound(), id: DEMO_ROUND_ID });
  } catch (error) {
    // Another backend starting beside us seeded it first.
    if (error instanceof AppError && error.code === "ROUND_EXISTS") return false;
    throw error;
  }
  await rounds.transition(DEMO_ROUND_ID, "open");
  return true;
}
