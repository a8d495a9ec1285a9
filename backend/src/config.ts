import { fileURLToPath } from "node:url";
import { z } from "zod";
import type { HistoryLimits } from "./history/history.repository.js";
import { normalizeOrigin } from "./http/origin.js";
import { DEFAULT_VOTER_LIMITS, type VoterLimitsConfig } from "./integrity/voter-limits.js";
import { LOG_LEVELS } from "./observability/log.js";

/**
 * The environment, parsed once at start-up. Each variable has one line of doc; the README's configuration
 * table repeats them. A bad value stops the process with a message that names the variable.
 */
const EnvSchema = z
  .object({
    /** TCP port of the HTTP API, Socket.IO and the built frontend. */
    PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
    /** Interface to listen on. */
    HOST: z.string().min(1).default("0.0.0.0"),
    /** Redis to use. Unset: `npm start` runs a private redis-server from PATH with its data in DATA_DIR. */
    REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
    /** Redis Cluster seeds (comma-separated `host:port`); the client finds the other nodes. Not with REDIS_URL. */
    REDIS_CLUSTER_NODES: z
      .string()
      .optional()
      .transform((value, ctx) => {
        if (value === undefined || value.trim() === "") return undefined;
        const nodes: { host: string; port: number }[] = [];
        for (const entry of value.split(",").map((part) => part.trim())) {
          if (entry === "") continue;
          const match = /^(\[[0-9a-fA-F:]+\]|[^:\s]+):(\d{1,5})$/.exec(entry);
          const port = Number(match?.[2]);
          if (!match?.[1] || port < 1 || port > 65_535) {
            ctx.addIssue({ code: "custom", message: `"${entry}" is not host:port` });
          } else {
            nodes.push({ host: match[1].replace(/^\[|\]$/g, ""), port });
          }
        }
        return nodes;
      }),
    /** ACL user of every cluster node (unset: the default user). */
    REDIS_CLUSTER_USERNAME: z.string().min(1).optional(),
    /** Password of every cluster node. */
    REDIS_CLUSTER_PASSWORD: z.string().min(1).optional(),
    /** Connect to the cluster nodes over TLS. */
    REDIS_CLUSTER_TLS: z.stringbool().default(false),
    /**
     * When a ballot is acknowledged: `local` once its master ran the script (a master that dies before its replica
     * copied it may lose it); `replicated` once WAIT says a replica has it too (else 503 UNAVAILABLE, retried).
     */
    BALLOT_DURABILITY: z.enum(["local", "replicated"]).default("local"),
    /** `replicated`: how long a ballot waits for a replica's acknowledgement before it is answered 503 UNAVAILABLE. */
    BALLOT_REPLICA_ACK_TIMEOUT_MS: z.coerce.number().int().min(10).max(60_000).default(500),
    /** Where the private redis-server keeps its append-only file, snapshot, password and lock (made private: 700). */
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
    /**
     * Phones (the voter page's live tab, `view: "vote"`) get at most one leaderboard update per this many ms
     * (screens, boards and the console get one per tick): each phone update carries every change since its last.
     */
    LIVE_PHONE_UPDATE_MS: z.coerce.number().int().min(10).max(60_000).default(300),
    /** Sockets an update is written to per turn of the event loop; a bigger room gets it over several turns. */
    LIVE_FANOUT_SLICE: z.coerce.number().int().min(1).max(100_000).default(200),
    /**
     * What this process serves: `all` (everything), `ingest` (the HTTP API and pages, no Socket.IO and no live
     * ticks), `live` (Socket.IO with its live ticks, pages and reads; ballots refused with 503 UNAVAILABLE).
     */
    ROLE: z.enum(["all", "ingest", "live"]).default("all"),
    /** Ballots of one round that one run of the ballot script counts at most (those of one event-loop turn). */
    BALLOT_BATCH_MAX: z.coerce.number().int().min(1).max(1000).default(64),
    /** Largest accepted ballot request body. */
    BALLOT_BODY_LIMIT_BYTES: z.coerce.number().int().min(256).max(1_048_576).default(4096),
    /** Largest accepted organiser request body (a round with long option descriptions). */
    ADMIN_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(16_777_216).default(2_097_152),
    /** A client must send a request's headers within this time, or the connection is cut (408). */
    HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(10_000),
    /** A client must send a whole request (headers and body) within this time, or the connection is cut (408). */
    HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
    /** An idle keep-alive connection is closed after this time. */
    HTTP_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
    /** Open TCP connections (HTTP and Socket.IO) one backend accepts; past it new ones are closed at once. */
    HTTP_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(1_000_000).default(5_000),
    /** Largest request head (request line and headers); past it the request gets 431. */
    HTTP_MAX_HEADER_BYTES: z.coerce.number().int().min(1024).max(1_048_576).default(16_384),
    /** Mark the voter cookie `Secure` (set when served over HTTPS). */
    COOKIE_SECURE: z.stringbool().default(false),
    /** Trust X-Forwarded-* from a reverse proxy (set behind a load balancer). */
    TRUST_PROXY: z.stringbool().default(false),
    /** Built frontend to serve; empty to serve none. */
    STATIC_DIR: z.string().default(fileURLToPath(new URL("../../frontend/dist", import.meta.url))),
    /**
     * Where phones reach this service (`https://vote.example.org`, `http://192.168.1.20:3000`): the start-up URLs and
     * the console's links and QR codes use it. Unset: the console uses the address it was opened at.
     */
    PUBLIC_URL: z
      .url({ protocol: /^https?$/ })
      .refine(isOrigin, "must be an origin (scheme, host and port), without a path")
      .transform((value) => new URL(value).origin)
      .optional(),
    /** Audit entries the integrity report reads (the newest ones): bounds its memory and time on huge rounds. */
    INTEGRITY_SCAN_LIMIT: z.coerce.number().int().min(1000).max(5_000_000).default(50_000),
    /** Time travel (`?at=`): a cumulative tally is kept every this many audit entries (bounds one answer's reading). */
    HISTORY_CHECKPOINT_ENTRIES: z.coerce.number().int().min(100).max(1_000_000).default(2_000),
    /** Round epochs whose time-travel checkpoints one backend keeps in memory. */
    HISTORY_CACHED_EPOCHS: z.coerce.number().int().min(1).max(1000).default(16),
    /** Frames (evenly spaced instants) in a replay feed at most: bounds its size for any number of ballots. */
    REPLAY_MAX_FRAMES: z.coerce.number().int().min(10).max(100_000).default(1200),
    /** Create and open the demo round when the store holds no round. */
    SEED_DEMO: z.stringbool().default(true),
    /**
     * Backend processes sharing PORT (node:cluster, each a full backend). 1: no cluster. More only when no client
     * falls back to Socket.IO long-polling, whose requests must reach one process (the voter page does by default).
     */
    WORKERS: z.coerce.number().int().min(1).max(64).default(1),
    /** Other origins (comma-separated `scheme://host[:port]`) whose pages may open sockets and send POST/PATCH/PUT/DELETE. */
    ALLOWED_ORIGINS: z
      .string()
      .default("")
      .transform((value, ctx) => {
        const origins: string[] = [];
        for (const entry of value.split(",").map((part) => part.trim())) {
          if (entry === "") continue;
          const origin = normalizeOrigin(entry);
          if (origin === null) ctx.addIssue({ code: "custom", message: `"${entry}" is not an origin` });
          else origins.push(origin);
        }
        return origins;
      }),
    /** Wrong admin tokens and screen keys per client IP and minute (all backends together) before 429 RATE_LIMITED. */
    ADMIN_AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().min(1).max(10_000).default(10),
    /** Rounds one socket may watch at once. */
    SOCKET_MAX_ROUNDS: z.coerce.number().int().min(1).max(1000).default(8),
    /** `board:join`s one socket may send per minute (counted in its backend's memory). */
    SOCKET_JOINS_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(120),
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
    /** Least severe JSON log lines written to stdout (pino's levels; `debug` adds one line per HTTP request). */
    LOG_LEVEL: z.enum(LOG_LEVELS).default("info"),
    /** Bearer token of `GET /metrics` (Prometheus). Unset: the endpoint is off (404). */
    METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  })
  .refine((env) => env.HTTP_HEADERS_TIMEOUT_MS <= env.HTTP_REQUEST_TIMEOUT_MS, {
    // Node refuses a server whose headers may take longer than the whole request.
    message: "must not exceed HTTP_REQUEST_TIMEOUT_MS",
    path: ["HTTP_HEADERS_TIMEOUT_MS"],
  });

