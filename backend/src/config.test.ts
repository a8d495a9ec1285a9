import { describe, expect, it } from "vitest";
import { ConfigError, parseEnv, voterLimitsFromEnv } from "./config.js";
import { DEFAULT_VOTER_LIMITS } from "./integrity/voter-limits.js";

describe("voter limits from the environment", () => {
  it("are on with the documented defaults", () => {
    expect(voterLimitsFromEnv(parseEnv({}))).toEqual(DEFAULT_VOTER_LIMITS);
  });

  it("turn off with VOTER_LIMITS=off and take every number from its variable", () => {
    const limits = voterLimitsFromEnv(
      parseEnv({
        VOTER_LIMITS: "off",
        VOTER_LIMIT_SOFT_RATE: "0",
        VOTER_LIMIT_SOFT_BURST: "5",
        VOTER_LIMIT_HARD_RATE: "7",
        VOTER_LIMIT_HARD_BURST: "9",
        VOTER_LIMIT_BURST_WINDOW_S: "30",
        VOTER_LIMIT_NETWORK_FACTOR: "3",
        CHALLENGE_MIN_COST: "100",
        CHALLENGE_MAX_COST: "200",
        CHALLENGE_TTL_S: "60",
      }),
    );
    expect(limits).toEqual({
      enabled: false,
      softRate: 0,
      softBurst: 5,
      hardRate: 7,
      hardBurst: 9,
      burstWindowSec: 30,
      networkFactor: 3,
      challengeMinCost: 100,
      challengeMaxCost: 200,
      challengeTtlSec: 60,
    });
  });

  it("refuse bad values, naming the variable", () => {
    expect(() => parseEnv({ VOTER_LIMITS: "maybe" })).toThrow(/VOTER_LIMITS/);
    expect(() => parseEnv({ VOTER_LIMIT_SOFT_RATE: "20", VOTER_LIMIT_HARD_RATE: "10" })).toThrow(
      /VOTER_LIMIT_HARD_RATE: must be at least VOTER_LIMIT_SOFT_RATE/,
    );
    expect(() => parseEnv({ CHALLENGE_MIN_COST: "10", CHALLENGE_MAX_COST: "5" })).toThrow(ConfigError);
  });
});
