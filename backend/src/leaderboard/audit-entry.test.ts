import { describe, expect, it } from "vitest";
import { ballotHash } from "../history/chain.js";
import {
  auditEntryBallotId,
  auditEntryChoices,
  auditEntryRecord,
  BALLOT_ENTRY_FIELDS,
  countRawEntryChoices,
  type OptionKey,
  optionIdOfKey,
  optionKey,
  PACKED_BALLOT_FIELD,
  packBallotEntry,
  rawEntryBallotId,
} from "./audit-entry.js";
import { parseAuditEntry } from "./leaderboard.repository.js";

const ballot = {
  ballot: "0b7c3c5e-4f7a-4c1e-9d0a-2f1e3d4c5b6a",
  voter: "t:9f86d081884c7d659a2feaa0c55ad015",
  choices: "opt_1,opt-2,3",
  at: "1764662400000",
  ip: "0123456789abcdef",
  net: "fedcba9876543210",
  cred: "ticket:Salle Été 2.b_north",
  sinceLoad: "",
  link: "ab".repeat(32),
};
const packed = [PACKED_BALLOT_FIELD, packBallotEntry(ballot)];
const fieldForm = Object.entries(ballot).flat();
const exclusion = ["exclusion", "0123456789abcdef", "action", "exclude", "reason", "spam", "ballots", "a,b", "at", "5"];

describe("audit entry format", () => {
  it("packs a ballot's values in the layout's order, the chain value last", () => {
    expect(packed[1]).toBe(BALLOT_ENTRY_FIELDS.map((name) => ballot[name]).join("|"));
    expect(BALLOT_ENTRY_FIELDS.at(-1)).toBe("link");
    expect(() => packBallotEntry({ ...ballot, cred: "ticket:a|b" })).toThrow(/separator/);
  });

  it("reads a packed entry and one written before the packed form alike", () => {
    for (const fields of [packed, fieldForm]) {
      expect(auditEntryRecord(fields)).toEqual(ballot);
      expect(auditEntryChoices(fields)).toBe(ballot.choices);
      expect(auditEntryBallotId(fields)).toBe(ballot.ballot);
    }
    expect(parseAuditEntry(packed)).toEqual(parseAuditEntry(fieldForm));
    expect(parseAuditEntry(packed)).toMatchObject({
      kind: "ballot",
      choices: ["opt_1", "opt-2", "3"],
      cred: ballot.cred,
    });
    expect(parseAuditEntry(packed)).not.toHaveProperty("sinceLoadMs");
  });

  it("gives a ballot's receipt hash unless asked not to (the integrity view and exclusions never show it)", () => {
    const { hash, ...rest } = parseAuditEntry(packed) as { hash?: string };
    expect(hash).toBe(ballotHash(ballot.link, ballot.ballot));
    expect(parseAuditEntry(packed, { withReceiptHash: false })).toEqual(rest);
  });

  it("tells exclusions from ballots", () => {
    expect(auditEntryChoices(exclusion)).toBeUndefined();
    expect(parseAuditEntry(exclusion)).toMatchObject({ kind: "exclude", ballotIds: ["a", "b"], reason: "spam" });
  });
});

describe("raw audit entries (xrangeBuffer)", () => {
  const raw = (fields: string[]) => fields.map((field) => Buffer.from(field, "utf8"));
  const counts = (votes: Map<OptionKey, number>) =>
    Object.fromEntries([...votes].map(([key, n]) => [optionIdOfKey(key), n]));

  it("keys option ids exactly, short ones as numbers, and tells them back", () => {
    for (const id of ["1", "64", "opt_1", "abcdef", "abcdefg", "a-long-option-id_with_64_chars", ""]) {
      expect(optionIdOfKey(optionKey(id))).toBe(id);
    }
    expect(typeof optionKey("abcdef")).toBe("number");
    expect(optionKey("abcdefg")).toBe("abcdefg");
    expect(optionKey("12")).not.toBe(optionKey("21"));
  });

  it("counts the picks of both forms alike, and nothing for an exclusion", () => {
    for (const fields of [packed, fieldForm]) {
      const votes = new Map<OptionKey, number>([[optionKey("3"), 5]]);
      expect(countRawEntryChoices(raw(fields), votes, 1)).toBe(true);
      expect(countRawEntryChoices(raw(fields), votes, -1)).toBe(true);
      expect(countRawEntryChoices(raw(fields), votes, 1)).toBe(true);
      expect(counts(votes)).toEqual({ opt_1: 1, "opt-2": 1, "3": 6 });
      expect(rawEntryBallotId(raw(fields))).toBe(ballot.ballot);
    }
    const long = [PACKED_BALLOT_FIELD, packBallotEntry({ ...ballot, choices: "a-long-option-id,x,a-long-option-id" })];
    const votes = new Map<OptionKey, number>();
    countRawEntryChoices(raw(long), votes, 1);
    expect(counts(votes)).toEqual({ "a-long-option-id": 2, x: 1 });
    expect(countRawEntryChoices(raw(exclusion), votes, 1)).toBe(false);
    expect(rawEntryBallotId(raw(exclusion))).toBe("");
    // An empty pick is counted under '' (as splitting the string would), so a recount shows it as a difference.
    const empty = new Map<OptionKey, number>();
    countRawEntryChoices(raw([PACKED_BALLOT_FIELD, packBallotEntry({ ballot: "b" })]), empty, 1);
    expect(counts(empty)).toEqual({ "": 1 });
  });
});
