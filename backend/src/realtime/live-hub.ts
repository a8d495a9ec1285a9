import {
  type ClientView,
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

/**
 * How often a socket gets leaderboard updates: screens (boards, projector screens, the console) once per tick,
 * phones (the voter page's live tab) once per LIVE_PHONE_UPDATE_MS, so that a hall of phones costs fewer sends.
 * Each lane has its own rooms and its own base: a phone's update carries every change since its last one.
 */
export type Lane = "screen" | "phone";
export const AUDIENCES: readonly Audience[] = ["results", "hidden"];
export const LANES: readonly Lane[] = ["screen", "phone"];

export const laneOf = (view: ClientView | undefined): Lane => (view === "vote" ? "phone" : "screen");

export function audienceRoom(roundId: string, audience: Audience, lane: Lane = "screen"): string {
  const room = audience === "results" ? roundRoom(roundId) : `${roundRoom(roundId)}:hidden`;
  return lane === "screen" ? room : `${room}:phone`;
}

/** Every room of a round: each audience of each lane. */
export const roundRooms = (roundId: string): string[] =>
  LANES.flatMap((lane) => AUDIENCES.map((audience) => audienceRoom(roundId, audience, lane)));

/** Where the hub sends notices: a Socket.IO server in production (kept abstract so domain code stays apart). */
export interface RoomEmitter {
  emit<E extends keyof ServerToClientEvents>(
    room: string,
    event: E,
    ...args: Parameters<ServerToClientEvents[E]>
  ): void;
  /** Resolves when every emit so far has been written to its sockets (emits to big rooms take several turns). */
  flush(): Promise<void>;
  roomSize(room: string): number;
  /** Sockets watching a round here, by the page they serve. */
  viewCounts(roundId: string): ViewCounts;
  /**
   * Judges again, without Redis, each socket watching a round here against its new base and screen key, and
   * moves it to the room it belongs in now; with `notify`, a socket that moved is sent `round:updated` (which
   * makes clients rejoin) because nothing else will tell it.
   */
  regroup(roundId: string, base: RoundSnapshot, screenKey: string | null, notify: boolean): void;
}

/** What the tick asks the show: must it act on a round now (by the clock), and doing it, in Redis. */
export interface ShowClock {
  due(before: RoundSnapshot, nowMs: number): boolean;
  settle(before: RoundSnapshot, nowMs: number): Promise<void>;
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
 *
 * Who may see results is decided at `board:join`, and again here whenever what it depends on changes (the rules,
 * the epoch, the status, the voting window, the screen key), for every socket of the round on this backend and
 * before the update of that tick is sent: a socket that never rejoins still loses (or gains) access at once.
 */
export class LiveHub {
  /** Per round, the base of the screens' next update (and of joins). */
  private readonly snapshots = new Map<string, RoundSnapshot>();
  /** Per round, the base of the phones' next update and when they were last sent one. */
  private readonly phoneBases = new Map<string, { base: RoundSnapshot; sentAt: number }>();
  /** The screen key of each watched round as of the last tick (null: none made yet). */
  private readonly screenKeys = new Map<string, string | null>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private stopped = false;
  private lastPresenceAt = 0;

  constructor(
    private readonly leaderboard: LeaderboardRepository,
    private readonly rooms: RoomEmitter,
    private readonly options: {
      tickMs: number;
      /** Phones get at most one update per this many ms (at least one tick). */
      phoneUpdateMs?: number;
      backendId: string;
      presence: PresenceSink;
      log: (message: string, error: unknown) => void;
      /** Others ticked with the rounds, on the same timer (the event rooms of backend/src/realtime/event-rooms.ts). */
      companions?: { tick(): Promise<void> }[];
      /** The show's clock-driven changes (automatic close, scheduled freeze): backend/src/show. */
      show?: ShowClock;
      /** Told after each scheduled tick how long it took and how late it started, in ms (the metrics). */
      onTick?: (durationMs: number, driftMs: number) => void;
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

  private watchers(roundId: string, lanes: readonly Lane[] = LANES): number {
    let count = 0;
    for (const lane of lanes)
      for (const audience of AUDIENCES) count += this.rooms.roomSize(audienceRoom(roundId, audience, lane));
    return count;
  }

  /** The base a joining socket of this lane gets: its room's next update builds on it. */
  private baseOf(roundId: string, lane: Lane, screens: RoundSnapshot): RoundSnapshot {
    return lane === "phone" ? (this.phoneBases.get(roundId)?.base ?? screens) : screens;
  }

  /**
   * Loads the base a joining client needs: the rooms' current base, which their next update builds on (at
   * most one tick old). A round with no watchers here has no one depending on its base, so a join there
   * reads Redis afresh. What it resolves with is the base only if nothing is awaited before the socket enters
   * its room: the handler reads `joinBase` in that step.
   */
  async snapshotForJoin(roundId: string, lane: Lane = "screen"): Promise<RoundSnapshot> {
    const known = this.snapshots.get(roundId);
    if (known && this.watchers(roundId) > 0) return this.baseOf(roundId, lane, known);
    const fresh = await this.leaderboard.snapshot(roundId);
    const current = this.snapshots.get(roundId);
    // Another join loaded the round while we read and its client is in a room now: updates build on theirs.
    if (current && current !== known && this.watchers(roundId) > 0) return this.baseOf(roundId, lane, current);
    this.snapshots.set(roundId, fresh);
    // The first change reaches phones at once; later ones once per phoneUpdateMs.
    this.phoneBases.set(roundId, { base: fresh, sentAt: Number.NEGATIVE_INFINITY });
    // The key is read again on the next tick, which then judges every socket of the round against it.
    this.screenKeys.delete(roundId);
    return fresh;
  }

  /**
   * The base a socket entering its room now must get: read in the same synchronous step as the join, because
   * between `snapshotForJoin`'s answer and the join a tick can move the base on and send the room an update built
   * on it (one Redis reply can resume both the join and the tick, in the same run of microtasks). Undefined when
   * the hub holds no base for the round (it was deleted meanwhile): the join then keeps what it loaded.
   */
  joinBase(roundId: string, lane: Lane = "screen"): RoundSnapshot | undefined {
    const known = this.snapshots.get(roundId);
    return known && this.baseOf(roundId, lane, known);
  }

  /**
   * The round's screen key as this hub last read it: a joining screen is judged against it too, so that a key
   * replaced before the join reached its room cannot slip past the tick that already saw the new one.
   * Undefined when not read yet (the next tick judges every socket of the round).
   */
  screenKeyOf(roundId: string): string | null | undefined {
    return this.screenKeys.get(roundId);
  }

  /** Ticks start every tickMs: the time a tick spends (reading Redis, writing to sockets) is not added on top. */
  private schedule(delay = this.options.tickMs): void {
    if (this.stopped) return;
    const due = Date.now() + delay;
    this.timer = setTimeout(() => {
      const started = Date.now();
      this.ticking = this.tick()
        .catch((error) => this.options.log("live tick failed", error))
        .finally(() => {
          this.options.onTick?.(Date.now() - started, started - due);
          this.schedule(Math.max(0, this.options.tickMs - (Date.now() - started)));
        });
    }, delay);
  }

  /** One tick: the rounds' and, beside them, the companions' (event rooms). */
  async tick(nowMs = Date.now()): Promise<void> {
    await Promise.all([
      this.tickRounds(nowMs),
      ...(this.options.companions ?? []).map((companion) => companion.tick()),
    ]);
  }

  /** Find the rounds that changed, read them, send one update per round and audience. */
  private async tickRounds(nowMs: number): Promise<void> {
    for (const roundId of this.snapshots.keys()) {
      if (this.watchers(roundId) > 0) continue;
      this.snapshots.delete(roundId);
      this.phoneBases.delete(roundId);
      this.screenKeys.delete(roundId);
    }
    const watched = [...this.snapshots.entries()];
    if (watched.length === 0) return;
    const reportPresence = nowMs - this.lastPresenceAt >= PRESENCE_INTERVAL_MS;
    if (reportPresence) this.lastPresenceAt = nowMs;
    const versions = await this.leaderboard.versions(
      watched.map(([roundId, { board }]) => ({ roundId, epoch: board.epoch })),
    );
    const changed: { roundId: string; before: RoundSnapshot; screenKey: string | null }[] = [];
    for (const [index, [roundId, before]] of watched.entries()) {
      const version = versions[index];
      if (version === undefined) continue;
      // A deleted round: nothing more to send (and nothing to read every tick); a rejoin gets ROUND_NOT_FOUND.
      if (version.epoch === null) {
        this.snapshots.delete(roundId);
        this.phoneBases.delete(roundId);
        continue;
      }
      const { board, summary } = before;
      if (
        version.epoch !== board.epoch ||
        version.seq !== board.seq ||
        votingOpen(summary.status, summary.rules, nowMs) !== summary.votingOpen ||
        votingEnded(summary.status, summary.rules, nowMs) !== summary.votingEnded ||
        this.options.show?.due(before, nowMs)
      ) {
        changed.push({ roundId, before, screenKey: version.screenKey });
      } else if (this.screenKeys.get(roundId) !== version.screenKey) {
        // Only the key changed (or was not known yet): screens that joined with another one lose access now.
        this.screenKeys.set(roundId, version.screenKey);
        this.rooms.regroup(roundId, before, version.screenKey, true);
        this.publishToPhones(roundId, before, nowMs, false);
      } else {
        // Nothing new this tick; the phones may be due the changes they have not had yet.
        this.publishToPhones(roundId, before, nowMs, false);
      }
    }
    await Promise.all([
      ...changed.map(async ({ roundId, before, screenKey }) => {
        // The show closes (or freezes) the round in Redis first, so that this tick announces the change once.
        await this.options.show?.settle(before, nowMs).catch((error) => this.options.log("show tick failed", error));
        const after = await this.leaderboard.snapshot(roundId);
        // A join replaced the base while we read; the next tick compares against that one.
        if (this.snapshots.get(roundId) !== before || this.stopped) return;
        this.snapshots.set(roundId, after);
        const keyChanged = this.screenKeys.get(roundId) !== screenKey;
        this.screenKeys.set(roundId, screenKey);
        // Sockets go to the room they belong in now, before this tick's update is sent to the rooms.
        const announcedToAll = announced(before, after);
        if (keyChanged || announcedToAll) this.rooms.regroup(roundId, after, screenKey, !announcedToAll);
        this.publish(before, after, "screen");
        this.publishToPhones(roundId, after, nowMs, true);
      }),
      ...(reportPresence
        ? watched.map(([roundId]) =>
            this.options.presence.reportPresence(roundId, this.options.backendId, this.rooms.viewCounts(roundId)),
          )
        : []),
    ]);
    // The tick ends when its updates are out: the next one then builds on them, in order, and the tick's
    // period includes the fan-out (schedule subtracts it).
    await this.rooms.flush();
  }

  /**
   * Brings the phones of a round to `current` (the screens' base now) when they are due an update: once per
   * LIVE_PHONE_UPDATE_MS, or at once when the change is one every viewer is told of (a new epoch, a rules or
   * status change, the voting window, the show), so that no notice waits. With no phone watching here, their
   * base simply follows the screens'.
   */
  private publishToPhones(roundId: string, current: RoundSnapshot, nowMs: number, changedNow: boolean): void {
    const phones = this.phoneBases.get(roundId);
    if (!phones || phones.base === current) return;
    if (this.watchers(roundId, ["phone"]) === 0) {
      this.phoneBases.set(roundId, { base: current, sentAt: phones.sentAt });
      return;
    }
    const { tickMs, phoneUpdateMs = tickMs } = this.options;
    // Ticks come every tickMs: half a tick of slack, so that 300 ms at a 100 ms tick means every third tick.
    const due = nowMs - phones.sentAt + tickMs / 2 >= phoneUpdateMs;
    const urgent =
      changedNow &&
      (phones.base.board.epoch !== current.board.epoch ||
        phones.base.summary.revision !== current.summary.revision ||
        announced(phones.base, current));
    if (!due && !urgent) return;
    this.publish(phones.base, current, "phone");
    this.phoneBases.set(roundId, { base: current, sentAt: nowMs });
  }

  private publish(before: RoundSnapshot, after: RoundSnapshot, lane: Lane): void {
    const { roundId } = after.board;
    const toAll = <E extends keyof ServerToClientEvents>(event: E, ...args: Parameters<ServerToClientEvents[E]>) => {
      this.rooms.emit(audienceRoom(roundId, "results", lane), event, ...args);
      this.rooms.emit(audienceRoom(roundId, "hidden", lane), event, ...args);
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
      this.rooms.emit(audienceRoom(roundId, "results", lane), "leaderboard:updated", update);
      this.rooms.emit(audienceRoom(roundId, "hidden", lane), "leaderboard:updated", hideChanges(update));
    }
    const { status, votingOpen: open, votingEnded: ended } = after.summary;
    if (
      status !== before.summary.status ||
      open !== before.summary.votingOpen ||
      ended !== before.summary.votingEnded ||
      showChanged(before, after)
    ) {
      // What a viewer may see can change with these (afterClose): clients rejoin on round:updated.
      toAll("round:updated", after.summary);
    }
  }
}

/**
 * Whether `publish` sends `round:updated` to every watcher for this change (clients rejoin on it). These are also
 * the changes that can change what a viewer may see: the rules (revision), the epoch, the status, the window.
 */
function announced(before: RoundSnapshot, after: RoundSnapshot): boolean {
  const [a, b] = [before.summary, after.summary];
  return (
    a.epoch !== b.epoch ||
    a.revision !== b.revision ||
    a.status !== b.status ||
    a.votingOpen !== b.votingOpen ||
    a.votingEnded !== b.votingEnded ||
    showChanged(before, after)
  );
}
/** The show (hide switch, freeze, reveal step) changes what viewers see like a rules change does. */
const showChanged = (before: RoundSnapshot, after: RoundSnapshot) =>
  JSON.stringify(before.board.show ?? null) !== JSON.stringify(after.board.show ?? null);
const sameExcluded = (before: Leaderboard, after: Leaderboard) =>
  JSON.stringify(before.excluded ?? null) === JSON.stringify(after.excluded ?? null);

/** The options whose votes differ between two boards of the same epoch, packed (ranks follow on the client). */
export function diffEntries(before: Leaderboard, after: Leaderboard): LeaderboardChange[] {
  const previous = new Map(before.entries.map((entry) => [entry.optionId, entry.votes]));
  const changes: LeaderboardChange[] = [];
  for (const { optionId, votes } of after.entries)
    if (previous.get(optionId) !== votes) changes.push([optionId, votes]);
  return changes;
}
