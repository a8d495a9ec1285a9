import { type Leaderboard, type LeaderboardChange, roundRoom, type ServerToClientEvents } from "@lb/common";
import type { LeaderboardRepository, RoundSnapshot } from "../leaderboard/leaderboard.repository.js";

/** Where the hub sends notices: a Socket.IO server in production (kept abstract so domain code stays apart). */
export interface RoomEmitter {
  emit<E extends keyof ServerToClientEvents>(
    room: string,
    event: E,
    ...args: Parameters<ServerToClientEvents[E]>
  ): void;
  roomSize(room: string): number;
}

/**
 * Turns what Redis holds into live updates, per backend process. Every tick it asks Redis, in one round
 * trip, for the epoch and seq of each round that has watchers here; only rounds whose seq moved are read in
 * full, and each sends at most one `leaderboard:updated` with the entries that changed. The board kept per
 * round is exactly the state the room's next update builds on, so it is also what a joining client gets.
 */
export class LiveHub {
  private readonly boards = new Map<string, RoundSnapshot>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly leaderboard: LeaderboardRepository,
    private readonly rooms: RoomEmitter,
    private readonly tickMs: number,
    private readonly log: (message: string, error: unknown) => void,
  ) {}

  start(): void {
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.ticking;
  }

  /**
   * The snapshot a joining client must get: the room's current base, which the room's next update builds on
   * (at most one tick old). A room with no watchers here has no one depending on its base, so a join there
   * reads Redis afresh.
   */
  async boardForJoin(roundId: string): Promise<Leaderboard> {
    const room = roundRoom(roundId);
    const known = this.boards.get(roundId);
    if (known && this.rooms.roomSize(room) > 0) return known.board;
    const fresh = await this.leaderboard.snapshot(roundId);
    const current = this.boards.get(roundId);
    // Another join loaded the round while we read and its client is in the room now: updates build on theirs.
    if (current && current !== known && this.rooms.roomSize(room) > 0) return current.board;
    this.boards.set(roundId, fresh);
    return fresh.board;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.ticking = this.tick()
        .catch((error) => this.log("live tick failed", error))
        .finally(() => this.schedule());
    }, this.tickMs);
  }

  /** One tick: find the rounds that changed, read them, send one update per round. */
  async tick(): Promise<void> {
    for (const roundId of this.boards.keys()) {
      if (this.rooms.roomSize(roundRoom(roundId)) === 0) this.boards.delete(roundId);
    }
    const watched = [...this.boards.entries()];
    if (watched.length === 0) return;
    const versions = await this.leaderboard.versions(
      watched.map(([roundId, { board }]) => ({ roundId, epoch: board.epoch })),
    );
    const changed = watched.filter(([, { board }], index) => {
      const version = versions[index];
      return version !== undefined && (version.epoch !== board.epoch || version.seq !== board.seq);
    });
    await Promise.all(
      changed.map(async ([roundId, before]) => {
        const after = await this.leaderboard.snapshot(roundId);
        // A join replaced the base while we read; the next tick compares against that one.
        if (this.boards.get(roundId) !== before || this.stopped) return;
        this.boards.set(roundId, after);
        this.publish(before, after);
      }),
    );
  }

  private publish(before: RoundSnapshot, after: RoundSnapshot): void {
    const room = roundRoom(after.board.roundId);
    if (after.board.epoch !== before.board.epoch) {
      this.rooms.emit(room, "round:reset", { roundId: after.board.roundId, epoch: after.board.epoch });
      this.rooms.emit(room, "round:updated", after.summary);
      return;
    }
    if (after.summary.revision !== before.summary.revision) {
      // The definition changed (options or titles): clients refetch and rejoin on round:updated.
      this.rooms.emit(room, "round:updated", after.summary);
      return;
    }
    if (after.board.seq === before.board.seq) return;
    this.rooms.emit(room, "leaderboard:updated", {
      roundId: after.board.roundId,
      epoch: after.board.epoch,
      prevSeq: before.board.seq,
      seq: after.board.seq,
      status: after.board.status,
      totalBallots: after.board.totalBallots,
      changes: diffEntries(before.board, after.board),
    });
    if (after.summary.status !== before.summary.status) this.rooms.emit(room, "round:updated", after.summary);
  }
}

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
