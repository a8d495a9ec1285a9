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
import { clientAddress } from "../integrity/client-address.js";
import { presentedTicket } from "../integrity/ticket-code.js";
import { type BoardAccess, boardFor, type Grant, grantSeesResults, viewerNow } from "../leaderboard/board-access.js";
import type { RoundSnapshot } from "../leaderboard/leaderboard.repository.js";
import { emptyViewCounts } from "../stats/stats.repository.js";
import { verifyVoterToken } from "../voters/voter-token.js";
import { presentedVoterToken } from "../voters/voters.routes.js";
import {
  AUDIENCES,
  type Audience,
  audienceRoom,
  LANES,
  type LiveHub,
  laneOf,
  type RoomEmitter,
  roundRooms,
} from "./live-hub.js";

/** A round a socket watches: the page it serves (for the organiser's live panel) and what it proved at join. */
export interface Watch {
  view: ClientView;
  grant: Grant;
}

export interface SocketData {
  /** The voter of the handshake (cookie or `auth.voterToken`), verified once per connection. */
  voterId: string | null;
  /** The ticket of the handshake (`auth.ticket`), normalised, or null. */
  ticket: string | null;
  /** The client's IP (honouring TRUST_PROXY as Express does): wrong tokens and keys are throttled per IP. */
  clientIp: string;
  /** Rounds this socket watches. */
  watching: Map<string, Watch>;
  /** This socket's `board:join`s in the current minute (a fixed window, kept in this process). */
  joins: { windowStartMs: number; count: number };
}

/** What bounds one socket's work: rounds watched at once and `board:join`s per minute. */
export interface SocketLimits {
  maxRounds: number;
  joinsPerMinute: number;
}

const JOIN_WINDOW_MS = 60_000;

/**
 * The client IP of a socket's handshake, as Express computes `req.ip`: the peer address, or with TRUST_PROXY
 * (every hop trusted) the left-most `X-Forwarded-For` entry.
 */
export function handshakeIp(
  handshake: { address: string; headers: Record<string, string | string[] | undefined> },
  trustProxy: boolean,
): string {
  const forwarded = handshake.headers["x-forwarded-for"];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(",")[0]?.trim();
  return clientAddress(trustProxy && first ? first : handshake.address).ip;
}

/** The room a socket holding `grant` belongs in for this base; `knownKey` undefined: the key it just proved. */
function audienceOf(grant: Grant, base: RoundSnapshot, knownKey: string | null | undefined): Audience {
  return grantSeesResults(grant, base, knownKey === undefined ? (grant.screenKey ?? null) : knownKey)
    ? "results"
    : "hidden";
}

// biome-ignore lint/complexity/noBannedTypes: Socket.IO's slot for server-to-server events, which we do not use.
export type IoServer = Server<ClientToServerEvents, ServerToClientEvents, {}, SocketData>;

/** One broadcast on its way: the sockets its room held when it was sent, and how many of them have it. */
interface FanoutJob {
  room: string;
  ids: string[];
  sent: number;
  send: (ids: string[]) => void;
}

/**
 * Sends each broadcast to at most `sliceSockets` sockets per turn of the event loop, in order, and yields
 * (setImmediate) between slices: writing one update to thousands of sockets in one go would hold ballots'
 * requests for tens of milliseconds. Each slice is one `io.to(ids).emit`, so an update is encoded once per
 * slice, not per socket. The sockets are those of the room when the update was sent (a socket that joins later
 * got a snapshot that already counts it); one that left the room meanwhile is skipped. Broadcasts reach a
 * socket in the order they were sent; `flush` resolves when every broadcast sent so far has been written.
 */
