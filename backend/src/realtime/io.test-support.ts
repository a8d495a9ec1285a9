import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { ClientToServerEvents, ServerToClientEvents } from "@lb/common";
import { Server } from "socket.io";
import { io as ioClient, type Socket } from "socket.io-client";
import type { IoServer } from "./realtime.js";

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * For tests of the socket handlers: a real Socket.IO server on a free port of 127.0.0.1, clients of it over
 * WebSocket, and `close` for both.
 */
export async function startTestIo(): Promise<{ io: IoServer; connect(): ClientSocket; close(): Promise<void> }> {
  const http = createServer();
  const io: IoServer = new Server(http);
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const clients: ClientSocket[] = [];
  return {
    io,
    connect() {
      const client: ClientSocket = ioClient(url, { transports: ["websocket"], forceNew: true });
      clients.push(client);
      return client;
    },
    async close() {
      for (const client of clients) client.disconnect();
      await new Promise((resolve) => io.close(resolve));
    },
  };
}

/** What `client` receives of `event`, in order, and `first`: a promise of the first one. */
export function collect<E extends "leaderboard:updated" | "event:updated">(
  client: ClientSocket,
  event: E,
): { received: Parameters<ServerToClientEvents[E]>[0][]; first: Promise<void> } {
  const received: Parameters<ServerToClientEvents[E]>[0][] = [];
  const first = new Promise<void>((resolve) => {
    const listener = (payload: Parameters<ServerToClientEvents[E]>[0]) => {
      received.push(payload);
      resolve();
    };
    // socket.io-client's overloads cannot tie a generic event name to its listener.
    (client.on as (name: string, listener: (payload: Parameters<ServerToClientEvents[E]>[0]) => void) => void)(
      event,
      listener,
    );
  });
  return { received, first };
}
