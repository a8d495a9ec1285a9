import { describe, expect, it } from "vitest";
import { Challenges } from "./challenge.js";

describe("Challenges.cost", () => {
  // Pure arithmetic: the Redis client is never touched.
  const challenges = new Challenges({} as never, "s".repeat(32), { ttlSec: 60, minCost: 1_000, maxCost: 100_000 });

  it("rises geometrically from the minimum at the soft limit to the maximum at the hard one", () => {
    expect(challenges.cost(-1)).toBe(1_000);
    expect(challenges.cost(0)).toBe(1_000);
    expect(challenges.cost(0.5)).toBe(10_000);
    expect(challenges.cost(1)).toBe(100_000);
    expect(challenges.cost(7)).toBe(100_000);
  });

  it("hands out signed, expiring challenges of that cost", async () => {
    const challenge = await challenges.create(0.5);
    expect(challenge.maxnumber).toBe(10_000);
    expect(challenge.algorithm).toBe("SHA-256");
    expect(challenge.salt).toMatch(/\?expires=\d+&$/);
    expect(challenge.signature).toMatch(/^[0-9a-f]{64}$/);
  });
});
