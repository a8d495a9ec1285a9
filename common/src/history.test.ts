import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { CHAIN_GENESIS, chainInput, checkPublishedLog, type PublishedLogLine } from "./history.js";

const hex = (algorithm: string) => async (text: string) => createHash(algorithm).update(text, "utf8").digest("hex");
const hashers = { sha1hex: hex("sha1"), sha256hex: hex("sha256") };

/** A published log of two ballots: the first linked with `firstAlgorithm`, the second with SHA-1. */
async function log(firstAlgorithm: "sha1" | "sha256"): Promise<PublishedLogLine[]> {
  const first = await hex(firstAlgorithm)(chainInput(CHAIN_GENESIS, "b-1", ["1"], 1000));
  const second = await hashers.sha1hex(chainInput(first, "b-2", ["2", "1"], 2000));
  return [
    {
      kind: "publication",
      genesis: CHAIN_GENESIS,
      roundId: "r",
      epoch: 1,
      head: second,
      ballots: 2,
      excluded: 0,
      tally: { "1": 2, "2": 1 },
      publishedAt: new Date(0).toISOString(),
    },
    { kind: "ballot", ballotId: "b-1", choices: ["1"], atMs: 1000, hash: first },
    { kind: "ballot", ballotId: "b-2", choices: ["2", "1"], atMs: 2000, hash: second },
  ];
}

describe("checkPublishedLog", () => {
  it("checks each link with the function its length names: SHA-1 (40 hex digits) or SHA-256 (64)", async () => {
    for (const first of ["sha1", "sha256"] as const) {
      const lines = await log(first);
      const hash = lines[2]?.kind === "ballot" ? lines[2].hash : "";
      expect(await checkPublishedLog(lines, hashers, hash)).toEqual({
        ok: true,
        problems: [],
        ballots: 2,
        found: true,
        excluded: false,
      });
    }
  });

  it("refuses a link that is neither, and a link that does not chain", async () => {
    const lines = await log("sha256");
    const odd = lines.map((line, i) => (i === 1 && line.kind === "ballot" ? { ...line, hash: "ab".repeat(24) } : line));
    expect((await checkPublishedLog(odd, hashers)).problems).toContain(
      "line 2: ballot b-1 has no SHA-1 or SHA-256 hash",
    );
    const changed = lines.map((line, i) => (i === 2 && line.kind === "ballot" ? { ...line, choices: ["2"] } : line));
    expect((await checkPublishedLog(changed, hashers)).problems).toContain("line 3: ballot b-2 does not chain");
  });
});
