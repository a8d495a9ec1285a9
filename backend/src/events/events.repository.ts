import { randomBytes } from "node:crypto";
import type { EventCreate, EventPatch, EventView, RoundSummary } from "@lb/common";
import { sameSecret } from "../auth/admin-auth.js";
import { AppError } from "../http/app-error.js";
import { eventIndexKey, eventKeys } from "../redis/keys.js";
import { LuaScript } from "../redis/lua-script.js";
import { pipelineGroups, type RedisClient } from "../redis/redis-client.js";
import type { RoundsRepository } from "../rounds/rounds.repository.js";

/** Kept with the event's own script rather than in the shared list of round scripts. */
const saveEvent = LuaScript.load("save-event");

/** How many times a change is tried again when another change moved the event under it. */
const MAX_ATTEMPTS = 5;

/** An event as Redis holds it. */
export interface StoredEvent {
  id: string;
  title: string;
  rounds: string[];
  current: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** Who looks: the organiser and a screen with the event's key see drafts; the public does not. */
export type EventViewer = "organiser" | "screen" | "public";

const notFound = () => new AppError("EVENT_NOT_FOUND", "No event has this id.");

function parseEvent(hash: Record<string, string>): StoredEvent | null {
  if (!hash.id) return null;
  return {
    id: hash.id,
    title: hash.title ?? "",
    rounds: JSON.parse(hash.rounds ?? "[]") as string[],
    current: hash.current ? hash.current : null,
    version: Number(hash.version ?? 0),
    createdAt: hash.createdAt ?? "",
    updatedAt: hash.updatedAt ?? "",
  };
}

/** Events of many rounds: an ordered list of existing rounds and the one screens and phones show now. */
export class EventsRepository {
  constructor(
    private readonly redis: RedisClient,
    private readonly rounds: RoundsRepository,
  ) {}

  async get(eventId: string): Promise<StoredEvent | null> {
    return parseEvent(await this.redis.hgetall(eventKeys(eventId).meta));
  }

  async require(eventId: string): Promise<StoredEvent> {
    const event = await this.get(eventId);
    if (!event) throw notFound();
    return event;
  }

  /** Each event's version in one round trip (null: no such event): what the live hub compares each tick. */
  async versions(eventIds: string[]): Promise<(number | null)[]> {
    if (eventIds.length === 0) return [];
    // One pipeline per event on a cluster: each event has its own hash tag.
    const replies = await pipelineGroups(this.redis, eventIds, (pipeline, id) =>
      pipeline.hget(eventKeys(id).meta, "version"),
    );
    return replies.map(([error, value]) => {
      if (error) throw error;
      return value === null ? null : Number(value);
    });
  }

  /** Every round named must exist: an event never points at nothing when it is made or reordered. */
  private async requireRounds(roundIds: string[]): Promise<void> {
    const epochs = await Promise.all(roundIds.map((id) => this.rounds.currentEpoch(id)));
    const missing = roundIds.filter((_, index) => epochs[index] === null);
    if (missing.length > 0) throw new AppError("ROUND_NOT_FOUND", `No round has the id ${missing.join(", ")}.`);
  }

  async create(input: EventCreate & { id: string }): Promise<StoredEvent> {
    await this.requireRounds(input.rounds);
    await this.save(input.id, "create", "", [
      "id",
      input.id,
      "title",
      input.title,
      "rounds",
      JSON.stringify(input.rounds),
    ]);
    // The index lives outside the event's hash tag; it only lists events.
    await this.redis.zadd(eventIndexKey, Date.now(), input.id);
    return this.require(input.id);
  }

  async list(): Promise<StoredEvent[]> {
    const ids = await this.redis.zrange(eventIndexKey, 0, -1);
    const events = await Promise.all(ids.map((id) => this.get(id)));
    return events.filter((event): event is StoredEvent => event !== null);
  }

  /** A new title or order; a current round taken out of the order leaves the event between rounds. */
  async update(eventId: string, patch: EventPatch): Promise<StoredEvent> {
    if (patch.rounds) await this.requireRounds(patch.rounds);
    await this.change(eventId, (event) => {
      const fields: string[] = [];
      if (patch.title !== undefined) fields.push("title", patch.title);
      if (patch.rounds !== undefined) {
        fields.push("rounds", JSON.stringify(patch.rounds));
        if (event.current !== null && !patch.rounds.includes(event.current)) fields.push("current", "");
      }
      return fields;
    });
    return this.require(eventId);
  }

