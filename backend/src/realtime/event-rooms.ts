import { EventJoinSchema, EventLeaveSchema, type EventView, eventRoom } from "@lb/common";
import type { EventsRepository } from "../events/events.repository.js";
import { AppError } from "../http/app-error.js";
import type { RoomEmitter } from "./live-hub.js";
import { countJoin, type IoServer, type SocketLimits } from "./realtime.js";

/** What decides whether sockets must hear of a change: not the rounds' counts, which their own rooms carry. */
const shown = (view: EventView) =>
  JSON.stringify([
    view.title,
    view.current,
    view.betweenRounds,
    view.next,
    view.position,
    view.roundCount,
    view.rounds.map((r) => r.id),
  ]);

/**
 * Event rooms, ticked by the live hub beside the rounds: each tick reads, in one round trip, the version of
 * every event with watchers on this backend, and sends `event:updated` (the public view) to the event's room
 * when it moved. An event between rounds is also read in full each tick, since its draft current round opening
 * changes what the public sees without a new event version. As for rounds, the view kept per event is what a
 * joining socket gets, so no notice can fall between a join and its ack.
 */
export class EventRooms {
  private readonly views = new Map<string, EventView>();

  constructor(
    private readonly events: EventsRepository,
    private readonly rooms: Pick<RoomEmitter, "emit" | "roomSize">,
  ) {}

  private watched(eventId: string): boolean {
    return this.rooms.roomSize(eventRoom(eventId)) > 0;
  }

  async viewForJoin(eventId: string): Promise<EventView> {
    const known = this.views.get(eventId);
    if (known && this.watched(eventId)) return known;
    const fresh = await this.events.requireView(eventId, "public");
    const current = this.views.get(eventId);
    if (current && current !== known && this.watched(eventId)) return current;
    this.views.set(eventId, fresh);
    return fresh;
  }

  /** The view a socket entering the room now must get, read in the same synchronous step (LiveHub.joinBase). */
  joinView(eventId: string): EventView | undefined {
    return this.views.get(eventId);
  }

  /** One tick (called by LiveHub.tick). */
  async tick(): Promise<void> {
    for (const id of this.views.keys()) if (!this.watched(id)) this.views.delete(id);
    const watched = [...this.views.entries()];
    if (watched.length === 0) return;
    const versions = await this.events.versions(watched.map(([id]) => id));
    await Promise.all(
      watched.map(async ([id, before], index) => {
        const version = versions[index];
        if (version === null || version === undefined) {
          this.views.delete(id); // deleted: nothing more to send; a rejoin gets EVENT_NOT_FOUND
          return;
        }
        if (version === before.version && !before.betweenRounds) return;
        const stored = await this.events.get(id);
        if (!stored || this.views.get(id) !== before) return;
        const after = await this.events.view(stored, "public");
        if (this.views.get(id) !== before) return; // a join replaced the view meanwhile: the next tick compares
        this.views.set(id, after);
        if (after.version !== before.version || shown(after) !== shown(before)) {
          this.rooms.emit(eventRoom(id), "event:updated", after);
        }
      }),
    );
  }
}

/** `event:join` / `event:leave`: the same per-socket bounds as `board:join` (joins a minute, things watched). */
export function registerEventRooms(
  io: IoServer,
  deps: { eventRooms: EventRooms; limits: SocketLimits; log: (message: string, error: unknown) => void },
): void {
  const { maxRounds, joinsPerMinute } = deps.limits;
  const eventsWatched = (rooms: Set<string>) => [...rooms].filter((room) => room.startsWith(eventRoom(""))).length;
  io.on("connection", (socket) => {
    socket.on("event:join", async (payload, ack) => {
      const given: unknown = typeof ack === "function" ? ack : payload;
      const reply = typeof given === "function" ? (given as typeof ack) : () => {};
      if (!countJoin(socket.data, joinsPerMinute)) {
        reply({
          error: {
            code: "RATE_LIMITED",
            message: `Too many joins on this connection (at most ${joinsPerMinute} a minute).`,
          },
        });
        return;
      }
      const parsed = EventJoinSchema.safeParse(payload);
      if (!parsed.success) {
        reply({ error: { code: "INVALID_BODY", message: "event:join takes { eventId }." } });
        return;
      }
      const room = eventRoom(parsed.data.eventId);
      if (!socket.rooms.has(room) && eventsWatched(socket.rooms) >= maxRounds) {
        reply({ error: { code: "RATE_LIMITED", message: `One connection follows at most ${maxRounds} events.` } });
        return;
      }
      try {
        const loaded = await deps.eventRooms.viewForJoin(parsed.data.eventId);
        if (!socket.connected) return;
        // The view, the room and the answer in one synchronous step, so that no notice can fall between them.
        const view = deps.eventRooms.joinView(parsed.data.eventId) ?? loaded;
        socket.join(room);
        reply({ ok: view });
      } catch (error) {
        if (error instanceof AppError) {
          reply({ error: { code: error.code, message: error.message } });
          return;
        }
        deps.log("event:join failed", error);
        reply({ error: { code: "INTERNAL", message: "Internal error." } });
      }
    });
    socket.on("event:leave", (payload) => {
      const parsed = EventLeaveSchema.safeParse(payload);
      if (parsed.success) socket.leave(eventRoom(parsed.data.eventId));
    });
  });
}
