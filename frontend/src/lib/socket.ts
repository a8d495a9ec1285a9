import type { ClientToServerEvents, ServerToClientEvents } from "@lb/common";
import { io, type Socket } from "socket.io-client";

export type LeaderboardSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

let socket: LeaderboardSocket | null = null;

/**
 * The one Socket.IO connection of this tab (same origin, default path /socket.io). It is created and connected
 * only by pages that need live data, so voters' phones on the vote page never hold a connection.
 */
export function getSocket(): LeaderboardSocket {
  socket ??= io({ autoConnect: false });
  return socket;
}
