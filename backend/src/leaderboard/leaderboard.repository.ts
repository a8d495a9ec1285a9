import {
  type AuditLine,
  type ExcludedSummary,
  type Leaderboard,
  LIMITS,
  type RecountResult,
  type RoundSummary,
  rankEntries,
} from "@lb/common";
import { receiptHash } from "../history/chain.js";
import { AppError } from "../http/app-error.js";
import { roundKeys } from "../redis/keys.js";
import { pipelineGroups, type RedisClient } from "../redis/redis-client.js";
import {
  META_FIELDS,
  metaFromReply,
  parseState,
  type RoundsRepository,
  toSummary,
} from "../rounds/rounds.repository.js";
import { parseShow, type ShowRecord, showState } from "../show/show-state.js";
import {
  auditEntryRecord,
  countRawEntryChoices,
  type OptionKey,
  optionIdOfKey,
  optionKey,
  rawEntryBallotId,
  rawEntryFields,
} from "./audit-entry.js";

/** Audit entries read from Redis per round trip while streaming or recounting. */
const AUDIT_BATCH = 1000;
const MAX_ATTEMPTS = 5;
/** Slices of the audit log the recount reads at once (see scanAudit). */
const RECOUNT_LANES = 4;

export interface RoundSnapshot {
  summary: RoundSummary;
  board: Leaderboard;
  /** The epoch's show (hide switch, freeze, reveal), when it has one: see backend/src/show. */
  show?: ShowRecord;
}

function tallyFromReply(reply: string[]): Map<string, number> {
  const votes = new Map<string, number>();
  for (let i = 0; i + 1 < reply.length; i += 2) votes.set(reply[i] as string, Number(reply[i + 1]));
  return votes;
}

const streamIdMs = (id: string) => Number(id.slice(0, id.indexOf("-")));

/** Orders two stream ids (`<ms>-<seq>`) as the stream does. */
function compareStreamIds(a: string, b: string): number {
  const [aMs, aSeq] = a.split("-").map(Number) as [number, number];
  const [bMs, bSeq] = b.split("-").map(Number) as [number, number];
  return aMs - bMs || aSeq - bSeq;
}

const splitList = (value: string | undefined) => (value ? value.split(",") : []);

/**
 * One audit stream entry as the export shows it: a counted ballot, or an exclusion or its undo (audit-entry.ts).
 * `withReceiptHash: false` leaves out the ballot's receipt hash (a SHA-256 per ballot, a fifth of the integrity
 * report's time), for readers that never show it: the integrity view and the exclusions' search.
 */
export function parseAuditEntry(fields: string[], { withReceiptHash = true } = {}): AuditLine {
  const record = auditEntryRecord(fields);
  const at = new Date(Number(record.at)).toISOString();
  if (record.exclusion !== undefined) {
    return {
      kind: record.action === "restore" ? "restore" : "exclude",
      exclusionId: record.exclusion,
      reason: record.reason ?? "",
      ballotIds: splitList(record.ballots),
      at,
    };
  }
  const sinceLoad = record.sinceLoad ? Number(record.sinceLoad) : undefined;
  return {
    kind: "ballot",
    ballotId: record.ballot ?? "",
    voter: record.voter ?? "",
    choices: (record.choices ?? "").split(","),
    receivedAt: at,
    ip: record.ip ?? "",
    network: record.net ?? "",
    cred: record.cred ?? "",
    ...(sinceLoad === undefined ? {} : { sinceLoadMs: sinceLoad }),
    // Verifiable receipts: the ballot's receipt hash and its step's link (absent on entries written before them).
    ...(withReceiptHash && (record.link || record.hash)
      ? { hash: receiptHash(record.ballot ?? "", record.link, record.hash) }
      : {}),
    ...(record.link ? { link: record.link } : {}),
  };
}

/** The board's note on excluded ballots: the count and the reasons with most ballots (undefined when none). */
export function excludedSummary(excluded: number, reasons: Record<string, string>): ExcludedSummary | undefined {
  if (excluded <= 0) return undefined;
  return {
    ballots: excluded,
    reasons: Object.entries(reasons)
      .map(([reason, ballots]) => ({ reason, ballots: Number(ballots) }))
      .filter((row) => row.ballots > 0)
      .sort((a, b) => b.ballots - a.ballots || a.reason.localeCompare(b.reason))
      .slice(0, LIMITS.excludedReasonsShown),
  };
}

