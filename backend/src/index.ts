/** What other packages (tests, benchmarks) may use of the backend. */
export { createApp } from "./app.js";
export { packBallot } from "./ballots/ballots.service.js";
export { type BallotDurability, defaultServerConfig, parseEnv, type RedisTarget, type ServerConfig } from "./config.js";
export { ballotHash, stepDigest } from "./history/chain.js";
export { DEFAULT_VOTER_LIMITS, type VoterLimitsConfig } from "./integrity/voter-limits.js";
export { auditEntryRecord, PACKED_BALLOT_FIELD, packBallotEntry } from "./leaderboard/audit-entry.js";
export { parseAuditEntry } from "./leaderboard/leaderboard.repository.js";
export { createLogger, type Logger } from "./observability/log.js";
export { DataDirInUseError } from "./redis/data-dir-lock.js";
export { castBallotKeys, roundIndexKey, roundKeys } from "./redis/keys.js";
export { scripts } from "./redis/lua-script.js";
export {
  closeRedisClient,
  createRedisClient,
  dataNodes,
  execEach,
  isCluster,
  isRetryableRedisError,
  type RedisClient,
  scanKeys,
} from "./redis/redis-client.js";
export { checkRedisDurability } from "./redis/redis-durability.js";
export {
  type AppendFsync,
  RedisServerNotFoundError,
  type RedisServerProcess,
  startRedisServer,
} from "./redis/redis-server-process.js";
export { DEMO_ROUND_ID, demoRound } from "./rounds/demo-round.js";
export { createServer, type LeaderboardServer, type ServerDeps } from "./server.js";
export { voterHash } from "./voters/voter-token.js";
