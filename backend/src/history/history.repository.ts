import { CHAIN_GENESIS, type Publication, type PublishedLogLine } from "@lb/common";
import { auditEntryBallotId, auditEntryChoices, auditEntryRecord } from "../leaderboard/audit-entry.js";
import { roundKeys } from "../redis/keys.js";
import type { RedisClient } from "../redis/redis-client.js";
import { receiptHash } from "./chain.js";

/** Audit entries per XRANGE while scanning: large batches, since a scan reads the whole log. */
const SCAN_BATCH = 5000;

export interface HistoryLimits {
  /** A cumulative tally is kept every this many audit entries, so `?at=` reads at most this many entries. */
  checkpointEntries: number;
  /** Round epochs whose checkpoints a backend keeps in memory (least recently used dropped first). */
  cachedEpochs: number;
  /** At most this many frames in a replay feed. */
  replayFrames: number;
}

/** A stream id "ms-seq" as two numbers, to compare ids without string tricks. */
function parseId(id: string): [number, number] {
  const dash = id.indexOf("-");
  return [Number(id.slice(0, dash)), Number(id.slice(dash + 1))];
}
/** The last possible stream id of a millisecond: `?at=` counts every entry of that ms. */
export const msBound = (ms: number) => `${Math.floor(ms)}-18446744073709551615`;
const idAtOrBefore = (id: string, bound: string) => {
  const [a, b] = parseId(id);
  const [c, d] = parseId(bound);
  return a < c || (a === c && b <= d);
};

/**
 * The board's state after a prefix of the audit log: net votes per option, ballots counted, and the ballots out
 * under an exclusion (with its reason). The same replay as the recount's (leaderboard.repository.ts): ballots
 * add their picks, exclusions take named ballots out, undos put them back. It walks the stream's raw field
 * arrays, with no object per entry, so that a scan of 1M ballots stays a matter of seconds.
 */
export class TallyState {
  constructor(
    readonly votes = new Map<string, number>(),
    public ballots = 0,
    readonly out = new Map<string, string>(),
  ) {}

  copy(): TallyState {
    return new TallyState(new Map(this.votes), this.ballots, new Map(this.out));
  }

  private add(choices: string, delta: number) {
    let start = 0;
    for (;;) {
      const comma = choices.indexOf(",", start);
      const id = comma < 0 ? choices.slice(start) : choices.slice(start, comma);
      if (id) this.votes.set(id, (this.votes.get(id) ?? 0) + delta);
      if (comma < 0) return;
      start = comma + 1;
    }
  }

  /**
   * Applies one audit entry. `choicesOf` holds the picks of the ballots exclusions name (they come before the
   * exclusion in the log); a ballot in `wanted` has its picks recorded there as it goes by.
   */
  apply(fields: string[], choicesOf: Map<string, string>, wanted?: Set<string>) {
    // Ballots (nearly every entry) by the fast read, with no object per entry; exclusions and undos as records.
    const choices = auditEntryChoices(fields);
    if (choices !== undefined) {
      this.ballots++;
      this.add(choices, 1);
      if (wanted && wanted.size > 0) {
        const ballot = auditEntryBallotId(fields);
        if (wanted.has(ballot)) choicesOf.set(ballot, choices);
      }
      return;
    }
    const { action, ballots, reason = "" } = auditEntryRecord(fields);
    for (const id of ballots ? ballots.split(",") : []) {
      const picks = choicesOf.get(id) ?? "";
      if (action === "restore") {
        if (this.out.delete(id)) this.add(picks, 1);
      } else if (!this.out.has(id)) {
        this.out.set(id, reason);
        this.add(picks, -1);
      }
    }
  }

  /** Ballots out per reason, as the board's note wants them. */
  reasons(): Record<string, string> {
    const counts: Record<string, number> = {};
    for (const reason of this.out.values()) counts[reason] = (counts[reason] ?? 0) + 1;
    return Object.fromEntries(Object.entries(counts).map(([reason, n]) => [reason, String(n)]));
  }
}

interface Checkpoint {
  id: string;
  state: TallyState;
}

/** What a backend remembers of one epoch's log: checkpoints, the state at its end, and excluded ballots' picks. */
interface EpochIndex {
  /** Ballots that exclusions name: their picks are kept in `choicesOf` (exclusions are rare and small). */
  wanted: Set<string>;
  firstId: string;
  lastId: string;
  entries: number;
  checkpoints: Checkpoint[];
  end: TallyState;
  choicesOf: Map<string, string>;
  /** The last replay feed's frames, for the log up to `lastId` and these options (a closed round's is final). */
  frames?: { optionIds: string; value: ReplayFrames };
}

type ReplayFrames = { startMs: number; endMs: number; stepMs: number; frames: { votes: number[]; ballots: number }[] };

export class HistoryRepository {
  private readonly indexes = new Map<string, Promise<EpochIndex | null>>();