export class LeaderboardRepository {
  constructor(
    private readonly redis: RedisClient,
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
        .hmget(keys.meta, "epoch", ...META_FIELDS)
        .hgetall(epochKeys.state)
        .zrange(epochKeys.tally, 0, -1, "WITHSCORES")
        .hgetall(epochKeys.excludedReasons)
        .hgetall(epochKeys.show)
        .exec();
      if (!replies) continue;
      const [meta, stateHash, tallyReply, reasons, showHash] = replies.map(([error, value]) => {
        if (error) throw error;
        return value;
      }) as [(string | null)[], Record<string, string>, string[], Record<string, string>, Record<string, string>];
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
      const excluded = excludedSummary(Number(stateHash.excluded ?? 0), reasons);
      if (excluded) board.excluded = excluded;
      const summary = toSummary(roundId, wanted, metaFromReply(meta.slice(1)), state);
      // The show: read with the board so that the freeze and the reveal step belong to the same moment.
      const show = parseShow(showHash);
      if (!show) return { board, summary };
      board.show = showState(show, board);
      return { board, summary, show };
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
    // One pipeline on one Redis; one per round on a cluster (a round's keys share a slot, different rounds may not).
    const replies = await pipelineGroups(this.redis, rounds, (pipeline, { roundId, epoch }) => {
      const keys = roundKeys(roundId);
      pipeline.hmget(keys.meta, "epoch", "screenKey").hget(keys.epoch(epoch).state, "seq");
    });
    return rounds.map((_, index) => {
      const [metaError, meta] = (replies[index * 2] ?? []) as [Error | null, (string | null)[] | undefined];
      const [seqError, seq] = replies[index * 2 + 1] ?? [];
      if (metaError || seqError) throw metaError ?? seqError;
      const [epoch, screenKey] = meta ?? [];
      return { epoch: epoch == null ? null : Number(epoch), seq: Number(seq ?? -1), screenKey: screenKey ?? null };
    });
  }

  /** Every audit stream entry of an epoch up to `until`, oldest first, in batches, with its stream id. */
  async *auditRecords(
    roundId: string,
    epoch: number,
    until = "+",
    { withReceiptHash = true } = {},
  ): AsyncGenerator<{ id: string; line: AuditLine }[]> {
    const key = roundKeys(roundId).epoch(epoch).audit;
    let start = "-";
    for (;;) {
      const batch = await this.redis.xrange(key, start, until, "COUNT", AUDIT_BATCH);
      if (batch.length === 0) return;
      yield batch.map(([id, fields]) => ({ id, line: parseAuditEntry(fields, { withReceiptHash }) }));
      if (batch.length < AUDIT_BATCH) return;
      start = `(${batch[batch.length - 1]?.[0]}`;
    }
  }

  /** The audit log of an epoch, oldest first, in batches: counted ballots, exclusions and their undos. */
  async *audit(roundId: string, epoch: number, until = "+"): AsyncGenerator<AuditLine[]> {
    for await (const batch of this.auditRecords(roundId, epoch, until)) yield batch.map((record) => record.line);
  }

  /**
   * Calls `onEntry` for every audit entry from `firstId` to `lastId`, reading RECOUNT_LANES slices of the log's
   * time span at once (each in batches of AUDIT_BATCH on the one connection): Redis prepares one reply while we
   * go through another. Entries come in log order within a slice, not across slices.
   */
  private async scanAudit(
    audit: string,
    firstId: string,
    lastId: string,
    onEntry: (id: Buffer, fields: Buffer[]) => void,
  ): Promise<void> {
    const from = streamIdMs(firstId);
    const span = streamIdMs(lastId) + 1 - from;
    const bounds = Array.from({ length: RECOUNT_LANES + 1 }, (_, i) => from + Math.floor((span * i) / RECOUNT_LANES));
    await Promise.all(
      bounds.slice(0, -1).map(async (laneStart, lane) => {
        const laneEnd = lane === RECOUNT_LANES - 1 ? lastId : String((bounds[lane + 1] as number) - 1);
        // A span shorter than the lanes leaves some empty (an end id before the start would be an error).
        if (lane < RECOUNT_LANES - 1 && (bounds[lane + 1] as number) - 1 < laneStart) return;
        let start = String(laneStart);
        for (;;) {
          // Raw bytes: the entries are counted without decoding them into strings (audit-entry.ts).
          const batch = (await this.redis.xrangeBuffer(audit, start, laneEnd, "COUNT", AUDIT_BATCH)) as [
            Buffer,
            Buffer[],
          ][];
          for (const [id, fields] of batch) onEntry(id, fields);
          if (batch.length < AUDIT_BATCH) return;
          start = `(${batch[batch.length - 1]?.[0].toString("latin1")}`;
        }
      }),
    );
  }

