import type {
  ApiError,
  BoardJoin,
  BoardJoinAck,
  ClientToServerEvents,
  Leaderboard,
  ServerToClientEvents,
} from "@lb/common";
import { io, type Socket } from "socket.io-client";

export type BoardSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
export type ServerEvent = keyof ServerToClientEvents;
export type EventPayload<E extends ServerEvent> = Parameters<ServerToClientEvents[E]>[0];

/** Default wait for an event: long enough for a loaded 2-core machine, short enough to fail a test clearly. */
export const EVENT_TIMEOUT_MS = 5_000;

function listen<E extends ServerEvent>(socket: BoardSocket, event: E, listener: (payload: EventPayload<E>) => void) {
  // socket.io-client's typed `on` does not accept a generic event name; the payload type is the map's.
  type Untyped = { on(event: string, fn: (payload: unknown) => void): void; off(event: string, fn: unknown): void };
  const untyped = socket as unknown as Untyped;
  const fn = listener as (payload: unknown) => void;
  untyped.on(event, fn);
  return () => {
    untyped.off(event, fn);
  };
}

/**
 * Resolves with the next `event` whose payload passes `predicate`. Rejects loudly after `timeoutMs`, naming
 * the event and the last payloads that did not match. Attach it before the action that causes the event,
 * or use {@link record} when earlier events matter.
 */
export function waitFor<E extends ServerEvent>(
  socket: BoardSocket,
  event: E,
  predicate: (payload: EventPayload<E>) => boolean = () => true,
  timeoutMs = EVENT_TIMEOUT_MS,
): Promise<EventPayload<E>> {
  return new Promise((resolve, reject) => {
    const seen: EventPayload<E>[] = [];
    const timer = setTimeout(() => {
      stop();
      reject(
        new Error(
          `timed out after ${timeoutMs} ms waiting for "${event}"; ${seen.length} non-matching seen, last: ` +
            JSON.stringify(seen.slice(-3)),
        ),
      );
    }, timeoutMs);
    const stop = listen(socket, event, (payload) => {
      if (!predicate(payload)) {
        seen.push(payload);
        return;
      }
      clearTimeout(timer);
      stop();
      resolve(payload);
    });
  });
}

/** Every `event` a socket receives from now on, with a wait that also looks at what already arrived. */
export interface Recorder<E extends ServerEvent> {
  readonly events: EventPayload<E>[];
  /** Resolves with the first recorded (or future) payload passing `predicate`; rejects after `timeoutMs`. */
  waitFor(predicate?: (payload: EventPayload<E>) => boolean, timeoutMs?: number): Promise<EventPayload<E>>;
  stop(): void;
}

export function record<E extends ServerEvent>(socket: BoardSocket, event: E): Recorder<E> {
  const events: EventPayload<E>[] = [];
  const waiters = new Set<(payload: EventPayload<E>) => void>();
  const stop = listen(socket, event, (payload) => {
    events.push(payload);
    for (const waiter of [...waiters]) waiter(payload);
  });
  return {
    events,
    stop,
    waitFor(predicate = () => true, timeoutMs = EVENT_TIMEOUT_MS) {
      const found = events.find(predicate);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const waiter = (payload: EventPayload<E>) => {
          if (!predicate(payload)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(payload);
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(
            new Error(
              `timed out after ${timeoutMs} ms waiting for a matching "${event}"; ${events.length} recorded, last: ` +
                JSON.stringify(events.slice(-3)),
            ),
          );
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
  };
}

/** Connects a typed Socket.IO client (WebSocket only, no automatic reconnection: tests reconnect explicitly). */
export async function connectSocket(
  baseUrl: string,
  auth?: { voterToken: string } | { ticket: string },
): Promise<BoardSocket> {
  const socket: BoardSocket = io(baseUrl, {
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
    ...(auth ? { auth } : {}),
  });
  await waitConnected(socket);
  return socket;
}

/** Resolves once the socket is connected (now or after `connect()`); rejects on a connection error. */
export function waitConnected(socket: BoardSocket, timeoutMs = EVENT_TIMEOUT_MS): Promise<void> {
  if (socket.connected) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`socket did not connect within ${timeoutMs} ms`));
    }, timeoutMs);
    const onConnect = () => {
      cleanup();
      resolve();
    };
    const onError = (error: Error) => {
      cleanup();
      reject(new Error(`socket connection failed: ${error.message}`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      socket.off("connect", onConnect);
      socket.off("connect_error", onError);
    };
    socket.on("connect", onConnect);
    socket.on("connect_error", onError);
  });
}

/** Emits `board:join` and returns the ack as it is (`{ ok }` or `{ error }`). */
export async function joinBoardAck(
  socket: BoardSocket,
  roundId: string,
  extra: Omit<BoardJoin, "roundId"> = {},
  timeoutMs = EVENT_TIMEOUT_MS,
) {
  const ack: BoardJoinAck = await socket.timeout(timeoutMs).emitWithAck("board:join", { roundId, ...extra });
  return ack;
}

/** Joins a board and returns the snapshot; throws with the ack's error when the join fails. */
export async function joinBoard(
  socket: BoardSocket,
  roundId: string,
  extra: Omit<BoardJoin, "roundId"> = {},
): Promise<Leaderboard> {
  const ack = await joinBoardAck(socket, roundId, extra);
  if ("error" in ack) throw new Error(`board:join ${roundId} failed: ${JSON.stringify(ack.error satisfies ApiError)}`);
  return ack.ok;
}

/** Connects and joins in one go. */
export async function connectBoard(baseUrl: string, roundId: string) {
  const socket = await connectSocket(baseUrl);
  try {
    const snapshot = await joinBoard(socket, roundId);
    return { socket, snapshot };
  } catch (error) {
    socket.disconnect();
    throw error;
  }
}
