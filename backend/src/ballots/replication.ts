import type { BallotDurability } from "../config.js";
import { AppError } from "../http/app-error.js";
import { roundKeys } from "../redis/keys.js";
import { isCluster, type RedisClient } from "../redis/redis-client.js";

/** The marker's lifetime: long enough to outlive any WAIT, short enough that idle rounds keep no extra key. */
const MARKER_TTL_MS = 60_000;
/** What a 503 of a ballot that no replica confirmed asks the voter's page to wait before its retry. */
const RETRY_AFTER_SECONDS = 1;

/** Confirmations of one client: at most one WAIT per round in flight, and at most one queued behind it. */
const inFlight = new WeakMap<RedisClient, Map<string, { running: Promise<void>; next?: Promise<void> }>>();

/**
 * BALLOT_DURABILITY=replicated: resolves once a replica of the round's master has every write that master had
 * when this was called, so call it once after the ballot script's reply (a replay's included, or once for a
 * batch of ballots of one round); throws 503 UNAVAILABLE with Retry-After when none confirms within the timeout.
 * `local`: resolves at once.
 *
 * How: WAIT counts the replicas that have the connection's own last write, so it is sent in one pipeline right
 * after a small write under the round's hash tag (`keys.replicated`). The pipeline goes to the master of the
 * round's slot (ioredis routes a cluster pipeline by its keys); that master has the ballot (the script ran there),
 * and the marker comes after it in that master's replication stream, so a replica that has the marker has the
 * ballot. A replay, which writes nothing, is covered the same way. `redis` should be a connection of its own:
 * WAIT blocks its connection until it returns.
 *
 * Callers for the same round while a WAIT is in flight share the next one (group commit): one WAIT answers
 * every ballot whose reply came before it was sent.
 */
export function confirmReplicated(redis: RedisClient, roundId: string, durability: BallotDurability): Promise<void> {
  if (durability.mode === "local") return Promise.resolve();
  let rounds = inFlight.get(redis);
  if (!rounds) {
    rounds = new Map();
    inFlight.set(redis, rounds);
  }
  const entry = rounds.get(roundId);
  if (!entry) {
    const running = waitForReplica(redis, roundId, durability.timeoutMs).finally(() => {
      if (rounds.get(roundId)?.running === running) rounds.delete(roundId);
    });
    rounds.set(roundId, { running });
    return running;
  }
  // A WAIT is in flight, but its marker may have been written before this ballot: join the one after it.
  entry.next ??= entry.running.catch(() => undefined).then(() => confirmReplicated(redis, roundId, durability));
  return entry.next;
}

async function waitForReplica(redis: RedisClient, roundId: string, timeoutMs: number, again = false): Promise<void> {
  const replies = await redis
    .pipeline()
    .set(roundKeys(roundId).replicated, Date.now(), "PX", MARKER_TTL_MS)
    .wait(1, timeoutMs)
    .exec();
  const error = replies?.find(([failed]) => failed)?.[0];
  if (error) {
    // After a failover the old master's port may answer as a replica: SET gets MOVED but WAIT another error, and
    // ioredis follows a pipeline's MOVED only when every command got it. Read the slots again, then try once more.
    if (!again && isCluster(redis) && /^MOVED\b/.test(error.message)) {
      await new Promise<void>((resolve) => redis.refreshSlotsCache(() => resolve()));
      return waitForReplica(redis, roundId, timeoutMs, true);
    }
    throw error;
  }
  const replicas = Number(replies?.[1]?.[1] ?? 0);
  if (replicas >= 1) return;
  const refusal = new AppError("UNAVAILABLE", "No replica confirmed the ballot in time; send it again.");
  refusal.headers = { "Retry-After": String(RETRY_AFTER_SECONDS) };
  throw refusal;
}
