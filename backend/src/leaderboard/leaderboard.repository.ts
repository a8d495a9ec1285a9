import { type AuditEntry, type Leaderboard, type RecountResult, type RoundSummary, rankEntries } from "@lb/common";
import type { Redis } from "ioredis";
import { AppError } from "../http/app-error.js";
import { roundKeys } from "../redis/keys.js";
import { metaFromReply, parseState, type RoundsRepository, toSummary } from "../rounds/rounds.repository.js";

/** Audit entries read from Redis per round trip while streaming or recounting. */
const AUDIT_BATCH = 1000;
const MAX_ATTEMPTS = 5;

export interface RoundSnapshot {
  summary: RoundSummary;
  board: Leaderboard;
}

function tallyFromReply(reply: string[]): Map<string, number> {
  const votes = new Map<string, number>();
  for (let i = 0; i + 1 < reply.length; i += 2) votes.set(reply[i] as string, Number(reply[i + 1]));
  return votes;
}

export class LeaderboardRepository {
  constructor(
    private readonly redis: Redis,
    private readonly rounds: RoundsRepository,
  ) {}

  /**
   * The full board and summary of an epoch (the current one by default), read in one MULTI so that votes, seq
   * and status belong to the same moment.
   */
  async snapshot(roundId: string, epoch?: number): Promise<RoundSnapshot> {
    const keys = roundKeys(roundId);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await this.rounds.requireCurrentEpoch(roundId);
      const wanted = epoch ?? current;
      if (wanted > current) throw new AppError("EPOCH_NOT_FOUND", `Round ${roundId} has no epoch ${wanted}.`);
      const epochKeys = keys.epoch(wanted);
      const replies = await this.redis
        .multi()
        .hmget(keys.meta, "epoch", "createdAt", "archived")
        .hgetall(epochKeys.state)
        .zrange(epochKeys.tally, 0, -1, "WITHSCORES")
        .exec();
      if (!replies) continue;
      const [meta, stateHash, tallyReply] = replies.map(([error, value]) => {
        if (error) throw error;
        return value;
      }) as [(string | null)[], Record<string, string>, string[]];
      // A reset landed between reading the epoch and the MULTI: read the new epoch instead.
      if (epoch === undefined && Number(meta[0]) !== wanted) continue;
      const state = parseState(stateHash);
      if (!state) throw new AppError("EPOCH_NOT_FOUND", `Round ${roundId} has no epoch ${wanted}.`);
      const votes = tallyFromReply(tallyReply);
      const options = await this.rounds.options(roundId, wanted, state.revision);
      const board: Leaderboard = {
        roundId,
        epoch: wanted,
        seq: state.seq,
        status: state.status,
        totalBallots: state.totalBallots,
        resultsHidden: false,
        entries: rankEntries(
          options.map((option) => ({
            optionId: option.id,
            number: option.number,
            title: option.title,
            votes: votes.get(option.id) ?? 0,
          })),
        ),
      };
      return { board, summary: toSummary(roundId, wanted, metaFromReply(meta.slice(1)), state) };
    }
    throw new AppError("UNAVAILABLE", "The round kept changing; try again.");
  }

  /**
   * The current epoch, seq and screen key of each round, in one round trip: the seq tells which boards changed
   * (every ballot, status change, edit and reset bumps it), the key whether screens that joined with an older
   * one must lose their access.
   */
  async versions(
    rounds: { roundId: string; epoch: number }[],
  ): Promise<{ epoch: number | null; seq: number; screenKey: string | null }[]> {
    const pipeline = this.redis.pipeline();
    for (const { roundId, epoch } of rounds) {
      const keys = roundKeys(roundId);
      pipeline.hmget(keys.meta, "epoch", "screenKey").hget(keys.epoch(epoch).state, "seq");
    }
    const replies = (await pipeline.exec()) ?? [];
    return rounds.map((_, index) => {
      const [metaError, meta] = (replies[index * 2] ?? []) as [Error | null, (string | null)[] | undefined];
      const [seqError, seq] = replies[index * 2 + 1] ?? [];
      if (metaError || seqError) throw metaError ?? seqError;
      const [epoch, screenKey] = meta ?? [];
      return { epoch: epoch == null ? null : Number(epoch), seq: Number(seq ?? -1), screenKey: screenKey ?? null };
    });
  }

  /** Every counted ballot of an epoch, oldest first, in batches. */
  async *audit(roundId: string, epoch: number, until = "+"): AsyncGenerator<AuditEntry[]> {
    const key = roundKeys(roundId).epoch(epoch).audit;
    let start = "-";
    for (;;) {
      const batch = await this.redis.xrange(key, start, until, "COUNT", AUDIT_BATCH);
      if (batch.length === 0) return;
      yield batch.map(([, fields]) => {
        const record: Record<string, string> = {};
        for (let i = 0; i + 1 < fields.length; i += 2) record[fields[i] as string] = fields[i + 1] as string;
        return {
          ballotId: record.ballot ?? "",
          voter: record.voter ?? "",
          choices: (record.choices ?? "").split(","),
          receivedAt: new Date(Number(record.at)).toISOString(),
          ...(record.batch ? { batch: record.batch } : {}),
        };
      });
      if (batch.length < AUDIT_BATCH) return;
      start = `(${batch[batch.length - 1]?.[0]}`;
    }
  }

  /**
   * Recomputes the tally from the audit log. The live tally, ballot count and last log id are read in one
   * MULTI: the script writes all three together, so they describe the same set of ballots even under load.
   */
  async recount(roundId: string, epoch: number): Promise<RecountResult> {
    const keys = roundKeys(roundId).epoch(epoch);
    const replies = await this.redis
      .multi()
      .zrange(keys.tally, 0, -1, "WITHSCORES")
      .hget(keys.state, "ballots")
      .xrevrange(keys.audit, "+", "-", "COUNT", 1)
      .exec();
    const [tallyReply, ballots, last] = (replies ?? []).map(([error, value]) => {
      if (error) throw error;
      return value;
    }) as [string[], string | null, [string, string[]][]];
    const live = tallyFromReply(tallyReply);
    const recounted = new Map<string, number>([...live.keys()].map((id) => [id, 0]));
    let counted = 0;
    const lastId = last[0]?.[0];
    if (lastId) {
      for await (const batch of this.audit(roundId, epoch, lastId)) {
        for (const entry of batch) {
          counted++;
          for (const choice of entry.choices) recounted.set(choice, (recounted.get(choice) ?? 0) + 1);
        }
      }
    }
    const differences = [...recounted.entries()]
      .filter(([id, votes]) => live.get(id) !== votes)
      .map(([optionId, votes]) => ({ optionId, live: live.get(optionId) ?? 0, recounted: votes }));
    const liveBallots = Number(ballots ?? 0);
    return {
      roundId,
      epoch,
      ballots: counted,
      liveBallots,
      matches: differences.length === 0 && counted === liveBallots,
      differences,
    };
  }
}