export type EnvConfig = z.infer<typeof EnvSchema>;

/** `https://host[:port]` with nothing after it: the pages' paths are absolute, a path prefix would break them. */
function isOrigin(value: string): boolean {
  try {
    return /^[^?#]*$/.test(value) && new URL(value).pathname === "/";
  } catch {
    return false;
  }
}

/** What the Redis client connects to: one Redis (a URL) or a Redis Cluster (seeds and their credentials). */
export type RedisTarget =
  | { url: string }
  | { cluster: { nodes: { host: string; port: number }[]; username?: string; password?: string; tls: boolean } };

/** The cluster target of the environment, or undefined when it names none (REDIS_URL or a private redis-server). */
export function clusterTargetFromEnv(env: EnvConfig): RedisTarget | undefined {
  if (!env.REDIS_CLUSTER_NODES) return undefined;
  return {
    cluster: {
      nodes: env.REDIS_CLUSTER_NODES,
      ...(env.REDIS_CLUSTER_USERNAME ? { username: env.REDIS_CLUSTER_USERNAME } : {}),
      ...(env.REDIS_CLUSTER_PASSWORD ? { password: env.REDIS_CLUSTER_PASSWORD } : {}),
      tls: env.REDIS_CLUSTER_TLS,
    },
  };
}

/** When a ballot is acknowledged (BALLOT_DURABILITY, BALLOT_REPLICA_ACK_TIMEOUT_MS); see ballots/replication.ts. */
export type BallotDurability = { mode: "local" } | { mode: "replicated"; timeoutMs: number };

export type ProcessRole = "all" | "ingest" | "live";

/** What `createServer` needs: secrets resolved, nothing read from the environment. */
export interface ServerConfig {
  adminToken: string;
  voterTokenSecret: string;
  liveTickMs: number;
  /** At most one leaderboard update per this many ms to phones (LIVE_PHONE_UPDATE_MS; never more often than ticks). */
  livePhoneUpdateMs: number;
  /** Sockets written per event-loop turn when sending one update (LIVE_FANOUT_SLICE). */
  liveFanoutSlice: number;
  /** What this process serves (ROLE): `ingest` runs no Socket.IO, `live` takes no ballots. */
  role: ProcessRole;
  /** Ballots of one round per run of the ballot script at most (BALLOT_BATCH_MAX). */
  ballotBatchMax: number;
  ballotBodyLimitBytes: number;
  adminBodyLimitBytes: number;
  /** Node's http.Server limits (see HTTP_* in the environment). */
  http: HttpLimits;
  cookieSecure: boolean;
  trustProxy: boolean;
  /** Origins, besides a request's own, allowed to open sockets and send state-changing requests (normalised). */
  allowedOrigins: string[];
  adminAuthFailuresPerMinute: number;
  socketMaxRounds: number;
  socketJoinsPerMinute: number;
  /** Audit entries the integrity report reads, newest first. */
  integrityScanLimit: number;
  /** Time travel and replay (HISTORY_CHECKPOINT_ENTRIES, HISTORY_CACHED_EPOCHS, REPLAY_MAX_FRAMES). */
  history: HistoryLimits;
  /** Built frontend to serve; undefined serves none. */
  staticDir?: string;
  /** Limits on minting voter tokens and on ballots per IP and network (`enabled: false` = VOTER_LIMITS=off). */
  voterLimits: VoterLimitsConfig;
  /** PUBLIC_URL (an origin), for the console's links and QR codes; undefined when unset. */
  publicUrl?: string;
  /** METRICS_TOKEN: bearer token of `GET /metrics`; undefined: the endpoint answers 404. */
  metricsToken?: string;
  /** BALLOT_DURABILITY: acknowledge a ballot once its master has it (`local`) or once a replica has it too. */
  ballotDurability: BallotDurability;
  /**
   * TEST ONLY, never read from the environment: milliseconds added to the clock that decides the calendar day
   * of `daily` rounds (Redis TIME in cast-ballot.lua, Date.now() in Node), so a test can cross midnight
   * without sleeping. Leave unset (0) anywhere else.
   */
  testClockOffsetMs?: number;
}

export interface HttpLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxConnections: number;
  maxHeaderBytes: number;
}

