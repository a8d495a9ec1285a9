import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BallotRequestSchema, RoundCreateSchema, RoundPatchSchema, RoundRulesSchema } from "./schemas.js";

const demo = JSON.parse(
  readFileSync(new URL("../../backend/data/qingdao-customs-2021.json", import.meta.url), "utf8"),
) as unknown;

describe("RoundCreateSchema", () => {
  it("accepts the shared data file as it is and gives options their number as id", () => {
    const round = RoundCreateSchema.parse(demo);
    expect(round.options).toHaveLength(64);
    expect(round.options[0]?.id).toBe("1");
    expect(round.rules).toEqual({
      minChoices: 1,
      maxChoices: 15,
      resultsVisibility: "always",
      screenVisibility: "always",
      opensAt: null,
      closesAt: null,
      electorate: "open",
      ballotsPerVoter: "once",
      timeZone: "Asia/Shanghai",
      allowedNetworks: [],
    });
  });

  it("rejects duplicate numbers, duplicate ids and impossible rules", () => {
    const base = { title: "t", rules: { minChoices: 1, maxChoices: 2 } };
    const dupNumbers = RoundCreateSchema.safeParse({
      ...base,
      options: [
        { number: 1, title: "a" },
        { number: 1, title: "b" },
      ],
    });
    expect(dupNumbers.success).toBe(false);
    const dupIds = RoundCreateSchema.safeParse({
      ...base,
      options: [
        { id: "x", number: 1, title: "a" },
        { id: "x", number: 2, title: "b" },
      ],
    });
    expect(dupIds.success).toBe(false);
    const minTooHigh = RoundCreateSchema.safeParse({
      title: "t",
      rules: { minChoices: 3, maxChoices: 3 },
      options: [{ number: 1, title: "a" }],
    });
    expect(minTooHigh.success).toBe(false);
    const minAboveMax = RoundCreateSchema.safeParse({ ...base, rules: { minChoices: 2, maxChoices: 1 } });
    expect(minAboveMax.success).toBe(false);
  });

  it("rejects unknown fields and bad slugs", () => {
    const options = [{ number: 1, title: "a" }];
    const rules = { minChoices: 1, maxChoices: 1 };
    expect(RoundCreateSchema.safeParse({ title: "t", rules, options, colour: "red" }).success).toBe(false);
    expect(RoundCreateSchema.safeParse({ id: "Bad Slug", title: "t", rules, options }).success).toBe(false);
  });
});

describe("RoundPatchSchema", () => {
  it("needs at least one field", () => {
    expect(RoundPatchSchema.safeParse({}).success).toBe(false);
    expect(RoundPatchSchema.safeParse({ title: "new" }).success).toBe(true);
  });
});

describe("BallotRequestSchema", () => {
  it("accepts choices with an optional idempotency key and nothing else", () => {
    expect(BallotRequestSchema.safeParse({ choices: ["1", "2"] }).success).toBe(true);
    expect(BallotRequestSchema.safeParse({ choices: ["1"], idempotencyKey: "k-1" }).success).toBe(true);
    expect(BallotRequestSchema.safeParse({ choices: [] }).success).toBe(false);
    expect(BallotRequestSchema.safeParse({ choices: [1] }).success).toBe(false);
    expect(BallotRequestSchema.safeParse({ choices: ["1"], extra: true }).success).toBe(false);
    expect(BallotRequestSchema.safeParse({ choices: ["1"], idempotencyKey: "" }).success).toBe(false);
  });

  it("normalises a ticket (case, dashes, spaces) and refuses one that cannot be a code", () => {
    expect(BallotRequestSchema.parse({ choices: ["1"], ticket: "abcd-efgh jkmn" }).ticket).toBe("ABCDEFGHJKMN");
    expect(BallotRequestSchema.safeParse({ choices: ["1"], ticket: "ABCD-EFGH-JKM0" }).success).toBe(false);
    expect(BallotRequestSchema.safeParse({ choices: ["1"], ticket: "" }).success).toBe(false);
    expect(BallotRequestSchema.safeParse({ choices: ["1"], ticket: 42 }).success).toBe(false);
  });
});

describe("rules for who votes and how often", () => {
  const rules = (extra: object) => RoundRulesSchema.safeParse({ minChoices: 1, maxChoices: 1, ...extra });

  it("takes known electorates, ballots per voter and IANA time zones only", () => {
    expect(rules({ electorate: "tickets", ballotsPerVoter: "daily", timeZone: "Europe/Paris" }).success).toBe(true);
    expect(rules({ timeZone: "UTC" }).success).toBe(true);
    expect(rules({ electorate: "invite" }).success).toBe(false);
    expect(rules({ ballotsPerVoter: "hourly" }).success).toBe(false);
    for (const timeZone of ["Mars/Olympus", "", "Asia/Shanghai; DROP", "x".repeat(65)]) {
      expect(rules({ timeZone }).success, timeZone).toBe(false);
    }
  });
});
