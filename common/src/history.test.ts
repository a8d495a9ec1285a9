import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  ballotHashInput,
  CHAIN_GENESIS,
  chainInput,
  checkPublishedLog,
  linkInput,
  type PublishedLogLine,
  stepLine,
} from "./history.js";

const sha = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");
const asyncSha = async (text: string) => sha(text);

type Ballot = { ballotId: string; choices: string[] };

/**
 * A published log as the backend writes it: one ballot from before steps (its own chained hash), then steps of
 * the given ballots, then an exclusion of the first step's first ballot.
 */
function publishedLog(steps: Ballot[][]): PublishedLogLine[] {
  const lines: PublishedLogLine[] = [];
  const old = { ballotId: "old-1", choices: ["1"], atMs: 1_000 };
  let previous = sha(chainInput(CHAIN_GENESIS, old.ballotId, old.choices, old.atMs));
  lines.push({ kind: "ballot", ...old, hash: previous });
  const tally: Record<string, number> = { "1": 1, "2": 0, "3": 0 };
  steps.forEach((ballots, index) => {
    const atMs = 2_000 + index;
    const digest = sha(ballots.map((b) => stepLine(b.ballotId, b.choices.join(","))).join(""));
    const link = sha(linkInput(previous, atMs, digest));
    for (const ballot of ballots) {
      lines.push({ kind: "ballot", ...ballot, atMs, link, hash: sha(ballotHashInput(link, ballot.ballotId)) });
      for (const choice of ballot.choices) tally[choice] = (tally[choice] ?? 0) + 1;
    }
    previous = link;
  });
  const excluded = steps[0]?.[0] as Ballot;
  lines.push({ kind: "exclude", exclusionId: "x1", reason: "test", ballotIds: [excluded.ballotId], atMs: 3_000 });
  for (const choice of excluded.choices) tally[choice] = (tally[choice] ?? 0) - 1;
  const ballots = 1 + steps.reduce((n, step) => n + step.length, 0);
  const header: PublishedLogLine = {
    kind: "publication",
    genesis: CHAIN_GENESIS,
    roundId: "r",
    epoch: 1,
    head: previous,
    ballots,
    excluded: 1,
    tally,
    publishedAt: "2026-12-02T00:00:00.000Z",
  };
  return [header, ...lines];
}

const steps: Ballot[][] = [
  [
    { ballotId: "a", choices: ["1", "2"] },
    { ballotId: "b", choices: ["2"] },
    { ballotId: "c", choices: ["3", "1"] },
  ],
  [{ ballotId: "d", choices: ["2"] }],
];

const ballotLine = (lines: PublishedLogLine[], ballotId: string) =>
  lines.find((line) => line.kind === "ballot" && line.ballotId === ballotId) as Extract<
    PublishedLogLine,
    { kind: "ballot" }
  >;

describe("checkPublishedLog: the chain of steps", () => {
  it("accepts a whole log (a ballot from before steps, then steps of several ballots) and finds a receipt", async () => {
    const lines = publishedLog(steps);
    expect(await checkPublishedLog(lines, asyncSha)).toEqual({ ok: true, problems: [], ballots: 5 });
    const b = ballotLine(lines, "b");
    expect(await checkPublishedLog(lines, asyncSha, b.hash)).toMatchObject({ ok: true, found: true, excluded: false });
    const a = ballotLine(lines, "a");
    expect(await checkPublishedLog(lines, asyncSha, a.hash)).toMatchObject({ found: true, excluded: true });
    expect(await checkPublishedLog(lines, asyncSha, "f".repeat(64))).toMatchObject({ ok: true, found: false });
  });

  it("refuses a changed pick inside a step, though every ballot's own hash still follows from the link", async () => {
    const lines = publishedLog(steps);
    ballotLine(lines, "b").choices = ["3"];
    const check = await checkPublishedLog(lines, asyncSha);
    expect(check.ok).toBe(false);
    expect(check.problems.join("\n")).toMatch(/step of 3 ballot\(s\) from a does not chain/);
  });

  it("refuses ballots reordered within a step, a ballot dropped from one, and a forged receipt hash", async () => {
    const reordered = publishedLog(steps);
    [reordered[2], reordered[3]] = [reordered[3] as PublishedLogLine, reordered[2] as PublishedLogLine];
    expect((await checkPublishedLog(reordered, asyncSha)).problems.join("\n")).toMatch(/does not chain/);

    const dropped = publishedLog(steps).filter((line) => !(line.kind === "ballot" && line.ballotId === "c"));
    expect((await checkPublishedLog(dropped, asyncSha)).ok).toBe(false);

    const forged = publishedLog(steps);
    ballotLine(forged, "d").hash = "0".repeat(64);
    expect((await checkPublishedLog(forged, asyncSha)).problems).toContain(
      "ballot d: its hash does not follow from its step",
    );
  });

  it("refuses a step whose ballots claim different times, and a head that is not the last link", async () => {
    const times = publishedLog(steps);
    ballotLine(times, "c").atMs += 1;
    expect((await checkPublishedLog(times, asyncSha)).problems.join("\n")).toMatch(/different times/);

    const head = publishedLog(steps);
    (head[0] as Extract<PublishedLogLine, { kind: "publication" }>).head = CHAIN_GENESIS;
    expect((await checkPublishedLog(head, asyncSha)).problems).toContain(
      "the last step's link is not the published head",
    );
  });
});
