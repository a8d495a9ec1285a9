/**
 * For benchmarks that need a big round fast (time travel, the integrity report): a backend in this process on a
 * given Redis, one round of the demo's shape, and synthetic ballots written straight into the epoch's keys as
 * cast-ballot.lua would (audit stream, tally, counters), without running the ballot script per ballot.
 */
import {
  createRedisClient,
  createServer,
  defaultServerConfig,
  PACKED_BALLOT_FIELD,
  packBallotEntry,
  roundKeys,
  type ServerConfig,
} from "@lb/backend";
import type { Redis } from "ioredis";

const ADMIN_TOKEN = "bench-admin-token-0000";

export interface InProcessService {
  base: string;
  /** The organiser's headers for JSON requests. */
  headers: Record<string, string>;
  redis: Redis;
  close(): Promise<void>;
}

/** A backend (createServer) on `redisUrl`, listening on a free loopback port. */
export async function startInProcessService(
  redisUrl: string,
  overrides: Partial<ServerConfig> = {},
): Promise<InProcessService> {
  const redis = createRedisClient(redisUrl);
  const server = createServer({
    config: defaultServerConfig({ adminToken: ADMIN_TOKEN, voterTokenSecret: "x".repeat(32), ...overrides }),
    redis,
  });
  await new Promise<void>((resolve) => server.httpServer.listen(0, "127.0.0.1", resolve));
  const { port } = server.httpServer.address() as { port: number };
  return {
    base: `http://127.0.0.1:${port}`,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    redis,
    async close() {
      await server.close();
      await redis.quit();
    },
  };
}

/** A throwaway round of 64 options, 1 to 3 picks, named `<prefix>-<time>`; its id. */
export async function createBenchRound(service: InProcessService, prefix: string): Promise<string> {
  const id = `${prefix}-${Date.now()}`;
  const options = Array.from({ length: 64 }, (_, i) => ({ number: i + 1, title: `Option ${i + 1}` }));
  await fetch(`${service.base}/api/rounds`, {
    method: "POST",
    headers: service.headers,
    body: JSON.stringify({ id, title: "bench", rules: { minChoices: 1, maxChoices: 3 }, options }),
  });
  return id;
}

/** One synthetic ballot: its picks, its time, its stream id (`*`: Redis's) and any further audit values. */
export interface SyntheticBallot {
  choices: string[];
  atMs: number;
  streamId?: string;
  extra?: { ip?: string; net?: string; cred?: string; sinceLoad?: string; link?: string };
}

/** Writes `count` ballots of `ballotAt(i)` into epoch 1 of `roundId`, then the tally and the counters. */
export async function fillSyntheticBallots(
  redis: Redis,
  roundId: string,
  count: number,
  ballotAt: (index: number) => SyntheticBallot,
): Promise<void> {
  const keys = roundKeys(roundId).epoch(1);
  const tally = new Map<string, number>();
  for (let done = 0; done < count; done += 10_000) {
    const pipeline = redis.pipeline();
    for (let i = done; i < Math.min(count, done + 10_000); i++) {
      const { choices, atMs, streamId = "*", extra = {} } = ballotAt(i);
      for (const choice of choices) tally.set(choice, (tally.get(choice) ?? 0) + 1);
      const entry = packBallotEntry({
        ballot: `b-${i}`,
        voter: `v-${i}`,
        choices: choices.join(","),
        at: String(atMs),
        ...extra,
      });
      pipeline.xadd(keys.audit, streamId, PACKED_BALLOT_FIELD, entry);
    }
    await pipeline.exec();
  }
  const pipeline = redis.pipeline();
  for (const [option, votes] of tally) pipeline.zadd(keys.tally, votes, option);
  pipeline.hset(keys.state, "ballots", count, "seq", count);
  await pipeline.exec();
}