  constructor(
    private readonly redis: RedisClient,
    private readonly limits: HistoryLimits,
  ) {}

  /** Raw audit entries in (after, until], oldest first, in batches. */
  private async *scan(key: string, after: string | null, until: string): AsyncGenerator<[string, string[]][]> {
    let start = after === null ? "-" : `(${after}`;
    for (;;) {
      const batch = await this.redis.xrange(key, start, until, "COUNT", SCAN_BATCH);
      if (batch.length === 0) return;
      yield batch;
      if (batch.length < SCAN_BATCH) return;
      start = `(${batch[batch.length - 1]?.[0]}`;
    }
  }

  /** The ballot ids exclusions and undos name in (after, until]: a quick pass that reads only those entries' lists. */
  private async namedBallots(key: string, after: string | null, until: string): Promise<Set<string>> {
    const named = new Set<string>();
    for await (const batch of this.scan(key, after, until)) {
      for (const [, fields] of batch) {
        if (auditEntryChoices(fields) !== undefined) continue;
        for (const id of (auditEntryRecord(fields).ballots ?? "").split(",")) if (id) named.add(id);
      }
    }
    return named;
  }

  /**
   * The epoch's index, brought up to the log's end: built by one scan the first time, extended by the entries
   * added since on later calls (the log only grows; a different first entry means the round was deleted and
   * made again, so the index is rebuilt). Calls for one epoch are chained, so that one scan serves them all.
   */
  private index(roundId: string, epoch: number): Promise<EpochIndex | null> {
    const cacheKey = `${roundId}\n${epoch}`;
    const previous = this.indexes.get(cacheKey) ?? Promise.resolve(null);
    const next = previous.catch(() => null).then((index) => this.refresh(roundId, epoch, index));
    this.indexes.delete(cacheKey);
    this.indexes.set(cacheKey, next);
    while (this.indexes.size > this.limits.cachedEpochs) {
      const oldest = this.indexes.keys().next().value;
      if (oldest === undefined) break;
      this.indexes.delete(oldest);
    }
    return next;
  }

  private async refresh(roundId: string, epoch: number, known: EpochIndex | null): Promise<EpochIndex | null> {
    const key = roundKeys(roundId).epoch(epoch).audit;
    const [first, last] = await Promise.all([
      this.redis.xrange(key, "-", "+", "COUNT", 1),
      this.redis.xrevrange(key, "+", "-", "COUNT", 1),
    ]);
    const firstId = first[0]?.[0];
    const lastId = last[0]?.[0];
    if (firstId === undefined || lastId === undefined) return null;
    if (known && known.firstId === firstId && known.lastId === lastId) return known;
    let reuse = known && known.firstId === firstId && idAtOrBefore(known.lastId, lastId) ? known : null;
    // Exclusions name earlier ballots, whose picks are needed when the exclusion is replayed: a quick pass finds
    // the names first (only in epochs that ever had one). A new exclusion naming a ballot the index did not keep
    // means a rebuild: rare, and bounded by the log's length.
    let wanted = reuse?.wanted ?? new Set<string>();
    if ((await this.redis.hlen(roundKeys(roundId).epoch(epoch).exclusions)) > 0) {
      const named = await this.namedBallots(key, reuse ? reuse.lastId : null, lastId);
      if (reuse && [...named].some((id) => !reuse?.choicesOf.has(id))) {
        reuse = null;
        wanted = await this.namedBallots(key, null, lastId);
      } else wanted = new Set([...wanted, ...named]);
    }
    // Spelled out, not spread: the replay frames of the shorter log must not come along.
    const index: EpochIndex = reuse
      ? {
          firstId,
          entries: reuse.entries,
          wanted,
          lastId,
          checkpoints: [...reuse.checkpoints],
          end: reuse.end.copy(),
          choicesOf: new Map(reuse.choicesOf),
        }
      : { wanted, firstId, lastId, entries: 0, checkpoints: [], end: new TallyState(), choicesOf: new Map() };
    for await (const batch of this.scan(key, reuse ? reuse.lastId : null, lastId)) {
      for (const [id, fields] of batch) {
        index.end.apply(fields, index.choicesOf, wanted);
        index.entries++;
        if (index.entries % this.limits.checkpointEntries === 0)
          index.checkpoints.push({ id, state: index.end.copy() });
      }
    }
    return index;
  }

