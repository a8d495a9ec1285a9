import type { AuditLine, IntegrityReport } from "@lb/common";
import { parseAuditEntry } from "../leaderboard/leaderboard.repository.js";
import { roundKeys } from "../redis/keys.js";
import type { RedisClient } from "../redis/redis-client.js";
import type { StatsRepository } from "../stats/stats.repository.js";
import { type AuditAnalysis, analyseAudit } from "./integrity.analysis.js";

/** Audit entries read per round trip, newest first. */
const SCAN_BATCH = 2000;
/**
 * An analysis is reused for this long even when ballots arrived since: under load every ballot moves `seq`,
 * and recomputing for each poll of each console would cost a core (about 0.6 s per 50,000 entries).
 */
export const ANALYSIS_MAX_AGE_MS = 2_000;
/** Analyses kept, one per round epoch: a console refreshing every few seconds reuses it while no ballot lands. */
const CACHE_SIZE = 32;

/**
 * The integrity report: the newest `scanLimit` audit entries analysed (networks, pick-sets, regularity,
 * surges), plus the epoch's challenge and refusal counters. The analysis is cached per epoch: while `seq` has
 * not moved (the log only grows when it does) and for ANALYSIS_MAX_AGE_MS after it was made, so consoles
 * polling cost one read of two small hashes, and a busy round at most one analysis per 2 s per backend.
 */
export class IntegrityRepository {
  private readonly cache = new Map<string, { seq: number; at: number; analysis: AuditAnalysis; length: number }>();

  constructor(
    private readonly redis: RedisClient,
    private readonly stats: StatsRepository,
    private readonly scanLimit: number,
  ) {}

  /** Drops an epoch's cached analysis: after an exclusion here, the organiser's next look shows it at once. */
  forget(roundId: string, epoch: number): void {
    this.cache.delete(`${roundId}:${epoch}`);
  }

  /** The newest entries of the log, oldest first, at most `scanLimit`. */
  private async newestEntries(auditKey: string): Promise<AuditLine[]> {
    const newestFirst: AuditLine[] = [];
    let end = "+";
    while (newestFirst.length < this.scanLimit) {
      const count = Math.min(SCAN_BATCH, this.scanLimit - newestFirst.length);
      const batch = await this.redis.xrevrange(auditKey, end, "-", "COUNT", count);
      for (const [, fields] of batch) newestFirst.push(parseAuditEntry(fields, { withReceiptHash: false }));
      if (batch.length < count) break;
      end = `(${batch[batch.length - 1]?.[0]}`;
    }
    return newestFirst.reverse();
  }

  async report(roundId: string, epoch: number, top: number): Promise<IntegrityReport> {
    const keys = roundKeys(roundId).epoch(epoch);
    const [[seqReply, length], challenges, refusals, minted] = await Promise.all([
      // seq and the log's length in one MULTI: the analysis below is at least as new as this seq.
      this.redis
        .multi()
        .hget(keys.state, "seq")
        .xlen(keys.audit)
        .exec()
        .then((replies) =>
          (replies ?? []).map(([error, value]) => {
            if (error) throw error;
            return value;
          }),
        ) as Promise<[string | null, number]>,
      this.redis.hmget(keys.integrity, "challengesIssued", "challengesSolved"),
      this.stats.rejections(roundId, epoch),
      this.redis.hgetall(keys.minted),
    ]);
    const seq = Number(seqReply ?? 0);
    const cacheKey = `${roundId}:${epoch}`;
    let cached = this.cache.get(cacheKey);
    if (!cached || (cached.seq !== seq && Date.now() - cached.at >= ANALYSIS_MAX_AGE_MS)) {
      const analysis = analyseAudit(await this.newestEntries(keys.audit));
      cached = { seq, at: Date.now(), analysis, length };
      this.cache.delete(cacheKey);
      if (this.cache.size >= CACHE_SIZE) {
        const oldest = this.cache.keys().next().value;
        if (oldest !== undefined) this.cache.delete(oldest);
      }
      this.cache.set(cacheKey, cached);
    }
    const { analysis } = cached;
    return {
      roundId,
      epoch,
      // The seq the analysis was made at (the counters below are read fresh).
      seq: cached.seq,
      generatedAt: new Date(cached.at).toISOString(),
      scan: {
        entries: analysis.entries,
        limit: this.scanLimit,
        truncated: cached.length > analysis.entries,
        ballots: analysis.ballots,
        excluded: analysis.excluded,
      },
      networks: analysis.networks.slice(0, top).map((row) => ({ ...row, minted: Number(minted[row.network] ?? 0) })),
      networkCount: analysis.networkCount,
      pickSets: analysis.pickSets.slice(0, top),
      singleOption: analysis.singleOption,
      surges: analysis.surges.slice(0, top),
      challenges: { issued: Number(challenges[0] ?? 0), solved: Number(challenges[1] ?? 0) },
      tokensMinted: Object.values(minted).reduce((sum, count) => sum + Number(count), 0),
      refusals,
    };
  }
}