  /**
   * Recomputes the tally from the audit log, exclusions and undos included, and checks every live counter
   * against it: votes per option, ballots counted, ballots excluded (the state's counter and the excluded
   * set), and the log's length against the entries read. The live values and the last log id are read in one
   * MULTI: the scripts write them together, so they describe the same log even under load.
   */
  async recount(roundId: string, epoch: number): Promise<RecountResult> {
    const keys = roundKeys(roundId).epoch(epoch);
    const replies = await this.redis
      .multi()
      .zrange(keys.tally, 0, -1, "WITHSCORES")
      .hmget(keys.state, "ballots", "excluded")
      .xrevrange(keys.audit, "+", "-", "COUNT", 1)
      .xlen(keys.audit)
      .xrange(keys.audit, "-", "+", "COUNT", 1)
      .hlen(keys.excluded)
      .exec();
    const [tallyReply, counters, last, auditLength, first, excludedSetSize] = (replies ?? []).map(([error, value]) => {
      if (error) throw error;
      return value;
    }) as [string[], (string | null)[], [string, string[]][], number, [string, string[]][], number];
    const live = tallyFromReply(tallyReply);
    // Counted under OptionKeys (numbers for short ids): the raw reader makes no string per pick.
    const recounted = new Map<OptionKey, number>([...live.keys()].map((id) => [optionKey(id), 0]));
    const firstId = first[0]?.[0];
    const lastId = last[0]?.[0];
    // Pass 1: the votes of every ballot, and the exclusions and undos (rare) kept aside. The log is read in
    // parallel ranges, so the entries reach us out of order: the exclusions are replayed in log order after.
    const out = new Set<string>();
    let counted = 0;
    let entries = 0;
    const exclusionEntries: { id: string; fields: string[] }[] = [];
    if (firstId && lastId) {
      await this.scanAudit(keys.audit, firstId, lastId, (id, fields) => {
        entries++;
        if (countRawEntryChoices(fields, recounted, 1)) counted++;
        else exclusionEntries.push({ id: id.toString("latin1"), fields: rawEntryFields(fields) });
      });
      exclusionEntries.sort((a, b) => compareStreamIds(a.id, b.id));
      for (const { fields } of exclusionEntries) {
        const line = parseAuditEntry(fields);
        if (line.kind === "exclude") for (const id of line.ballotIds) out.add(id);
        else if (line.kind === "restore") for (const id of line.ballotIds) out.delete(id);
      }
    }
    // Pass 2, only when ballots are out: their votes come off the recount (keeping every ballot's picks in
    // memory to do it in one pass would not scale).
    let outSeen = 0;
    if (firstId && lastId && out.size > 0) {
      await this.scanAudit(keys.audit, firstId, lastId, (_id, fields) => {
        if (out.has(rawEntryBallotId(fields)) && countRawEntryChoices(fields, recounted, -1)) outSeen++;
      });
    }
    const differences = [...recounted.entries()]
      .map(([key, votes]) => [optionIdOfKey(key), votes] as const)
      .filter(([id, votes]) => live.get(id) !== votes)
      .map(([optionId, votes]) => ({ optionId, live: live.get(optionId) ?? 0, recounted: votes }));
    const liveBallots = Number(counters[0] ?? 0);
    const liveExcluded = Number(counters[1] ?? 0);
    return {
      roundId,
      epoch,
      ballots: counted,
      liveBallots,
      excluded: out.size,
      liveExcluded,
      auditEntries: entries,
      auditLength,
      matches:
        differences.length === 0 &&
        counted === liveBallots &&
        out.size === liveExcluded &&
        // Every ballot an exclusion names is in the log, and the live excluded set agrees.
        outSeen === out.size &&
        excludedSetSize === liveExcluded &&
        entries === auditLength,
      differences,
    };
  }
}
