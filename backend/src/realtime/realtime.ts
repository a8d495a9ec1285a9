import {
  type ApiError,
  BoardJoinSchema,
  BoardLeaveSchema,
  type ClientToServerEvents,
  type ClientView,
  ERROR_STATUS,
  type ServerToClientEvents,
} from "@lb/common";
import type { Server } from "socket.io";
import { AppError } from "../http/app-error.js";
import { type BoardAccess, canSeeResults, hideResults } from "../leaderboard/board-access.js";
import { emptyViewCounts } from "../stats/stats.repository.js";
import { verifyVoterToken } from "../voters/voter-token.js";
import { presentedVoterToken } from "../voters/voters.routes.js";
import { type Audience, audienceRoom, type LiveHub, type RoomEmitter } from "./live-hub.js";

export interface SocketData {
  /** The voter of the handshake (cookie or `auth.voterToken`), verified once per connection. */
  voterId: string | null;
  /** Rounds this socket watches, with the page it serves (for the organiser's live panel). */
  views: Map<string, ClientView>;
}

// biome-ignore lint/complexity/noBannedTypes: Socket.IO's slot for server-to-server events, which we do not use.
export type IoServer = Server<ClientToServerEvents, ServerToClientEvents, {}, SocketData>;

export function roomEmitter(io: IoServer): RoomEmitter {
  const sockets = io.of("/").sockets;
  const rooms = io.of("/").adapter.rooms;
  return {
    emit: (room, event, ...args) => io.to(room).emit(event, ...args),
    roomSize: (room) => rooms.get(room)?.size ?? 0,
    viewCounts(roundId) {
      const counts = emptyViewCounts();
      for (const audience of ["results", "hidden"] as const) {
        for (const id of rooms.get(audienceRoom(roundId, audience)) ?? []) {
          const view = sockets.get(id)?.data.views.get(roundId);
          if (view) counts[view]++;
        }
      }
      return counts;
    },
  };
}

function errorAck(error: unknown): { error: ApiError } {
  if (error instanceof AppError) return { error: { code: error.code, message: error.message } };
  return { error: { code: "INTERNAL", message: "Internal error." } };
}

/**
 * Socket.IO wiring: a client joins a round and gets the snapshot that its room's next update builds on,
 * with votes and ranks only when the round's rules let this client see them.
 */
export function registerRealtime(
  io: IoServer,
  deps: { hub: LiveHub; access: BoardAccess; voterSecret: string; log: (message: string, error: unknown) => void },
): void {
  io.on("connection", (socket) => {
    const token = presentedVoterToken(socket.handshake.auth?.voterToken, socket.handshake.headers.cookie);
    socket.data.voterId = token ? verifyVoterToken(deps.voterSecret, token) : null;
    socket.data.views = new Map();

    socket.on("board:join", async (payload, ack) => {
      // The ack is the client's to give; a client that sends none gets nothing back. A client that sends only
      // an ack (no payload) gets its error through it rather than waiting forever.
      const given: unknown = typeof ack === "function" ? ack : payload;
      const reply = typeof given === "function" ? (given as typeof ack) : () => {};
      const parsed = BoardJoinSchema.safeParse(payload);
      if (!parsed.success) {
        reply({
          error: { code: "INVALID_BODY", message: "board:join takes { roundId, view?, screenKey?, adminToken? }." },
        });
        return;
      }
      const { roundId, view, screenKey, adminToken } = parsed.data;
      try {
        const viewer = await deps.access.viewer(roundId, undefined, {
          adminToken,
          screenKey,
          voterId: socket.data.voterId,
        });
        const base = await deps.hub.snapshotForJoin(roundId);
        const audience: Audience = canSeeResults(viewer, base) ? "results" : "hidden";
        // Join and answer in the same turn of the event loop, so no update can fall between the two.
        socket.leave(audienceRoom(roundId, audience === "results" ? "hidden" : "results"));
        socket.join(audienceRoom(roundId, audience));
        socket.data.views.set(roundId, view ?? "board");
        reply({ ok: audience === "results" ? base.board : hideResults(base.board) });
      } catch (error) {
        const ackError = errorAck(error);
        if (ERROR_STATUS[ackError.error.code] >= 500) deps.log("board:join failed", error);
        reply(ackError);
      }
    });

    socket.on("board:leave", (payload) => {
      const parsed = BoardLeaveSchema.safeParse(payload);
      if (!parsed.success) return;
      socket.leave(audienceRoom(parsed.data.roundId, "results"));
      socket.leave(audienceRoom(parsed.data.roundId, "hidden"));
      socket.data.views.delete(parsed.data.roundId);
    });
  });
}