  /** Makes one of the event's rounds the current one. */
  async setCurrent(eventId: string, roundId: string): Promise<StoredEvent> {
    await this.change(eventId, (event) => {
      if (!event.rounds.includes(roundId)) {
        throw new AppError("ROUND_NOT_FOUND", `Round ${roundId} is not one of the event's rounds.`);
      }
      return ["current", roundId];
    });
    return this.require(eventId);
  }

  /** Moves on to the round after the current one (the first, before any); 409 after the last. */
  async next(eventId: string): Promise<StoredEvent> {
    await this.change(eventId, (event) => {
      const at = event.current === null ? -1 : event.rounds.indexOf(event.current);
      const following = event.rounds[at + 1];
      if (following === undefined) throw new AppError("INVALID_TRANSITION", "The current round is the event's last.");
      return ["current", following];
    });
    return this.require(eventId);
  }

  /** Deletes the event only: its rounds stay, with their links. */
  async delete(eventId: string): Promise<void> {
    const removed = await this.redis.del(eventKeys(eventId).meta);
    await this.redis.zrem(eventIndexKey, eventId);
    if (removed === 0) throw notFound();
  }

  /** The event's screen key, made on first use; `rotate` replaces it so that the old one stops working. */
  async screenKey(eventId: string, rotate: boolean): Promise<string> {
    const { meta } = eventKeys(eventId);
    await this.require(eventId);
    const fresh = randomBytes(18).toString("base64url");
    if (rotate) await this.redis.hset(meta, "screenKey", fresh);
    else await this.redis.hsetnx(meta, "screenKey", fresh);
    return (await this.redis.hget(meta, "screenKey")) ?? fresh;
  }

  async isScreenKey(eventId: string, key: string): Promise<boolean> {
    const stored = await this.redis.hget(eventKeys(eventId).meta, "screenKey");
    return stored !== null && sameSecret(stored, key);
  }

  /**
   * The event as `viewer` may see it. Rounds deleted since are left out; the public sees no round that is
   * not public yet (a draft never opened), so a draft current round reads as "between rounds" with no title.
   */
  async view(event: StoredEvent, viewer: EventViewer): Promise<EventView> {
    const [summaries, audiences] = await Promise.all([
      Promise.all(event.rounds.map((id) => this.rounds.summary(id))),
      viewer === "public" ? Promise.all(event.rounds.map((id) => this.rounds.audience(id))) : [],
    ]);
    const visible = (index: number) =>
      summaries[index] != null && (viewer !== "public" || audiences[index] === "everyone");
    const rounds = summaries.filter((summary, index): summary is RoundSummary => summary !== null && visible(index));
    const at = event.current === null ? -1 : event.rounds.indexOf(event.current);
    const currentVisible = at >= 0 && visible(at);
    const currentSummary = currentVisible ? summaries[at] : null;
    const betweenRounds = !currentSummary || currentSummary.status === "draft";
    // What comes next while between rounds: the current round (not opened yet), or the first before any.
    const nextIndex = Math.max(at, 0);
    const nextSummary = betweenRounds && visible(nextIndex) ? summaries[nextIndex] : null;
    return {
      id: event.id,
      title: event.title,
      rounds,
      current: currentVisible ? event.current : null,
      betweenRounds,
      next: nextSummary ? { id: nextSummary.id, title: nextSummary.title } : null,
      position: at >= 0 ? at + 1 : null,
      roundCount: event.rounds.length,
      version: event.version,
      createdAt: event.createdAt,
      updatedAt: event.updatedAt,
    };
  }

  async requireView(eventId: string, viewer: EventViewer): Promise<EventView> {
    return this.view(await this.require(eventId), viewer);
  }

  /** Writes what `fields` derives from the event as read, again when another change came in between. */
  private async change(eventId: string, fields: (event: StoredEvent) => string[]): Promise<void> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const event = await this.require(eventId);
      const result = await this.save(eventId, "update", String(event.version), fields(event));
      if (result[0] !== "RETRY") return;
    }
    throw new AppError("UNAVAILABLE", "The event kept changing; try again.");
  }

  private async save(eventId: string, mode: "create" | "update", expected: string, fields: string[]) {
    const result = await saveEvent.run(
      this.redis,
      [eventKeys(eventId).meta],
      [mode, new Date().toISOString(), expected, ...fields],
    );
    if (result[0] === "ERR") {
      if (result[1] === "EVENT_EXISTS") throw new AppError("EVENT_EXISTS", "An event with this id exists already.");
      throw notFound();
    }
    return result;
  }
}
