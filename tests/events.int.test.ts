import { scanKeys } from "@lb/backend";
import type { Ack, EventImported, EventImportInput, EventScreenView, EventView } from "@lb/common";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Backends, startBackends, testRedisClient } from "./support/backend.js";
import { type Api, expectError, expectStatus } from "./support/http.js";
import { smallRound, uniqueRoundId } from "./support/rounds.js";
import { type BoardSocket, connectSocket, record } from "./support/wait.js";

/** Events of many rounds: HTTP on one backend, sockets on two. */
let backends: Backends;
let api: Api;
const sockets: BoardSocket[] = [];
const redis = testRedisClient();

beforeAll(async () => {
  backends = await startBackends(2, { liveTickMs: 50 });
  api = backends.api;
});
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.disconnect();
});
afterAll(async () => {
  await backends?.close();
  await redis.quit();
});

async function createEvent(rounds: string[], title = "Finals night"): Promise<EventView> {
  const res = await api.admin<EventView>("POST", "/api/events", { id: uniqueRoundId("ev"), title, rounds });
  expectStatus(res, 201);
  return res.body;
}

const publicView = async (id: string) => {
  const res = await api.get<EventView>(`/api/events/${id}`);
  expectStatus(res, 200);
  return res.body;
};

async function joinEvent(url: string, eventId: string) {
  const socket = await connectSocket(url);
  sockets.push(socket);
  const updates = record(socket, "event:updated");
  const ack: Ack<EventView> = await socket.timeout(5_000).emitWithAck("event:join", { eventId });
  if ("error" in ack) throw new Error(JSON.stringify(ack.error));
  return { socket, view: ack.ok, updates };
}

