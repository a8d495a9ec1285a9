import { fileURLToPath } from "node:url";
import { z } from "zod";
import { DEFAULT_VOTER_LIMITS, type VoterLimitsConfig } from "./integrity/voter-limits.js";

/**
 * The environment, parsed once at start-up. Each variable has one line of doc; the README's configuration
 * table repeats them. A bad value stops the process with a message that names the variable.
 */
const EnvSchema = z.object({
  /** TCP port of the HTTP API, Socket.IO and the built frontend. */
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  /** Interface to listen on. */
  HOST: z.string().min(1).default("0.0.0.0"),
  /** Redis to use. Unset: `npm start` runs a private redis-server from PATH with its data in DATA_DIR. */
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  /** Where the private redis-server keeps its append-only file and snapshot. */
  DATA_DIR: z
    .string()
    .min(1)
    .default(fileURLToPath(new URL("../../.data", import.meta.url))),
  /** Bearer token of the organiser API. Unset: one is generated once, kept in Redis and printed at start. */
  ADMIN_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  /** HMAC secret that signs voter tokens. Unset: one is generated once and kept in Redis. */
  VOTER_TOKEN_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  /** Live update tick: at most one leaderboard update per round per tick. */
  LIVE_TICK_MS: z.coerce.number().int().min(10).max(10_000).default(100),
  /** Largest accepted ballot request body. */
  BALLOT_BODY_LIMIT_BYTES: z.coerce.number().int().min(256).max(1_048_576).default(4096),
  /** Largest accepted organiser request body (a round with long option descriptions). */
  ADMIN_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(16_777_216).default(2_097_152),
  /** Mark the voter cookie `Secure` (set when served over HTTPS). */
  COOKIE_SECURE: z.stringbool().default(false),
  /** Trust X-Forwarded-* from a reverse proxy (set behind a load balancer). */
  TRUST_PROXY: z.stringbool().default(false),
  /** Built frontend to serve; empty to serve none. */
  STATIC_DIR: z.string().default(fileURLToPath(new URL("../../frontend/dist", import.meta.url))),
  /** Create and open the demo round when the store holds no round. */
  SEED_DEMO: z.stringbool().default(true),
  /** Per-IP and per-network limits on new voter tokens and ballots (`off`: for benchmarks or a gate in front). */
  VOTER_LIMITS: z.enum(["on", "off"]).default("on"),
  /** Requests per second per IP (minting and ballots, each) that pass without a proof-of-work challenge; 0: none. */
  VOTER_LIMIT_SOFT_RATE: z.coerce.number().int().min(0).max(100_000).default(DEFAULT_VOTER_LIMITS.softRate),
  /** Extra requests per IP, on top of the soft rate, that pass without a challenge in each burst window. */
  VOTER_LIMIT_SOFT_BURST: z.coerce.number().int().min(0).max(1_000_000).default(DEFAULT_VOTER_LIMITS.softBurst),
  /** Requests per second per IP answered at all (challenged ones included); above: 429 RATE_LIMITED. */
  VOTER_LIMIT_HARD_RATE: z.coerce.number().int().min(1).max(100_000).default(DEFAULT_VOTER_LIMITS.hardRate),
  /** Extra requests per IP, on top of the hard rate, answered in each burst window. */
  VOTER_LIMIT_HARD_BURST: z.coerce.number().int().min(0).max(1_000_000).default(DEFAULT_VOTER_LIMITS.hardBurst),
  /** Seconds after which a spent burst is available again. */
  VOTER_LIMIT_BURST_WINDOW_S: z.coerce.number().int().min(1).max(86_400).default(DEFAULT_VOTER_LIMITS.burstWindowSec),
  /** A network's (/24, /64) limits are the IP limits times this. */
  VOTER_LIMIT_NETWORK_FACTOR: z.coerce.number().int().min(1).max(1000).default(DEFAULT_VOTER_LIMITS.networkFactor),
  /** Challenge cost (ALTCHA maxnumber: SHA-256 tries, half of it on average) just past the soft limit. */
  CHALLENGE_MIN_COST: z.coerce.number().int().min(1).max(1e9).default(DEFAULT_VOTER_LIMITS.challengeMinCost),
  /** Challenge cost as the hard limit nears. */
  CHALLENGE_MAX_COST: z.coerce.number().int().min(1).max(1e9).default(DEFAULT_VOTER_LIMITS.challengeMaxCost),
  /** Seconds a challenge may be solved and used in (once). */
  CHALLENGE_TTL_S: z.coerce.number().int().min(5).max(3600).default(DEFAULT_VOTER_LIMITS.challengeTtlSec),
});

export type EnvConfig = z.infer<typeof EnvSchema>;

/** What `createServer` needs: secrets resolved, nothing read from the environment. */
export interface ServerConfig {
  adminToken: string;
  voterTokenSecret: string;
  liveTickMs: number;
  ballotBodyLimitBytes: number;
  adminBodyLimitBytes: number;
  cookieSecure: boolean;
  trustProxy: boolean;
  /** Built frontend to serve; undefined serves none. */
  staticDir?: string;
  /** Limits on minting voter tokens and on ballots per IP and network (`enabled: false` = VOTER_LIMITS=off). */
  voterLimits: VoterLimitsConfig;
}

export class ConfigError extends Error {}

/** The voter limits of the environment. */
export function voterLimitsFromEnv(env: EnvConfig): VoterLimitsConfig {
  return {
    enabled: env.VOTER_LIMITS === "on",
    softRate: env.VOTER_LIMIT_SOFT_RATE,
    softBurst: env.VOTER_LIMIT_SOFT_BURST,
    hardRate: env.VOTER_LIMIT_HARD_RATE,
    hardBurst: env.VOTER_LIMIT_HARD_BURST,
    burstWindowSec: env.VOTER_LIMIT_BURST_WINDOW_S,
    networkFactor: env.VOTER_LIMIT_NETWORK_FACTOR,
    challengeMinCost: env.CHALLENGE_MIN_COST,
    challengeMaxCost: env.CHALLENGE_MAX_COST,
    challengeTtlSec: env.CHALLENGE_TTL_S,
  };
}

export function parseEnv(env: Record<string, string | undefined>): EnvConfig {
  const result = EnvSchema.superRefine((parsed, ctx) => {
    if (parsed.VOTER_LIMIT_HARD_RATE < parsed.VOTER_LIMIT_SOFT_RATE) {
      ctx.addIssue({
        code: "custom",
        message: "must be at least VOTER_LIMIT_SOFT_RATE",
        path: ["VOTER_LIMIT_HARD_RATE"],
      });
    }
    if (parsed.CHALLENGE_MAX_COST < parsed.CHALLENGE_MIN_COST) {
      ctx.addIssue({ code: "custom", message: "must be at least CHALLENGE_MIN_COST", path: ["CHALLENGE_MAX_COST"] });
    }
  }).safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  return result.data;
}

export function defaultServerConfig(
  overrides: Partial<ServerConfig> & Pick<ServerConfig, "adminToken" | "voterTokenSecret">,
): ServerConfig {
  return {
    liveTickMs: 100,
    ballotBodyLimitBytes: 4096,
    adminBodyLimitBytes: 2_097_152,
    cookieSecure: false,
    trustProxy: false,
    voterLimits: DEFAULT_VOTER_LIMITS,
    ...overrides,
  };
}
