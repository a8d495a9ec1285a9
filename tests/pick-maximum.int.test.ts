import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Backends, startBackends } from "./support/backend.js";
import { expectError, expectStatus } from "./support/http.js";
import { smallRound } from "./support/rounds.js";

const picks = (count: number) => Array.from({ length: count }, (_, i) => String(i + 1));

/**
 * The pick limits are the round's own, as they stand when the ballot arrives: a PATCH of the rules before the
 * first ballot moves them (on every backend, not only the one that took the PATCH), each round keeps its own,
 * and the first ballot locks them.
 */
describe("a round's pick maximum", () => {
  let backends: Backends;
  beforeAll(async () => {
    backends = await startBackends(2);
  });
  afterAll(async () => {
    await backends?.close();
  });

  it("follows a PATCH of the rules before the first ballot, at maxChoices and maxChoices + 1, per round", async () => {
    const [organiser, voting] = backends.backends.map((backend) => backend.api);
    if (!organiser || !voting) throw new Error("two backends");
    const wide = await organiser.createOpenRound(smallRound(8, { minChoices: 1, maxChoices: 3 }));
    const narrow = await organiser.createOpenRound(smallRound(8, { minChoices: 2, maxChoices: 4 }));
    // The other backend reads both rounds' rules before they change, as it would under load.
    const [early] = await voting.newVoters(1);
    if (!early) throw new Error("voter");
    expectError(await voting.castBallot(wide.id, early, picks(5)), "TOO_MANY_CHOICES");
    expectError(await voting.castBallot(narrow.id, early, picks(1)), "TOO_FEW_CHOICES");

    // Before any ballot: one round widens, the other narrows.
    expectStatus(await organiser.patchRound(wide.id, { rules: { maxChoices: 6 } }), 200);
    expectStatus(await organiser.patchRound(narrow.id, { rules: { minChoices: 1, maxChoices: 2 } }), 200);

    const [a, b, c, d, e] = await voting.newVoters(5);
    if (!a || !b || !c || !d || !e) throw new Error("voters");
    // wide: 6 is the maximum now, 7 is one too many.
    expectError(await voting.castBallot(wide.id, a, picks(7)), "TOO_MANY_CHOICES");
    expect((await voting.vote(wide.id, a, picks(6))).choices).toEqual(picks(6));
    // narrow: 2 is the maximum now, 3 (within its old rules and within wide's) is one too many; 1 is enough.
    expectError(await voting.castBallot(narrow.id, b, picks(3)), "TOO_MANY_CHOICES");
    expect((await voting.vote(narrow.id, b, picks(2))).choices).toEqual(picks(2));
    expect((await voting.vote(narrow.id, c, picks(1))).choices).toEqual(picks(1));
    // The same voter: six picks are fine in one round and too many in the other.
    expect((await voting.vote(wide.id, d, picks(6))).choices).toHaveLength(6);
    expectError(await voting.castBallot(narrow.id, d, picks(6)), "TOO_MANY_CHOICES");

    // The first ballot locked the limits: a PATCH now is refused and the limits stay.
    expectError(await organiser.patchRound(wide.id, { rules: { maxChoices: 8 } }), "ROUND_LOCKED");
    expectError(await voting.castBallot(wide.id, e, picks(7)), "TOO_MANY_CHOICES");
    expect((await organiser.round(wide.id)).rules.maxChoices).toBe(6);

    // Refused ballots left nothing behind.
    expect((await organiser.leaderboard(wide.id)).totalBallots).toBe(2);
    expect((await organiser.leaderboard(narrow.id)).totalBallots).toBe(2);
    expect((await organiser.recount(wide.id)).matches).toBe(true);
    expect((await organiser.recount(narrow.id)).matches).toBe(true);
  });
});