export const defaultHttpLimits: HttpLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 5_000,
  maxHeaderBytes: 16_384,
};

export function httpLimitsFromEnv(env: EnvConfig): HttpLimits {
  return {
    headersTimeoutMs: env.HTTP_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs: env.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    maxConnections: env.HTTP_MAX_CONNECTIONS,
    maxHeaderBytes: env.HTTP_MAX_HEADER_BYTES,
  };
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

export function ballotDurabilityFromEnv(env: EnvConfig): BallotDurability {
  return env.BALLOT_DURABILITY === "replicated"
    ? { mode: "replicated", timeoutMs: env.BALLOT_REPLICA_ACK_TIMEOUT_MS }
    : { mode: "local" };
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
    if (parsed.REDIS_URL && parsed.REDIS_CLUSTER_NODES) {
      ctx.addIssue({
        code: "custom",
        message: "set either REDIS_URL (one Redis) or REDIS_CLUSTER_NODES (a Redis Cluster), not both",
        path: ["REDIS_CLUSTER_NODES"],
      });
    }
    if (parsed.REDIS_CLUSTER_NODES?.length === 0) {
      ctx.addIssue({ code: "custom", message: "names no node", path: ["REDIS_CLUSTER_NODES"] });
    }
    const clusterOnly = ["REDIS_CLUSTER_USERNAME", "REDIS_CLUSTER_PASSWORD"] as const;
    for (const name of clusterOnly) {
      if (parsed[name] !== undefined && !parsed.REDIS_CLUSTER_NODES) {
        ctx.addIssue({ code: "custom", message: "needs REDIS_CLUSTER_NODES", path: [name] });
      }
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
    livePhoneUpdateMs: 300,
    liveFanoutSlice: 200,
    role: "all",
    ballotBatchMax: 64,
    ballotBodyLimitBytes: 4096,
    adminBodyLimitBytes: 2_097_152,
    http: defaultHttpLimits,
    cookieSecure: false,
    trustProxy: false,
    allowedOrigins: [],
    adminAuthFailuresPerMinute: 10,
    socketMaxRounds: 8,
    socketJoinsPerMinute: 120,
    voterLimits: DEFAULT_VOTER_LIMITS,
    integrityScanLimit: 50_000,
    history: { checkpointEntries: 2_000, cachedEpochs: 16, replayFrames: 1200 },
    ballotDurability: { mode: "local" },
    ...overrides,
  };
}
