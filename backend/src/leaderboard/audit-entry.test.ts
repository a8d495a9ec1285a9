import { describe, expect, it } from "vitest";
import {
  auditEntryBallotId,
  auditEntryChoices,
  auditEntryRecord,
  BALLOT_ENTRY_FIELDS,
  PACKED_BALLOT_FIELD,
  packBallotEntry,
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
  hash: "ab".repeat(32),
};
const packed = [PACKED_BALLOT_FIELD, packBallotEntry(ballot)];
const fieldForm = Object.entries(ballot).flat();
const exclusion = ["exclusion", "0123456789abcdef", "action", "exclude", "reason", "spam", "ballots", "a,b", "at", "5"];

describe("audit entry format", () => {
  it("packs a ballot's values in the layout's order, the chain value last", () => {
    expect(packed[1]).toBe(BALLOT_ENTRY_FIELDS.map((name) => ballot[name]).join("|"));
    expect(BALLOT_ENTRY_FIELDS.at(-1)).toBe("hash");
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

  it("tells exclusions from ballots", () => {
    expect(auditEntryChoices(exclusion)).toBeUndefined();
    expect(parseAuditEntry(exclusion)).toMatchObject({ kind: "exclude", ballotIds: ["a", "b"], reason: "spam" });
  });
});
