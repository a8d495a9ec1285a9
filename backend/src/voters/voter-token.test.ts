import { describe, expect, it } from "vitest";
import { issueVoterToken, verifyVoterToken, voterHash } from "./voter-token.js";

const secret = "s".repeat(32);

describe("voter tokens", () => {
  it("verifies a token it issued and returns a stable voter id", () => {
    const token = issueVoterToken(secret);
    const voterId = verifyVoterToken(secret, token);
    expect(voterId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(verifyVoterToken(secret, token)).toBe(voterId);
  });

  it("rejects forged, tampered and malformed tokens", () => {
    const token = issueVoterToken(secret);
    expect(verifyVoterToken("t".repeat(32), token)).toBeNull();
    const [version, id, signature] = token.split(".") as [string, string, string];
    const otherId = `${id.slice(0, -1)}${id.endsWith("A") ? "B" : "A"}`;
    expect(verifyVoterToken(secret, `${version}.${otherId}.${signature}`)).toBeNull();
    expect(verifyVoterToken(secret, "")).toBeNull();
    expect(verifyVoterToken(secret, "v1.abc.def")).toBeNull();
    expect(verifyVoterToken(secret, `${token}x`)).toBeNull();
  });

  it("hashes voter ids without revealing them", () => {
    const hash = voterHash("abc");
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toContain("abc");
    expect(voterHash("abc")).toBe(hash);
  });
});
