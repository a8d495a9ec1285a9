import type { EventView } from "@lb/common";
import { describe, expect, it } from "vitest";
import type { EventsRepository, StoredEvent } from "../events/events.repository.js";
import { EventRooms } from "./event-rooms.js";

const view = (over: Partial<EventView> = {}): EventView => ({
  id: "ev",
  title: "Finals",
  rounds: [],
  current: "a",
  betweenRounds: false,
  next: null,
  position: 1,
  roundCount: 2,
  version: 1,
  createdAt: "",
  updatedAt: "",
  ...over,
});

/** A repository whose event is whatever `state.view` says; counts full reads. */
function setup() {
  const state = { view: view(), reads: 0, watchers: 1 };
  const repo = {
    versions: async (ids: string[]) => ids.map(() => state.view.version),
    get: async () => ({ id: "ev" }) as StoredEvent,
    view: async () => {
      state.reads++;
      return state.view;
    },
    requireView: async () => state.view,
  };
  const sent: EventView[] = [];
  const rooms = {
    emit: (_room: string, _event: string, payload: EventView) => sent.push(payload),
    roomSize: () => state.watchers,
  };
  // Only the calls EventRooms makes are faked.
  const eventRooms = new EventRooms(repo as unknown as EventsRepository, rooms as never);
  return { state, sent, eventRooms };
}

describe("EventRooms", () => {
  it("sends event:updated once when the version moves, and reads nothing while it does not", async () => {
    const { state, sent, eventRooms } = setup();
    await eventRooms.viewForJoin("ev");
    await eventRooms.tick();
    expect(state.reads).toBe(0);
    state.view = view({ version: 2, current: "b", position: 2 });
    await eventRooms.tick();
    await eventRooms.tick();
    expect(sent.map((v) => v.current)).toEqual(["b"]);
  });

  it("re-reads an event between rounds every tick and tells when its draft opens, without a new version", async () => {
    const { state, sent, eventRooms } = setup();
    state.view = view({ current: null, betweenRounds: true });
    await eventRooms.viewForJoin("ev");
    await eventRooms.tick();
    expect(sent).toEqual([]);
    expect(state.reads).toBe(1);
    state.view = view({ current: "a", betweenRounds: false });
    await eventRooms.tick();
    expect(sent.map((v) => [v.current, v.betweenRounds])).toEqual([["a", false]]);
  });

  it("forgets events nobody here watches any more", async () => {
    const { state, sent, eventRooms } = setup();
    await eventRooms.viewForJoin("ev");
    state.watchers = 0;
    state.view = view({ version: 5 });
    await eventRooms.tick();
    expect(sent).toEqual([]);
  });
});
