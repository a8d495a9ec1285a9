import { describe, expect, it } from "vitest";
import {
  ballotDurabilityFromEnv,
  ConfigError,
  clusterTargetFromEnv,
  defaultHttpLimits,
  defaultServerConfig,
  httpLimitsFromEnv,
  parseEnv,
  voterLimitsFromEnv,
} from "./config.js";
import { DEFAULT_VOTER_LIMITS } from "./integrity/voter-limits.js";
import { connectionsCheckingInterval } from "./server.js";

describe("HTTP limits from the environment", () => {
  it("defaults to the event-day values of defaultServerConfig", () => {
    expect(httpLimitsFromEnv(parseEnv({}))).toEqual(defaultHttpLimits);
    expect(defaultHttpLimits).toEqual({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5_000,
      maxConnections: 5_000,
      maxHeaderBytes: 16_384,
    });
  });

  it("reads each variable", () => {
    const env = parseEnv({
      HTTP_HEADERS_TIMEOUT_MS: "2000",
      HTTP_REQUEST_TIMEOUT_MS: "4000",
      HTTP_KEEP_ALIVE_TIMEOUT_MS: "1500",
      HTTP_MAX_CONNECTIONS: "100",
      HTTP_MAX_HEADER_BYTES: "8192",
    });
    expect(httpLimitsFromEnv(env)).toEqual({
      headersTimeoutMs: 2000,
      requestTimeoutMs: 4000,
      keepAliveTimeoutMs: 1500,
      maxConnections: 100,
      maxHeaderBytes: 8192,
    });
  });

  it("refuses headers that may take longer than the whole request (Node would throw), naming the variable", () => {
    expect(() => parseEnv({ HTTP_HEADERS_TIMEOUT_MS: "40000" })).toThrow(ConfigError);
    expect(() => parseEnv({ HTTP_HEADERS_TIMEOUT_MS: "40000" })).toThrow(/HTTP_HEADERS_TIMEOUT_MS/);
    expect(() => parseEnv({ HTTP_MAX_CONNECTIONS: "0" })).toThrow(/HTTP_MAX_CONNECTIONS/);
  });

  it("looks for late requests every tenth of the shorter limit, at most once a second", () => {
    expect(connectionsCheckingInterval(defaultHttpLimits)).toBe(1000);
    expect(connectionsCheckingInterval({ ...defaultHttpLimits, headersTimeoutMs: 400, requestTimeoutMs: 800 })).toBe(
      40,
    );
  });
});

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

describe("logs and metrics from the environment", () => {
  it("LOG_LEVEL defaults to info and takes pino's levels; METRICS_TOKEN is unset (endpoint off) by default", () => {
    expect(parseEnv({}).LOG_LEVEL).toBe("info");
    expect(parseEnv({}).METRICS_TOKEN).toBeUndefined();
    expect(parseEnv({ LOG_LEVEL: "debug", METRICS_TOKEN: "m".repeat(16) })).toMatchObject({
      LOG_LEVEL: "debug",
      METRICS_TOKEN: "m".repeat(16),
    });
  });

  it("refuses an unknown level and a short metrics token, naming the variable", () => {
    expect(() => parseEnv({ LOG_LEVEL: "loud" })).toThrow(/LOG_LEVEL/);
    expect(() => parseEnv({ METRICS_TOKEN: "short" })).toThrow(/METRICS_TOKEN/);
  });
});

describe("Redis Cluster and ballot durability from the environment", () => {
  it("defaults to no cluster and local durability", () => {
    const env = parseEnv({});
    expect(clusterTargetFromEnv(env)).toBeUndefined();
    expect(ballotDurabilityFromEnv(env)).toEqual({ mode: "local" });
    expect(
      defaultServerConfig({ adminToken: "a".repeat(16), voterTokenSecret: "s".repeat(32) }).ballotDurability,
    ).toEqual({ mode: "local" });
  });

  it("reads the seeds, credentials and TLS of a cluster", () => {
    const env = parseEnv({
      REDIS_CLUSTER_NODES: "10.0.0.1:7000, redis-b.internal:7001,[::1]:7002",
      REDIS_CLUSTER_USERNAME: "lb",
      REDIS_CLUSTER_PASSWORD: "pw",
      REDIS_CLUSTER_TLS: "true",
    });
    expect(clusterTargetFromEnv(env)).toEqual({
      cluster: {
        nodes: [
          { host: "10.0.0.1", port: 7000 },
          { host: "redis-b.internal", port: 7001 },
          { host: "::1", port: 7002 },
        ],
        username: "lb",
        password: "pw",
        tls: true,
      },
    });
    expect(clusterTargetFromEnv(parseEnv({ REDIS_CLUSTER_NODES: "h:1" }))).toEqual({
      cluster: { nodes: [{ host: "h", port: 1 }], tls: false },
    });
  });

  it("refuses REDIS_URL and REDIS_CLUSTER_NODES together, naming the variable", () => {
    const both = { REDIS_URL: "redis://127.0.0.1:6379", REDIS_CLUSTER_NODES: "127.0.0.1:7000" };
    expect(() => parseEnv(both)).toThrow(ConfigError);
    expect(() => parseEnv(both)).toThrow(/REDIS_CLUSTER_NODES: set either REDIS_URL .* not both/);
  });

  it("refuses seeds that are not host:port, and cluster credentials without a cluster", () => {
    expect(() => parseEnv({ REDIS_CLUSTER_NODES: "127.0.0.1" })).toThrow(
      /REDIS_CLUSTER_NODES: "127.0.0.1" is not host:port/,
    );
    expect(() => parseEnv({ REDIS_CLUSTER_NODES: "h:70000" })).toThrow(/REDIS_CLUSTER_NODES/);
    expect(() => parseEnv({ REDIS_CLUSTER_NODES: " , " })).toThrow(/REDIS_CLUSTER_NODES: names no node/);
    expect(() => parseEnv({ REDIS_CLUSTER_PASSWORD: "pw" })).toThrow(
      /REDIS_CLUSTER_PASSWORD: needs REDIS_CLUSTER_NODES/,
    );
    expect(() => parseEnv({ REDIS_CLUSTER_NODES: "h:1", REDIS_CLUSTER_TLS: "maybe" })).toThrow(/REDIS_CLUSTER_TLS/);
  });

  it("reads BALLOT_DURABILITY and its timeout", () => {
    expect(ballotDurabilityFromEnv(parseEnv({ BALLOT_DURABILITY: "replicated" }))).toEqual({
      mode: "replicated",
      timeoutMs: 500,
    });
    expect(
      ballotDurabilityFromEnv(parseEnv({ BALLOT_DURABILITY: "replicated", BALLOT_REPLICA_ACK_TIMEOUT_MS: "250" })),
    ).toEqual({ mode: "replicated", timeoutMs: 250 });
    expect(() => parseEnv({ BALLOT_DURABILITY: "quorum" })).toThrow(/BALLOT_DURABILITY/);
    expect(() => parseEnv({ BALLOT_REPLICA_ACK_TIMEOUT_MS: "0" })).toThrow(/BALLOT_REPLICA_ACK_TIMEOUT_MS/);
  });
});
