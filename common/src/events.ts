import type { ApiError } from "./errors.js";
import type {
  BoardJoin,
  BoardLeave,
  Leaderboard,
  LeaderboardUpdate,
  RoundResetNotice,
  RoundSummary,
} from "./schemas.js";
import type { EventJoin, EventLeave, EventView } from "./show-events.js";

/** The ack of a client command: the result, or a known error. */
export type Ack<T> = { ok: T } | { error: ApiError };

/**
 * The ack of `board:join`: the snapshot, and the round as of that snapshot (what `round:updated` carries). A client
 * that loaded the round over HTTP before a change and joins after the change was announced learns of it here.
 */
export type BoardJoinAck = { ok: Leaderboard; round: RoundSummary } | { error: ApiError };

/** Client commands are imperative. */
export interface ClientToServerEvents {
  /**
   * Subscribe to a round's live board; the ack carries the snapshot that the next update builds on. What it
   * shows depends on the caller (see BoardJoinSchema); rejoin after voting and on `round:updated`, when
   * what you may see can change.
   */
  "board:join": (payload: BoardJoin, ack: (result: BoardJoinAck) => void) => void;
  "board:leave": (payload: BoardLeave) => void;
  /** Follow an event: the ack carries its public view; `event:updated` follows when the organiser moves on. */
  "event:join": (payload: EventJoin, ack: (result: Ack<EventView>) => void) => void;
  "event:leave": (payload: EventLeave) => void;
}

/** Server notices are past tense. */
export interface ServerToClientEvents {
  "leaderboard:updated": (update: LeaderboardUpdate) => void;
  "round:updated": (round: RoundSummary) => void;
  "round:reset": (notice: RoundResetNotice) => void;
  /** An event's public view changed: its current round, order or title, or its current draft round opened. */
  "event:updated": (event: EventView) => void;
}

/** Socket.IO room of a round. */
export function roundRoom(roundId: string): string {
  return `round:${roundId}`;
}