describe("events over HTTP", () => {
  it("creates an event from existing rounds, in order; organisers see every round, the public no draft", async () => {
    const first = await api.createOpenRound(smallRound(2, undefined, "初赛"));
    const second = await api.createRound(smallRound(2, undefined, "复赛"));
    const event = await createEvent([first.id, second.id]);
    expect(event.rounds.map((round) => round.id)).toEqual([first.id, second.id]);
    expect(event).toMatchObject({ current: null, betweenRounds: true, next: { id: first.id, title: "初赛" } });
    expect(event.roundCount).toBe(2);

    const listed = await api.admin<{ events: EventView[] }>("GET", "/api/events");
    expect(listed.body.events.map((e) => e.id)).toContain(event.id);

    const seen = await publicView(event.id);
    expect(seen.rounds.map((round) => round.id)).toEqual([first.id]);

    // The draft made current: the public is between rounds and does not learn its title.
    await api.admin("POST", `/api/events/${event.id}/current`, { roundId: second.id });
    expect(await publicView(event.id)).toMatchObject({ current: null, betweenRounds: true, next: null, position: 2 });
    const organiser = await api.admin<EventView>("GET", `/api/events/${event.id}`);
    expect(organiser.body).toMatchObject({ current: second.id, betweenRounds: true, next: { title: "复赛" } });

    // Opened: everyone sees it as the current round.
    await api.transition(second.id, "open");
    expect(await publicView(event.id)).toMatchObject({ current: second.id, betweenRounds: false, next: null });
  });

  it("refuses what is not an event: unknown rounds, a round twice, a taken id, unknown events", async () => {
    const round = await api.createRound(smallRound(2));
    expectError(await api.admin("POST", "/api/events", { title: "x", rounds: ["no-such-round"] }), "ROUND_NOT_FOUND");
    expectError(await api.admin("POST", "/api/events", { title: "x", rounds: [round.id, round.id] }), "INVALID_BODY");
    expectError(await api.admin("POST", "/api/events", { title: "x", rounds: [] }), "INVALID_BODY");
    const event = await createEvent([round.id]);
    expectError(
      await api.admin("POST", "/api/events", { id: event.id, title: "x", rounds: [round.id] }),
      "EVENT_EXISTS",
    );
    expectError(await api.get("/api/events/no-such-event"), "EVENT_NOT_FOUND");
    expectError(await api.get("/api/events/NOT%20A%20SLUG"), "EVENT_NOT_FOUND");
    expectError(await api.admin("POST", "/api/events/no-such-event/next"), "EVENT_NOT_FOUND");
    expectError(await api.admin("POST", `/api/events/${event.id}/current`, { roundId: "another" }), "ROUND_NOT_FOUND");
    expectError(await api.request("POST", `/api/events/${event.id}/next`), "UNAUTHORIZED");
  });

  it("reorders, moves on round by round to the last, and deletes the event but not its rounds", async () => {
    const ids = [];
    for (const title of ["A", "B", "C"]) ids.push((await api.createOpenRound(smallRound(2, undefined, title))).id);
    const [a, b, c] = ids as [string, string, string];
    const event = await createEvent([a, b, c]);

    const reordered = await api.admin<EventView>("PATCH", `/api/events/${event.id}`, {
      title: "Renamed",
      rounds: [c, a, b],
    });
    expectStatus(reordered, 200);
    expect(reordered.body.title).toBe("Renamed");
    expect(reordered.body.rounds.map((round) => round.id)).toEqual([c, a, b]);
    expect(reordered.body.version).toBeGreaterThan(event.version);

    const moves: (string | null)[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await api.admin<EventView>("POST", `/api/events/${event.id}/next`);
      expectStatus(res, 200);
      moves.push(res.body.current);
    }
    expect(moves).toEqual([c, a, b]);
    expectError(await api.admin("POST", `/api/events/${event.id}/next`), "INVALID_TRANSITION");
    expect((await publicView(event.id)).position).toBe(3);

    // Taking the current round out of the order leaves the event between rounds.
    const without = await api.admin<EventView>("PATCH", `/api/events/${event.id}`, { rounds: [c, a] });
    expect(without.body).toMatchObject({ current: null, betweenRounds: true });

    expectStatus(await api.admin("DELETE", `/api/events/${event.id}`), 204);
    expectError(await api.get(`/api/events/${event.id}`), "EVENT_NOT_FOUND");
    expect(await redis.exists(`lb:{event:${event.id}}:meta`)).toBe(0);
    expect((await api.round(a)).id).toBe(a);
  });

  it("keeps each event under its own hash tag and in the index", async () => {
    const round = await api.createRound(smallRound(2));
    const event = await createEvent([round.id]);
    expect(await scanKeys(redis, `lb:{event:${event.id}}*`)).toEqual([`lb:{event:${event.id}}:meta`]);
    expect(await redis.zscore("lb:events", event.id)).not.toBeNull();
  });

  it("gives the event's screen the current round's own key, and refuses a wrong event key", async () => {
    const round = await api.createOpenRound(smallRound(2));
    const event = await createEvent([round.id]);
    const { screenKey } = (await api.admin<{ screenKey: string }>("GET", `/api/events/${event.id}/screen-key`)).body;
    expectError(await api.get(`/api/events/${event.id}/screen`, { "x-screen-key": "wrong" }), "INVALID_SCREEN_KEY");
    const before = await api.get<EventScreenView>(`/api/events/${event.id}/screen`, { "x-screen-key": screenKey });
    expect(before.body).toMatchObject({ roundScreenKey: null, event: { betweenRounds: true } });
    await api.admin("POST", `/api/events/${event.id}/next`);
    const after = await api.get<EventScreenView>(`/api/events/${event.id}/screen?key=${encodeURIComponent(screenKey)}`);
    const roundKey = (await api.admin<{ screenKey: string }>("GET", `/api/rounds/${round.id}/screen-key`)).body
      .screenKey;
    expect(after.body.roundScreenKey).toBe(roundKey);
  });
});

