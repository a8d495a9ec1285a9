import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { sha1Hex } from "./sha1";

const reference = (text: string) => createHash("sha1").update(text).digest("hex");

describe("sha1Hex", () => {
  it("matches node:crypto on the known vector and on every length around the block edges", () => {
    expect(sha1Hex("abc")).toBe("a9993e364706816aba3e25717850c26c9cd0d89d");
    for (let length = 0; length <= 200; length++) {
      const text = "x".repeat(length);
      expect(sha1Hex(text), `length ${length}`).toBe(reference(text));
    }
  });

  it("hashes UTF-8, as Redis does the chain's canonical string", () => {
    const text = `${"0".repeat(64)}\nballot-é\n1,2\n1700000000000`;
    expect(sha1Hex(text)).toBe(reference(text));
  });
});
