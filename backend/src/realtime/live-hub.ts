import {
  type Leaderboard,
  type LeaderboardChange,
  roundRoom,
  type ServerToClientEvents,
  votingEnded,
  votingOpen,
} from "@lb/common";
import { hideChanges } from "../leaderboard/board-access.js";
import type { LeaderboardRepository, RoundSnapshot } from "../leaderboard/leaderboard.repository.js";
import { PRESENCE_INTERVAL_MS, type ViewCounts } from "../stats/stats.repository.js";

/** Viewers who may see results are in a round's room; those who may not, in its `hidden` room. */
export type Audience = "results" | "hidden";

export function audienceRoom(roundId: string, audience: Audience): string {
  return audience === "results" ? roundRoom(roundId) : `${roundRoom(roundId)}:hidden`;
}

/** Where the hub sends notices: a Socket.IO server in production (kept abstract so domain code stays apart). */
export interface RoomEmitter {
  emit<E extends keyof ServerToClientEvents>(
    room: string,
    event: E,
    ...args: Parameters<ServerToClientEvents[E]>
  ): void;
  roomSize(room: string): number;
  /** Sockets watching a round here, by the page they serve. */
  viewCounts(roundId: string): ViewCounts;
}

export interface PresenceSink {
  reportPresence(roundId: string, backendId: string, counts: ViewCounts): Promise<void>;
}

/**
 * Turns what Redis holds into live updates, per backend process. Every tick it asks Redis, in one round
 * trip, for the epoch and seq of each round that has watchers here; only rounds whose seq moved (or whose
 * voting window opened or ended) are read in full, and each sends at most one `leaderboard:updated` per
 * audience with the entries that changed. The snapshot kept per round is exactly the state the rooms' next
 * update builds on, so it is also what a joining client gets.
 */
export class LiveHub {
  private readonly snapshots = new Map<string, RoundSnapshot>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private stopped = false;
  private lastPresenceAt = 0;

  constructor(
    private readonly leaderboard: LeaderboardRepository,
    private readonly rooms: RoomEmitter,
    private readonly options: {
      tickMs: number;
      backendId: string;
      presence: PresenceSink;
      log: (message: string, error: unknown) => void;
    },
  ) {}

  start(): void {
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.ticking;
  }

  private watchers(roundId: string): number {
    return this.rooms.roomSize(audienceRoom(roundId, "results")) + this.rooms.roomSize(audienceRoom(roundId, "hidden"));
  }

  /**
   * The snapshot a joining client must get: the rooms' current base, which their next update builds on (at
   * most one tick old). A round with no watchers here has no one depending on its base, so a join there
   * reads Redis afresh.
   */
  async snapshotForJoin(roundId: string): Promise<RoundSnapshot> {
    const known = this.snapshots.get(roundId);
    if (known && this.watchers(roundId) > 0) return known;
    const fresh = await this.leaderboard.snapshot(roundId);
    const current = this.snapshots.get(roundId);
    // Another join loaded the round while we read and its client is in a room now: updates build on theirs.
    if (current && current !== known && this.watchers(roundId) > 0) return current;
    this.snapshots.set(roundId, fresh);
    return fresh;
  }

