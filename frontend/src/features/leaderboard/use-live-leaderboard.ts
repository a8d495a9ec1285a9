import type { ApiError, BoardJoin, Leaderboard, LeaderboardUpdate, RoundResetNotice, RoundSummary } from "@lb/common";
import { useCallback, useEffect, useRef, useState } from "react";
import { getSocket } from "../../lib/socket";
import { reconcileUpdate } from "./board-sync";

export type ConnectionState = "connecting" | "connected" | "disconnected";

export interface LiveLeaderboard {
  /** The latest board, or null until the first snapshot arrives. */
  board: Leaderboard | null;
  /** The round as last announced by `round:updated` (title, status...), or null if none came yet. */
  round: RoundSummary | null;
  connection: ConnectionState;
  /** The error of the last `board:join` (e.g. ROUND_NOT_FOUND), cleared by the next good snapshot. */
  error: ApiError | null;
  /** Asks for a fresh snapshot now, e.g. after this voter's ballot was counted (what they may see can change). */
  rejoin: () => void;
}

/** Who is watching (`view`) and with which key: the server decides from these what the board may show. */
export type LiveLeaderboardAccess = Omit<BoardJoin, "roundId">;

/**
 * Follows one round's leaderboard over the shared socket. It joins on every (re)connect, after a reset and
 * whenever an update does not build on the board it holds, so it always converges on the server's state.
 * Shared by the leaderboard page and, later, the projector screen.
 */
export function useLiveLeaderboard(
  roundId: string,
  access: LiveLeaderboardAccess = {},
  /** `connect: false` holds the connection back (the vote page until it knows its voter, so it connects once). */
  { connect = true }: { connect?: boolean } = {},
): LiveLeaderboard {
  const [board, setBoard] = useState<Leaderboard | null>(null);
  const [round, setRound] = useState<RoundSummary | null>(null);
  const [connection, setConnection] = useState<ConnectionState>("connecting");
  const [error, setError] = useState<ApiError | null>(null);
  const rejoinRef = useRef<() => void>(() => {});
  const { view, screenKey, adminToken } = access;

  useEffect(() => {
    const socket = getSocket();
    setBoard(null); // a new round id starts from nothing rather than showing the previous round's board
    setRound(null);
    setError(null);
    // Updates arrive faster than React renders, so the board they build on is kept here, not read from state.
    let current: Leaderboard | null = null;
    let joinId = 0;
    let joining = false;
    let disposed = false;

    const join = () => {
      if (!socket.connected) return; // the "connect" handler joins; an emit now would be buffered and doubled
      const id = ++joinId;
      joining = true;
      const payload: BoardJoin = { roundId, view, screenKey, adminToken };
      socket.emit("board:join", payload, (result) => {
        if (disposed || id !== joinId) return; // a newer join superseded this one
        joining = false;
        if ("error" in result) {
          setError(result.error);
          return;
        }
        current = result.ok;
        setBoard(current);
        // The round as of the snapshot: a rules or status change announced before this join is known now too.
        setRound(result.round);
        setError(null);
      });
    };

    const onConnect = () => {
      setConnection("connected");
      join();
    };
    const onDisconnect = (reason: string) => {
      setConnection("disconnected");
      joining = false;
      // The client reconnects by itself except when the server closed the connection (e.g. a backend shutting
      // down during a deploy); a board on a projector must come back without anyone touching it.
      if (reason === "io server disconnect") socket.connect();
    };
    const onConnectError = () => setConnection("disconnected");
    const onUpdate = (update: LeaderboardUpdate) => {
      if (joining) return; // the snapshot on its way will include it
      const outcome = reconcileUpdate(current, update, roundId);
      if (outcome.action === "apply") {
        current = outcome.board;
        setBoard(current);
      } else if (outcome.action === "rejoin") {
        join();
      }
    };
    const onReset = (notice: RoundResetNotice) => {
      if (notice.roundId === roundId) join();
    };
    const onRoundUpdated = (summary: RoundSummary) => {
      if (summary.id !== roundId) return;
      setRound(summary);
      join(); // the status or the voting window changed, and with it what this viewer may see
    };
    rejoinRef.current = join;

    socket.on("connect", onConnect);
    socket.on("disconnect", onDisconnect);
    socket.on("connect_error", onConnectError);
    socket.on("leaderboard:updated", onUpdate);
    socket.on("round:reset", onReset);
    socket.on("round:updated", onRoundUpdated);

    if (socket.connected) onConnect();
    else if (connect) socket.connect();

    return () => {
      disposed = true;
      socket.off("connect", onConnect);
      socket.off("disconnect", onDisconnect);
      socket.off("connect_error", onConnectError);
      socket.off("leaderboard:updated", onUpdate);
      socket.off("round:reset", onReset);
      socket.off("round:updated", onRoundUpdated);
      rejoinRef.current = () => {};
      if (socket.connected) socket.emit("board:leave", { roundId });
    };
  }, [roundId, view, screenKey, adminToken, connect]);

  const rejoin = useCallback(() => rejoinRef.current(), []);
  return { board, round, connection, error, rejoin };
}