function slicedFanout(io: IoServer, sliceSockets: number, log: (message: string, error: unknown) => void) {
  const rooms = io.of("/").adapter.rooms;
  const jobs: FanoutJob[] = [];
  let scheduled = false;
  let idle: (() => void)[] = [];
  const pump = () => {
    let budget = sliceSockets;
    while (budget > 0) {
      const job = jobs[0];
      if (!job) break;
      const count = Math.min(budget, job.ids.length - job.sent);
      const members = rooms.get(job.room);
      const part = job.ids.slice(job.sent, job.sent + count).filter((id) => members?.has(id));
      job.sent += count;
      budget -= count;
      if (job.sent >= job.ids.length) jobs.shift();
      // A slice that fails is logged and the queue goes on: a stuck queue would stop every later update and tick.
      try {
        if (part.length > 0) job.send(part);
      } catch (error) {
        log("live update slice failed", error);
      }
    }
    if (jobs.length > 0) {
      scheduled = true;
      setImmediate(() => {
        scheduled = false;
        pump();
      });
      return;
    }
    const waiting = idle;
    idle = [];
    for (const resolve of waiting) resolve();
  };
  return {
    add(room: string, send: (ids: string[]) => void): void {
      const members = rooms.get(room);
      if (!members || members.size === 0) return;
      jobs.push({ room, ids: [...members], sent: 0, send });
      // A small broadcast with nothing ahead of it goes out in this turn, as a plain room emit would.
      if (!scheduled) pump();
    },
    flush(): Promise<void> {
      if (jobs.length === 0) return Promise.resolve();
      return new Promise((resolve) => idle.push(resolve));
    },
  };
}

export function roomEmitter(
  io: IoServer,
  sliceSockets: number,
  log: (message: string, error: unknown) => void,
): RoomEmitter {
  const sockets = io.of("/").sockets;
  const rooms = io.of("/").adapter.rooms;
  const fanout = slicedFanout(io, sliceSockets, log);
  return {
    emit: (room, event, ...args) => fanout.add(room, (ids) => io.to(ids).emit(event, ...args)),
    flush: () => fanout.flush(),
    roomSize: (room) => rooms.get(room)?.size ?? 0,
    viewCounts(roundId) {
      const counts = emptyViewCounts();
      for (const room of roundRooms(roundId)) {
        for (const id of rooms.get(room) ?? []) {
          const watch = sockets.get(id)?.data.watching.get(roundId);
          if (watch) counts[watch.view]++;
        }
      }
      return counts;
    },
    regroup(roundId, base, screenKey, notify) {
      for (const lane of LANES) {
        for (const audience of AUDIENCES) {
          // A copy: moving sockets changes the rooms' sets.
          for (const id of [...(rooms.get(audienceRoom(roundId, audience, lane)) ?? [])]) {
            const socket = sockets.get(id);
            if (!socket) continue;
            const watch = socket.data.watching.get(roundId);
            const now: Audience = watch ? audienceOf(watch.grant, base, screenKey) : "hidden";
            if (now === audience) continue;
            socket.leave(audienceRoom(roundId, audience, lane));
            socket.join(audienceRoom(roundId, now, lane));
            if (notify) socket.emit("round:updated", base.summary);
          }
        }
      }
    },
  };
}

function rateLimited(message: string): { error: ApiError } {
  return { error: { code: "RATE_LIMITED", message } };
}

/** Counts a `board:join` (or `event:join`) in the socket's current minute; false when it is one too many. */
export function countJoin(data: SocketData, joinsPerMinute: number, nowMs = Date.now()): boolean {
  if (nowMs - data.joins.windowStartMs >= JOIN_WINDOW_MS) data.joins = { windowStartMs: nowMs, count: 0 };
  data.joins.count++;
  return data.joins.count <= joinsPerMinute;
}

function errorAck(error: unknown): { error: ApiError } {
  if (error instanceof AppError) return { error: { code: error.code, message: error.message } };
  return { error: { code: "INTERNAL", message: "Internal error." } };
}

/**
 * Socket.IO wiring: a client joins a round and gets the snapshot that its room's next update builds on,
 * with votes and ranks only when the round's rules let this client see them. What it proved is kept with the
 * socket, so that the hub can judge it again when the round changes (see LiveHub).
 */
