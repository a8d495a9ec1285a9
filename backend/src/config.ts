import { fileURLToPath } from "node:url";
import { z } from "zod";

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
  /** Audit entries the integrity report reads (the newest ones): bounds its memory and time on huge rounds. */
  INTEGRITY_SCAN_LIMIT: z.coerce.number().int().min(1000).max(5_000_000).default(50_000),
  /** Create and open the demo round when the store holds no round. */
  SEED_DEMO: z.stringbool().default(true),
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
  /** Audit entries the integrity report reads, newest first. */
  integrityScanLimit: number;
  /** Built frontend to serve; undefined serves none. */
  staticDir?: string;
}

export class ConfigError extends Error {}

export function parseEnv(env: Record<string, string | undefined>): EnvConfig {
  const result = EnvSchema.safeParse(env);
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
    integrityScanLimit: 50_000,
    ...overrides,
  };
}
