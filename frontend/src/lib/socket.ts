import type { ClientToServerEvents, ServerToClientEvents } from "@lb/common";
import { io, type Socket } from "socket.io-client";
import type { VoterCredential } from "./api";

export type LeaderboardSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

let socket: LeaderboardSocket | null = null;

/**
 * The one Socket.IO connection of this tab (same origin, default path /socket.io). It is created and connected
 * only by pages that show live data (the vote page does, for its counts and leaderboard tab).
 */
export function getSocket(): LeaderboardSocket {
  socket ??= io({ autoConnect: false });
  return socket;
}

/**
 * Names the voter (or, in a tickets round, the ticket) in the socket's handshake as well as by cookie (some
 * browsers block it), so the server can tell whether this voter may see results. The handshake is read once per
 * connection: a socket that connected as someone else (or as nobody) reconnects, and live boards rejoin on
 * "connect".
 */
export function setSocketCredential(credential: VoterCredential): void {
  const current = getSocket();
  if (JSON.stringify(current.auth ?? null) === JSON.stringify(credential)) return;
  current.auth = { ...credential };
  if (current.connected) current.disconnect().connect();
}
