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
