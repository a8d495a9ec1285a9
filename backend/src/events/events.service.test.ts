import type { EventImport } from "@lb/common";
import { EventImportSchema } from "@lb/common";
import { describe, expect, it } from "vitest";
import type { RoundsRepository } from "../rounds/rounds.repository.js";
import type { EventsRepository } from "./events.repository.js";
import { importEvent } from "./events.service.js";

const round = (id: string) => ({
  id,
  title: id,
  rules: { minChoices: 1, maxChoices: 1 },
  options: [{ number: 1, title: "One" }],
});
const file = (): EventImport =>
  EventImportSchema.parse({ id: "ev", title: "Event", rounds: ["a", "b", "c"].map(round) });

/** Redis failing on the second round: what the organiser is told (the Redis parts are tested in events.int.test.ts). */
describe("importEvent when Redis fails part-way", () => {
  it("names the rounds already made and says that no event was made", async () => {
    const made: string[] = [];
    const rounds = {
      currentEpoch: async () => null,
      create: async ({ id }: { id: string }) => {
        if (made.length === 1) throw new Error("Connection is closed.");
        made.push(id);
      },
    };
    let eventsMade = 0;
    const events = {
      get: async () => null,
      create: async () => {
        eventsMade++;
      },
    };
    const failure = importEvent(events as unknown as EventsRepository, rounds as unknown as RoundsRepository, file());
    await expect(failure).rejects.toMatchObject({
      code: "UNAVAILABLE",
      message: expect.stringMatching(/Connection is closed.*these rounds were made as drafts: a; no event was made/),
    });
    expect(eventsMade).toBe(0);
  });
});