export function registerRealtime(
  io: IoServer,
  deps: {
    hub: LiveHub;
    access: BoardAccess;
    voterSecret: string;
    trustProxy: boolean;
    limits: SocketLimits;
    log: (message: string, error: unknown) => void;
  },
): void {
  const { maxRounds, joinsPerMinute } = deps.limits;
  const tooManyRounds = `One connection watches at most ${maxRounds} rounds; leave one (board:leave) first.`;
  io.on("connection", (socket) => {
    const token = presentedVoterToken(socket.handshake.auth?.voterToken, socket.handshake.headers.cookie);
    socket.data.voterId = token ? verifyVoterToken(deps.voterSecret, token) : null;
    // A ticket holder (tickets rounds) names the ticket instead; it counts only in the round it belongs to.
    socket.data.ticket = presentedTicket(socket.handshake.auth?.ticket);
    socket.data.clientIp = handshakeIp(socket.handshake, deps.trustProxy);
    socket.data.watching = new Map();
    socket.data.joins = { windowStartMs: Date.now(), count: 0 };

    socket.on("board:join", async (payload, ack) => {
      // The ack is the client's to give; a client that sends none gets nothing back. A client that sends only
      // an ack (no payload) gets its error through it rather than waiting forever.
      const given: unknown = typeof ack === "function" ? ack : payload;
      const reply = typeof given === "function" ? (given as typeof ack) : () => {};
      // Before any work: a loop of joins must not cost a read of Redis each.
      if (!countJoin(socket.data, joinsPerMinute)) {
        reply(rateLimited(`Too many board:join on this connection (at most ${joinsPerMinute} a minute).`));
        return;
      }
      const parsed = BoardJoinSchema.safeParse(payload);
      if (!parsed.success) {
        reply({
          error: { code: "INVALID_BODY", message: "board:join takes { roundId, view?, screenKey?, adminToken? }." },
        });
        return;
      }
      const { roundId, view, screenKey, adminToken } = parsed.data;
      const full = () => !socket.data.watching.has(roundId) && socket.data.watching.size >= maxRounds;
      if (full()) {
        reply(rateLimited(tooManyRounds));
        return;
      }
      try {
        const grant = await deps.access.grant(roundId, {
          adminToken,
          screenKey,
          voterId: socket.data.voterId,
          ticket: socket.data.ticket,
          clientIp: socket.data.clientIp,
        });
        const lane = laneOf(view);
        const loaded = await deps.hub.snapshotForJoin(roundId, lane);
        // A socket that left meanwhile must not be put in a room it would never leave.
        if (!socket.connected) return;
        // Another join of this socket may have taken the last place while this one waited for Redis.
        if (full()) {
          reply(rateLimited(tooManyRounds));
          return;
        }
        // The base, the room and the answer in one synchronous step, so that no update can fall between them.
        const base = deps.hub.joinBase(roundId, lane) ?? loaded;
        const knownKey = deps.hub.screenKeyOf(roundId);
        const audience = audienceOf(grant, base, knownKey);
        const room = audienceRoom(roundId, audience, lane);
        for (const other of roundRooms(roundId)) if (other !== room) socket.leave(other);
        socket.join(room);
        socket.data.watching.set(roundId, { view: view ?? "board", grant });
        // The frozen (or revealing) public board when the show freezes it: see boardFor.
        reply({
          ok: boardFor(
            viewerNow(grant, base.board.epoch, knownKey === undefined ? (grant.screenKey ?? null) : knownKey),
            base,
          ),
          // The round as of this base: a change announced before this socket was in its room reaches it here.
          round: base.summary,
        });
      } catch (error) {
        const ackError = errorAck(error);
        if (ERROR_STATUS[ackError.error.code] >= 500) deps.log("board:join failed", error);
        reply(ackError);
      }
    });

    socket.on("board:leave", (payload) => {
      const parsed = BoardLeaveSchema.safeParse(payload);
      if (!parsed.success) return;
      for (const room of roundRooms(parsed.data.roundId)) socket.leave(room);
      socket.data.watching.delete(parsed.data.roundId);
    });
  });
}
