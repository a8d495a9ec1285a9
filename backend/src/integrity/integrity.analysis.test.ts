import type { AuditEntry, AuditLine } from "@lb/common";
import { describe, expect, it } from "vitest";
import { analyseAudit, gapCv } from "./integrity.analysis.js";

const T0 = Date.parse("2026-11-27T09:00:00Z");

function ballot(id: string, network: string, choices: string[], atMs: number, voter = id): AuditEntry {
  return {
    kind: "ballot",
    ballotId: id,
    voter,
    choices,
    receivedAt: new Date(atMs).toISOString(),
    ip: `ip-${id}`,
    network,
    cred: "token",
  };
}

describe("gapCv", () => {
  it("is 0 for a clock, about 1 or more for bursts, null below five ballots", () => {
    expect(gapCv([0, 100, 200, 300, 400])).toBe(0);
    expect(gapCv([0, 1, 2, 1000, 1001, 1002])).toBeGreaterThan(1.5);
    expect(gapCv([0, 100, 200, 300])).toBeNull();
    expect(gapCv([5, 5, 5, 5, 5])).toBe(0);
  });
});

describe("analyseAudit", () => {
  it("finds an option's surge in one minute against its share over the whole scan", () => {
    const lines: AuditLine[] = [];
    // Minutes 0-2: 20 ballots each, spread over options 1-8. Minute 3: 16 of 20 for option 8.
    for (let minute = 0; minute < 3; minute++) {
      for (let i = 0; i < 20; i++) {
        lines.push(ballot(`m${minute}-${i}`, "n1", [String((i % 8) + 1)], T0 + minute * 60_000 + i * 1000));
      }
    }
    for (let i = 0; i < 20; i++) lines.push(ballot(`s${i}`, "n2", [i < 16 ? "8" : "1"], T0 + 180_000 + i * 1000));
    const analysis = analyseAudit(lines);
    expect(analysis.surges).toEqual([
      {
        minute: new Date(T0 + 180_000).toISOString(),
        optionId: "8",
        votes: 16,
        minuteBallots: 20,
        share: 0.8,
        overallShare: 0.275,
      },
    ]);
  });

  it("replays exclusions and undos among the entries; those naming ballots before the window are ignored", () => {
    const lines: AuditLine[] = [
      ballot("a", "n1", ["1"], T0),
      ballot("b", "n1", ["1"], T0 + 10),
      ballot("c", "n2", ["2", "3"], T0 + 20),
      { kind: "exclude", exclusionId: "x1", reason: "r", ballotIds: ["a", "b", "before-window"], at: "" },
      { kind: "restore", exclusionId: "x1", reason: "r", ballotIds: ["a", "b", "before-window"], at: "" },
      { kind: "exclude", exclusionId: "x2", reason: "r", ballotIds: ["b"], at: "" },
    ];
    const analysis = analyseAudit(lines);
    expect(analysis).toMatchObject({ entries: 6, ballots: 2, excluded: 1, networkCount: 2 });
    expect(analysis.networks.map((row) => [row.network, row.ballots, row.excluded])).toEqual([
      ["n1", 1, 1],
      ["n2", 1, 0],
    ]);
    expect(analysis.pickSets).toEqual([
      { choices: ["1"], ballots: 1, share: 0.5 },
      { choices: ["2", "3"], ballots: 1, share: 0.5 },
    ]);
    expect(analysis.singleOption).toEqual({ ballots: 1, share: 0.5 });
  });
});