  /** Ticks start every tickMs: the time a tick spends (reading Redis, writing to sockets) is not added on top. */
  private schedule(delay = this.options.tickMs): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      const started = Date.now();
      this.ticking = this.tick()
        .catch((error) => this.options.log("live tick failed", error))
        .finally(() => this.schedule(Math.max(0, this.options.tickMs - (Date.now() - started))));
    }, delay);
  }

  /** One tick: find the rounds that changed, read them, send one update per round and audience. */
  async tick(nowMs = Date.now()): Promise<void> {
    for (const roundId of this.snapshots.keys()) {
      if (this.watchers(roundId) === 0) this.snapshots.delete(roundId);
    }
    const watched = [...this.snapshots.entries()];
    if (watched.length === 0) return;
    const reportPresence = nowMs - this.lastPresenceAt >= PRESENCE_INTERVAL_MS;
    if (reportPresence) this.lastPresenceAt = nowMs;
    const versions = await this.leaderboard.versions(
      watched.map(([roundId, { board }]) => ({ roundId, epoch: board.epoch })),
    );
    const changed = watched.filter(([, { board, summary }], index) => {
      const version = versions[index];
      return (
        version !== undefined &&
        (version.epoch !== board.epoch ||
          version.seq !== board.seq ||
          votingOpen(summary.status, summary.rules, nowMs) !== summary.votingOpen ||
          votingEnded(summary.status, summary.rules, nowMs) !== summary.votingEnded)
      );
    });
    await Promise.all([
      ...changed.map(async ([roundId, before]) => {
        const after = await this.leaderboard.snapshot(roundId);
        // A join replaced the base while we read; the next tick compares against that one.
        if (this.snapshots.get(roundId) !== before || this.stopped) return;
        this.snapshots.set(roundId, after);
        this.publish(before, after);
      }),
      ...(reportPresence
        ? watched.map(([roundId]) =>
            this.options.presence.reportPresence(roundId, this.options.backendId, this.rooms.viewCounts(roundId)),
          )
        : []),
    ]);
  }

  private publish(before: RoundSnapshot, after: RoundSnapshot): void {
    const { roundId } = after.board;
    const toAll = <E extends keyof ServerToClientEvents>(event: E, ...args: Parameters<ServerToClientEvents[E]>) => {
      this.rooms.emit(audienceRoom(roundId, "results"), event, ...args);
      this.rooms.emit(audienceRoom(roundId, "hidden"), event, ...args);
    };
    if (after.board.epoch !== before.board.epoch) {
      toAll("round:reset", { roundId, epoch: after.board.epoch });
      toAll("round:updated", after.summary);
      return;
    }
    if (after.summary.revision !== before.summary.revision) {
      // The definition changed (options, titles or rules): clients refetch and rejoin on round:updated.
      toAll("round:updated", after.summary);
      return;
    }
    if (after.board.seq !== before.board.seq) {
      const update = {
        roundId,
        epoch: after.board.epoch,
        prevSeq: before.board.seq,
        seq: after.board.seq,
        status: after.board.status,
        totalBallots: after.board.totalBallots,
        changes: diffEntries(before.board, after.board),
        // Exclusions change the board's note on excluded ballots: it travels with the update that changed the tally.
        ...(sameExcluded(before.board, after.board)
          ? {}
          : { excluded: after.board.excluded ?? { ballots: 0, reasons: [] } }),
      };
      this.rooms.emit(audienceRoom(roundId, "results"), "leaderboard:updated", update);
      this.rooms.emit(audienceRoom(roundId, "hidden"), "leaderboard:updated", hideChanges(update));
    }
    const { status, votingOpen: open, votingEnded: ended } = after.summary;
    if (
      status !== before.summary.status ||
      open !== before.summary.votingOpen ||
      ended !== before.summary.votingEnded
    ) {
      // What a viewer may see can change with these (afterClose): clients rejoin on round:updated.
      toAll("round:updated", after.summary);
    }
  }
}

const sameExcluded = (before: Leaderboard, after: Leaderboard) =>
  JSON.stringify(before.excluded ?? null) === JSON.stringify(after.excluded ?? null);

/** The entries whose votes or rank differ between two boards of the same epoch. */
export function diffEntries(before: Leaderboard, after: Leaderboard): LeaderboardChange[] {
  const previous = new Map(before.entries.map((entry) => [entry.optionId, entry]));
  return after.entries
    .filter((entry) => {
      const old = previous.get(entry.optionId);
      return !old || old.votes !== entry.votes || old.rank !== entry.rank;
    })
    .map(({ optionId, votes, rank }) => ({ optionId, votes, rank }));
}
