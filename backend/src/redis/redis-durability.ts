import type { Redis } from "ioredis";

/**
 * Our promise: a ballot answered 201 is never lost. Redis keeps it only with the append-only file fsynced before
 * the answer (`appendonly yes`, `appendfsync always`). The managed redis-server runs so; an external one
 * (REDIS_URL) is checked at start-up and the log says when it cannot keep the promise.
 */
export interface DurabilityReport {
  /** True when Redis says it runs with `appendonly yes` and `appendfsync always`. */
  ok: boolean;
  /** One line for the log. */
  message: string;
}

const ADVICE = "set appendonly yes and appendfsync always on that Redis (see the README's Security and failure model)";

export async function checkRedisDurability(redis: Redis): Promise<DurabilityReport> {
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
        `warning: could not check how REDIS_URL keeps its data (CONFIG GET: ${(error as Error).message}); unless it ` +
        `runs with appendonly yes and appendfsync always, a crash of Redis can lose acknowledged ballots: ${ADVICE}`,
    };
  }
  if (appendOnly !== "yes") {
    return {
      ok: false,
      message:
        `warning: REDIS_URL runs with appendonly ${appendOnly ?? "unknown"}: a crash or restart of Redis loses every ` +
        `ballot since its last snapshot: ${ADVICE}`,
    };
  }
  if (appendFsync !== "always") {
    const loss =
      appendFsync === "everysec"
        ? "a kill -9 of redis-server can lose about the last 2 s of acknowledged ballots, a power cut as much"
        : "a crash of the machine can lose the last ~30 s of acknowledged ballots (whatever the OS had not written)";
    return { ok: false, message: `warning: REDIS_URL runs with appendfsync ${appendFsync}: ${loss}: ${ADVICE}` };
  }
  return { ok: true, message: "REDIS_URL keeps every acknowledged ballot (appendonly yes, appendfsync always)" };
}

async function configValue(redis: Redis, name: string): Promise<string | undefined> {
  const reply = (await redis.config("GET", name)) as string[];
  return reply[1];
}
