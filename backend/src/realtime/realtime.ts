import {
  type ApiError,
  BoardJoinSchema,
  type ClientToServerEvents,
  ERROR_STATUS,
  roundRoom,
  type ServerToClientEvents,
} from "@lb/common";
import type { Server } from "socket.io";
import { AppError } from "../http/app-error.js";
import type { LiveHub, RoomEmitter } from "./live-hub.js";

export type IoServer = Server<ClientToServerEvents, ServerToClientEvents>;

export function roomEmitter(io: IoServer): RoomEmitter {
  return {
    emit: (room, event, ...args) => io.to(room).emit(event, ...args),
    roomSize: (room) => io.of("/").adapter.rooms.get(room)?.size ?? 0,
  };
}

function errorAck(error: unknown): { error: ApiError } {
  if (error instanceof AppError) return { error: { code: error.code, message: error.message } };
  return { error: { code: "INTERNAL", message: "Internal error." } };
}

/** Socket.IO wiring: clients join round rooms and get the snapshot that the room's next update builds on. */
export function registerRealtime(io: IoServer, hub: LiveHub, log: (message: string, error: unknown) => void): void {
  io.on("connection", (socket) => {
    socket.on("board:join", async (payload, ack) => {
      // The ack is the client's to give; a client that sends none gets nothing back.
      const reply = typeof ack === "function" ? ack : () => {};
      const parsed = BoardJoinSchema.safeParse(payload);
      if (!parsed.success) {
        reply({ error: { code: "INVALID_BODY", message: "board:join takes { roundId }." } });
        return;
      }
      try {
        const board = await hub.boardForJoin(parsed.data.roundId);
        // Join and answer in the same turn of the event loop, so no update can fall between the two.
        socket.join(roundRoom(parsed.data.roundId));
        reply({ ok: board });
      } catch (error) {
        const ackError = errorAck(error);
        if (ERROR_STATUS[ackError.error.code] >= 500) log("board:join failed", error);
        reply(ackError);
      }
    });

    socket.on("board:leave", (payload) => {
      const parsed = BoardJoinSchema.safeParse(payload);
      if (parsed.success) socket.leave(roundRoom(parsed.data.roundId));
    });
  });
}