describe("importing an event as one file", () => {
  const file = (rounds: EventImportInput["rounds"], id = uniqueRoundId("evi")): EventImportInput => ({
    id,
    title: "颁奖典礼",
    rounds,
  });

  it("creates every round (drafts, in order) and the event", async () => {
    const ids = ["初赛", "复赛", "决赛"].map(() => uniqueRoundId("imp"));
    const rounds = ["初赛", "复赛", "决赛"].map((title, index) => ({
      ...smallRound(3, undefined, title),
      id: ids[index],
    }));
    // One round without an id gets a generated one.
    const res = await api.admin<EventImported>("POST", "/api/events/import", file([...rounds, smallRound(2)]));
    expectStatus(res, 201);
    expect(res.body.rounds.slice(0, 3)).toEqual(ids);
    expect(res.body.rounds).toHaveLength(4);
    expect(res.body.event.rounds.map((round) => [round.title, round.status])).toEqual([
      ["初赛", "draft"],
      ["复赛", "draft"],
      ["决赛", "draft"],
      ["Small round", "draft"],
    ]);
    expect((await api.round(ids[2] as string)).options).toHaveLength(3);
  });

  it("creates nothing when one round of the file is invalid, or an id is taken", async () => {
    const good = { ...smallRound(3), id: uniqueRoundId("imp") };
    const bad = { ...smallRound(3), id: uniqueRoundId("imp"), rules: { minChoices: 3, maxChoices: 1 } };
    const eventId = uniqueRoundId("evi");
    const res = await api.admin("POST", "/api/events/import", file([good, bad], eventId));
    expectError(res, "INVALID_BODY");
    expect((res.body as { error: { message: string } }).error.message).toMatch(/^rounds\.1\.rules/);
    const existing = await api.createRound(smallRound(2));
    expectError(
      await api.admin("POST", "/api/events/import", file([good, { ...smallRound(2), id: existing.id }], eventId)),
      "ROUND_EXISTS",
    );
    expectError(await api.admin("GET", `/api/rounds/${good.id}`), "ROUND_NOT_FOUND");
    expectError(await api.admin("GET", `/api/events/${eventId}`), "EVENT_NOT_FOUND");
    expect(await scanKeys(redis, `lb:{round:${good.id}}*`)).toEqual([]);
  });

  it("is bounded by the organiser body limit", async () => {
    const small = await startBackends(1, { adminBodyLimitBytes: 2_000 });
    try {
      const rounds = [smallRound(30), smallRound(30)];
      expectError(await small.api.admin("POST", "/api/events/import", file(rounds)), "PAYLOAD_TOO_LARGE");
    } finally {
      await small.close();
    }
  });
});

describe("event rooms", () => {
  it("sockets on two backends follow the current round without rejoining", async () => {
    const first = await api.createOpenRound(smallRound(2, undefined, "Round one"));
    const second = await api.createRound(smallRound(2, undefined, "Round two"));
    const event = await createEvent([first.id, second.id]);
    const [urlA, urlB] = backends.urls as [string, string];
    const a = await joinEvent(urlA, event.id);
    const b = await joinEvent(urlB, event.id);
    expect(a.view).toMatchObject({ id: event.id, current: null, betweenRounds: true });

    await api.admin("POST", `/api/events/${event.id}/next`);
    for (const watcher of [a, b]) {
      const seen = await watcher.updates.waitFor((view) => view.current === first.id);
      expect(seen).toMatchObject({ betweenRounds: false, position: 1 });
    }

    // On to a draft: between rounds, no title for the public.
    await api.admin("POST", `/api/events/${event.id}/next`);
    for (const watcher of [a, b]) {
      await watcher.updates.waitFor((view) => view.position === 2 && view.betweenRounds && view.next === null);
    }
    // The draft opens: no new event version, yet every socket hears of its round at once.
    await api.transition(second.id, "open");
    for (const watcher of [a, b]) {
      await watcher.updates.waitFor((view) => view.current === second.id && !view.betweenRounds);
    }
    expect(
      a.updates.events.every((view) =>
        view.rounds.every((round) => round.id !== second.id || round.status !== "draft"),
      ),
    ).toBe(true);
  });

  it("acks EVENT_NOT_FOUND and INVALID_BODY to bad joins", async () => {
    const socket = await connectSocket(backends.urls[0] as string);
    sockets.push(socket);
    const unknown: Ack<EventView> = await socket.timeout(5_000).emitWithAck("event:join", { eventId: "no-such-event" });
    expect(unknown).toMatchObject({ error: { code: "EVENT_NOT_FOUND" } });
    const junk = await socket
      .timeout(5_000)
      .emitWithAck("event:join", { eventId: 42 } as unknown as { eventId: string });
    expect(junk).toMatchObject({ error: { code: "INVALID_BODY" } });
  });
});
