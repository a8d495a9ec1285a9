import { createHash } from "node:crypto";
import { createChallenge } from "altcha-lib/v1";
import { describe, expect, it } from "vitest";
import { sha256Hex, solvePow } from "./sha256";

const reference = (text: string) => createHash("sha256").update(text).digest("hex");

describe("sha256Hex", () => {
  it("matches the standard digests, across block boundaries", () => {
    expect(sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    for (const length of [0, 1, 55, 56, 63, 64, 65, 119, 120, 200]) {
      const text = "x".repeat(length);
      expect(sha256Hex(text), `length ${length}`).toBe(reference(text));
    }
  });
});

describe("solvePow", () => {
  it("solves a challenge made by altcha-lib, as the server makes them", async () => {
    const challenge = await createChallenge({
      hmacKey: "k".repeat(64),
      maxnumber: 5_000,
      number: 4_321,
      expires: new Date(Date.now() + 60_000),
    });
    expect(solvePow(challenge.challenge, challenge.salt, challenge.maxnumber ?? 0)).toBe(4_321);
  });

  it("gives up past max", async () => {
    const challenge = await createChallenge({ hmacKey: "k".repeat(64), maxnumber: 100, number: 90 });
    expect(solvePow(challenge.challenge, challenge.salt, 50)).toBeNull();
  });
});
