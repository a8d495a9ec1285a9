import { execEach, isCluster, type RedisClient } from "./redis-client.js";

/**
 * Our promise: a ballot answered 201 is never lost. Redis keeps it only with the append-only file fsynced before
 * the answer (`appendonly yes`, `appendfsync always`). The managed redis-server runs so; an external one
 * (REDIS_URL) is checked at start-up and the log says when it cannot keep the promise. On a Redis Cluster every
 * master is asked (a replica that takes over keeps what its own configuration keeps; see BALLOT_DURABILITY).
 */
export interface DurabilityReport {
  /** True when Redis says it runs with `appendonly yes` and `appendfsync always`. */
  ok: boolean;
  /** One line for the log. */
  message: string;
}

const ADVICE = "set appendonly yes and appendfsync always on that Redis (see the README's Security and failure model)";

export async function checkRedisDurability(redis: RedisClient): Promise<DurabilityReport> {
  const source = isCluster(redis) ? "REDIS_CLUSTER_NODES" : "REDIS_URL";
  let appendOnly: string | undefined;
  let appendFsync: string | undefined;
  try {
    appendOnly = await configValue(redis, "appendonly");
    appendFsync = await configValue(redis, "appendfsync");
  } catch (error) {
    // Managed Redis services often rename or refuse CONFIG.
    return {
      ok: false,
      message:
        `warning: could not check how ${source} keeps its data (CONFIG GET: ${(error as Error).message}); unless it ` +
        `runs with appendonly yes and appendfsync always, a crash of Redis can lose acknowledged ballots: ${ADVICE}`,
    };
  }
  if (appendOnly !== "yes") {
    return {
      ok: false,
      message:
        `warning: ${source} runs with appendonly ${appendOnly ?? "unknown"}: a crash or restart of Redis loses every ` +
        `ballot since its last snapshot: ${ADVICE}`,
    };
  }
  if (appendFsync !== "always") {
    const loss =
      appendFsync === "everysec"
        ? "a kill -9 of redis-server can lose about the last 2 s of acknowledged ballots, a power cut as much"
        : "a crash of the machine can lose the last ~30 s of acknowledged ballots (whatever the OS had not written)";
    return { ok: false, message: `warning: ${source} runs with appendfsync ${appendFsync}: ${loss}: ${ADVICE}` };
  }
  return { ok: true, message: `${source} keeps every acknowledged ballot (appendonly yes, appendfsync always)` };
}

/** The setting on every data node: one value when they agree, else the values seen (which is not "yes"/"always"). */
async function configValue(redis: RedisClient, name: string): Promise<string | undefined> {
  const replies = await execEach(redis, (node) => node.config("GET", name) as Promise<string[]>);
  const values = [...new Set(replies.map((reply) => reply[1]))];
  return values.length === 1 ? values[0] : values.join("/");
}
