import { type ClientView, type ErrorCode, isErrorCode, LIMITS, type RoundStats } from "@lb/common";
import { roundKeys } from "../redis/keys.js";
import type { RedisClient } from "../redis/redis-client.js";

/** How long a backend's presence report counts; backends report every PRESENCE_INTERVAL_MS. */
export const PRESENCE_TTL_MS = 6_000;
export const PRESENCE_INTERVAL_MS = 2_000;

const MINUTE_MS = 60_000;

export type ViewCounts = Record<ClientView, number>;

export const emptyViewCounts = (): ViewCounts => ({ vote: 0, board: 0, screen: 0, console: 0 });

/** The organiser's live panel: ballots per minute, refusals by reason, sockets connected across backends. */
export class StatsRepository {
  constructor(private readonly redis: RedisClient) {}

  async recordRejection(roundId: string, epoch: number, code: ErrorCode): Promise<void> {
    await this.redis.hincrby(roundKeys(roundId).epoch(epoch).rejected, code, 1);
  }

  /** Refused ballots of an epoch by code (the live panel and the integrity report). */
  async rejections(roundId: string, epoch: number): Promise<Partial<Record<ErrorCode, number>>> {
    const rejected = await this.redis.hgetall(roundKeys(roundId).epoch(epoch).rejected);
    return Object.fromEntries(
      Object.entries(rejected)
        .filter(([code]) => isErrorCode(code))
        .map(([code, n]) => [code, Number(n)]),
    );
  }

  /** This backend's sockets on a round, by page; read by every backend's stats. */
  async reportPresence(roundId: string, backendId: string, counts: ViewCounts): Promise<void> {
    const { presence } = roundKeys(roundId);
    await this.redis
      .multi()
      .hset(presence, backendId, JSON.stringify({ counts, at: Date.now() }))
      .pexpire(presence, PRESENCE_TTL_MS * 2)
      .exec();
  }

  async read(roundId: string, epoch: number, totalBallots: number, nowMs = Date.now()): Promise<RoundStats> {
    const keys = roundKeys(roundId);
    const epochKeys = keys.epoch(epoch);
    const [minutes, rejected, presence, voters] = await Promise.all([
      this.redis.hgetall(epochKeys.minutes),
      this.rejections(roundId, epoch),
      this.redis.hgetall(keys.presence),
      // One field per credential that voted (the console's "voters who voted" tile).
      this.redis.hlen(epochKeys.voters),
    ]);
    const thisMinute = Math.floor(nowMs / MINUTE_MS);
    const ballotsPerMinute = Array.from({ length: LIMITS.statsWindowMinutes }, (_, index) => {
      const minute = thisMinute - LIMITS.statsWindowMinutes + 1 + index;
      return { minute: new Date(minute * MINUTE_MS).toISOString(), ballots: Number(minutes[String(minute)] ?? 0) };
    });
    const connected = emptyViewCounts();
    for (const report of Object.values(presence)) {
      const { counts, at } = JSON.parse(report) as { counts: ViewCounts; at: number };
      if (nowMs - at > PRESENCE_TTL_MS) continue;
      for (const view of Object.keys(connected) as ClientView[]) connected[view] += counts[view] ?? 0;
    }
    return {
      roundId,
      epoch,
      totalBallots,
      voters,
      ballotsPerMinute,
      rejected,
      connected,
    };
  }
}