  /** The board's state after the entries whose stream id is at or before `bound` ("ms-seq", see `msBound`). */
  async stateAt(roundId: string, epoch: number, bound: string): Promise<TallyState> {
    const index = await this.index(roundId, epoch);
    if (!index) return new TallyState();
    if (idAtOrBefore(index.lastId, bound)) return index.end.copy();
    // The last checkpoint at or before the bound (binary search: they are in log order).
    let low = 0;
    let high = index.checkpoints.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (idAtOrBefore((index.checkpoints[mid] as Checkpoint).id, bound)) low = mid + 1;
      else high = mid;
    }
    const checkpoint = index.checkpoints[low - 1];
    const state = checkpoint ? checkpoint.state.copy() : new TallyState();
    const key = roundKeys(roundId).epoch(epoch).audit;
    for await (const batch of this.scan(key, checkpoint?.id ?? null, bound)) {
      for (const [, fields] of batch) state.apply(fields, index.choicesOf);
    }
    return state;
  }

  /**
   * The race as at most `replayFrames` frames of cumulative votes (in `optionIds` order), in one pass over the
   * log: frame i is the state after every entry up to `startMs + i * stepMs`, the last frame the final state.
   */
  async frames(roundId: string, epoch: number, optionIds: string[]): Promise<ReplayFrames> {
    const index = await this.index(roundId, epoch);
    if (!index) return { startMs: 0, endMs: 0, stepMs: 1000, frames: [] };
    // Screens of a closed round ask for the same feed again and again: one scan serves them until the log grows.
    if (index.frames?.optionIds === optionIds.join(",")) return index.frames.value;
    const startMs = parseId(index.firstId)[0];
    const endMs = parseId(index.lastId)[0];
    // One frame a second for short rounds, fewer (evenly spaced) for long ones.
    const stepMs = Math.max(1000, Math.ceil((endMs - startMs) / Math.max(1, this.limits.replayFrames - 1)));
    const count = Math.floor((endMs - startMs) / stepMs) + 1 + ((endMs - startMs) % stepMs === 0 ? 0 : 1);
    const frames: { votes: number[]; ballots: number }[] = [];
    const state = new TallyState();
    const frame = () => ({
      votes: optionIds.map((id) => state.votes.get(id) ?? 0),
      ballots: state.ballots - state.out.size,
    });
    const key = roundKeys(roundId).epoch(epoch).audit;
    for await (const batch of this.scan(key, null, index.lastId)) {
      for (const [id, fields] of batch) {
        const ms = parseId(id)[0];
        while (frames.length < count - 1 && ms > startMs + frames.length * stepMs) frames.push(frame());
        state.apply(fields, index.choicesOf);
      }
    }
    while (frames.length < count) frames.push(frame());
    const value = { startMs, endMs, stepMs, frames };
    index.frames = { optionIds: optionIds.join(","), value };
    return value;
  }

  /** The epoch's chain head and the log's last id, read together (MULTI) so that they describe the same log. */
  async head(roundId: string, epoch: number): Promise<{ head: string; lastId: string | null }> {
    const keys = roundKeys(roundId).epoch(epoch);
    const replies = await this.redis
      .multi()
      .hget(keys.state, "chainHead")
      .xrevrange(keys.audit, "+", "-", "COUNT", 1)
      .exec();
    const [[headError, head], [lastError, last]] = (replies ?? []) as [
      [Error | null, string | null],
      [Error | null, [string, string[]][]],
    ];
    if (headError || lastError) throw headError ?? lastError;
    return { head: head ?? CHAIN_GENESIS, lastId: last[0]?.[0] ?? null };
  }

  /** Stores the publication (with the log id it covers) in the epoch state. */
  async savePublication(roundId: string, epoch: number, publication: Publication, lastId: string | null) {
    await this.redis.hset(
      roundKeys(roundId).epoch(epoch).state,
      "publication",
      JSON.stringify({ ...publication, lastId }),
    );
  }

  async publication(
    roundId: string,
    epoch: number,
  ): Promise<{ publication: Publication; lastId: string | null } | null> {
    const json = await this.redis.hget(roundKeys(roundId).epoch(epoch).state, "publication");
    if (!json) return null;
    const { lastId, ...publication } = JSON.parse(json) as Publication & { lastId: string | null };
    return { publication, lastId };
  }

  /**
   * The published log's entries up to `lastId`, in batches: ballots with their step's link and their own hash,
   * exclusions; no identity.
   */
  async *publishedLines(roundId: string, epoch: number, lastId: string): AsyncGenerator<PublishedLogLine[]> {
    const key = roundKeys(roundId).epoch(epoch).audit;
    for await (const batch of this.scan(key, null, lastId)) {
      yield batch.map(([, fields]) => {
        const record = auditEntryRecord(fields);
        const atMs = Number(record.at);
        if (record.exclusion !== undefined) {
          return {
            kind: record.action === "restore" ? "restore" : "exclude",
            exclusionId: record.exclusion,
            reason: record.reason ?? "",
            ballotIds: record.ballots ? record.ballots.split(",") : [],
            atMs,
          };
        }
        return {
          kind: "ballot",
          ballotId: record.ballot ?? "",
          choices: (record.choices ?? "").split(","),
          atMs,
          ...(record.link ? { link: record.link } : {}),
          hash: receiptHash(record.ballot ?? "", record.link, record.hash),
        };
      });
    }
  }
}
