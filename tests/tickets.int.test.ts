import { randomBytes } from "node:crypto";
import { packBallot, type RedisClient, roundKeys, scanKeys, scripts } from "@lb/backend";
import type { BallotReceipt, IssuedTicket, RoundView, TicketBatchCreated, TicketBatchList } from "@lb/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Backends, startBackends, testRedisClient } from "./support/backend.js";
import { type Api, type BallotResponse, expectError, expectStatus } from "./support/http.js";
import { smallRound } from "./support/rounds.js";
import { connectSocket, joinBoard } from "./support/wait.js";

/**
 * The tickets electorate and daily ballots against real Redis and two backends: batches, redemption in the
 * ballot script, races, replays, reset, what Redis keeps, and a day boundary crossed by a test-only clock offset.
 */

let backends: Backends;
let api: Api;
let other: Api;
let redis: RedisClient;

beforeAll(async () => {
  backends = await startBackends(2);
  [api, other] = backends.backends.map((backend) => backend.api) as [Api, Api];
  redis = testRedisClient();
});

afterAll(async () => {
  await redis?.quit();
  await backends?.close();
});

const CODE = /^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$/;

function castTicket(
  client: Api,
  roundId: string,
  ticket: string | undefined,
  choices: string[],
  idempotencyKey?: string,
  headers: Record<string, string> = {},
): Promise<BallotResponse> {
  const json = { choices, ...(ticket === undefined ? {} : { ticket }), ...(idempotencyKey ? { idempotencyKey } : {}) };
  return client.request("POST", `/api/rounds/${roundId}/ballots`, { json, headers });
}

async function createTickets(client: Api, roundId: string, batch: string, count: number) {
  const res = await client.admin<TicketBatchCreated>("POST", `/api/rounds/${roundId}/tickets`, { batch, count });
  expectStatus(res, 201);
  return res.body;
}

async function listTickets(client: Api, roundId: string): Promise<TicketBatchList> {
  const res = await client.admin<TicketBatchList>("GET", `/api/rounds/${roundId}/tickets`);
  expectStatus(res, 200);
  return res.body;
}

function ticketsRound(rules: Partial<RoundView["rules"]> = {}) {
  const round = smallRound(4, { minChoices: 1, maxChoices: 2 });
  return { ...round, rules: { ...round.rules, electorate: "tickets" as const, ...rules } };
}

describe("ticket batches", () => {
  it("POST makes codes and URLs once; GET lists batches with issued and used counts", async () => {
    const round = await api.createRound(ticketsRound());
    const res = await api.admin<TicketBatchCreated>("POST", `/api/rounds/${round.id}/tickets`, {
      batch: "Table 10",
      count: 5,
    });
    expectStatus(res, 201);
    expect(res.headers["cache-control"]).toBe("no-store");
    expect(res.body.batch).toBe("Table 10");
    expect(res.body.tickets).toHaveLength(5);
    for (const ticket of res.body.tickets) {
      expect(ticket.code).toMatch(CODE);
      expect(ticket.url).toBe(`${api.baseUrl}/r/${round.id}?ticket=${ticket.code}`);
    }
    expect(new Set(res.body.tickets.map((ticket) => ticket.code)).size).toBe(5);

    await createTickets(api, round.id, "Table 2", 3);
    await createTickets(other, round.id, "Table 10", 2); // adds to the batch
    const list = await listTickets(other, round.id);
    expect(list).toEqual({
      roundId: round.id,
      epoch: 1,
      issued: 10,
      used: 0,
      batches: [
        { batch: "Table 2", issued: 3, used: 0 },
        { batch: "Table 10", issued: 7, used: 0 },
      ],
    });
  });

  it("refuses bad requests: admin only, bounded count, batch names, unknown rounds", async () => {
    const round = await api.createRound(ticketsRound());
    const path = `/api/rounds/${round.id}/tickets`;
    expectError(await api.request("POST", path, { json: { batch: "A", count: 1 } }), "UNAUTHORIZED");
    expectError(await api.get(path), "UNAUTHORIZED");
    for (const body of [
      { batch: "A", count: 0 },
      { batch: "A", count: 10_001 },
      { batch: "A", count: 1.5 },
      { batch: "", count: 1 },
      { batch: "x".repeat(41), count: 1 },
      { batch: "a|b", count: 1 },
      { batch: "A", count: 1, extra: true },
    ]) {
      expectError(await api.admin("POST", path, body), "INVALID_BODY");
    }
    expectError(
      await api.admin("POST", "/api/rounds/no-such-round/tickets", { batch: "A", count: 1 }),
      "ROUND_NOT_FOUND",
    );
    expectError(await api.admin("GET", "/api/rounds/no-such-round/tickets"), "ROUND_NOT_FOUND");
    expect((await listTickets(api, round.id)).issued).toBe(0);
  });

  it("10,000 tickets in one call", async () => {
    const round = await api.createRound(ticketsRound());
    const created = await createTickets(api, round.id, "Hall", 10_000);
    expect(new Set(created.tickets.map((ticket) => ticket.code)).size).toBe(10_000);
    expect(await redis.hlen(roundKeys(round.id).tickets)).toBe(10_000);
  });
});

describe("voting with a ticket", () => {
  it("counts a ballot with a ticket (no voter token), in any case and without dashes, on either backend", async () => {
    const round = await api.createOpenRound(ticketsRound());
    const { tickets } = await createTickets(api, round.id, "Front row", 3);
    const [first, second] = tickets as [IssuedTicket, IssuedTicket, ...IssuedTicket[]];
    const typed = first.code.toLowerCase().replaceAll("-", "");
    const res = await castTicket(other, round.id, typed, ["1", "2"]);
    expectStatus(res, 201);
    expect(res.body.choices).toEqual(["1", "2"]);

    // my-ballot with the ticket in X-Ticket: the receipt; an unused ticket 200 with null; a code that is no ticket 403.
    const mine = await api.get<BallotReceipt>(`/api/rounds/${round.id}/my-ballot`, { "x-ticket": first.code });
    expectStatus(mine, 200);
    expect(mine.body.ballotId).toBe(res.body.ballotId);
    const unused = await api.get(`/api/rounds/${round.id}/my-ballot`, { "x-ticket": second.code });
    expectStatus(unused, 200);
    expect(unused.body).toBeNull();
    expectError(await api.get(`/api/rounds/${round.id}/my-ballot`, { "x-ticket": "2222-2222-2222" }), "TICKET_INVALID");
    expectError(await api.get(`/api/rounds/${round.id}/my-ballot`, { "x-ticket": "not a code" }), "TICKET_INVALID");

    // The audit names the batch, and nothing of the code.
    const { entries, text } = await api.audit(round.id);
    expect(entries).toHaveLength(1);
    expect(entries[0]?.cred).toBe("ticket:Front row");
    expect(entries[0]?.voter).toMatch(/^t:[A-Za-z0-9_-]{22}$/);
    expect(text).not.toContain(first.code.replaceAll("-", ""));
    expect(text).not.toContain(first.code);

    const list = await listTickets(api, round.id);
    expect(list.batches).toEqual([{ batch: "Front row", issued: 3, used: 1 }]);
    expect((await api.recount(round.id)).matches).toBe(true);
  });

  it("refuses: no ticket 401, unknown 403, used 409, malformed 400; each counted for the organiser", async () => {
    const round = await api.createOpenRound(ticketsRound());
    const { tickets } = await createTickets(api, round.id, "B", 1);
    const code = tickets[0]?.code as string;
    const voter = await api.newVoter();
    // A voter token is no credential in a tickets round.
    expectError(
      await castTicket(api, round.id, undefined, ["1"], undefined, { "x-voter-token": voter }),
      "TICKET_REQUIRED",
    );
    expectError(await castTicket(api, round.id, undefined, ["1"]), "TICKET_REQUIRED");
    expectError(await castTicket(api, round.id, "2222-3333-4444", ["1"]), "TICKET_INVALID");
    expectError(await castTicket(api, round.id, "0000-1111-OOOO", ["1"]), "INVALID_BODY");
    expectError(await castTicket(api, round.id, "x".repeat(33), ["1"]), "INVALID_BODY");
    expectStatus(await castTicket(api, round.id, code, ["1"]), 201);
    expectError(await castTicket(other, round.id, code, ["2"]), "TICKET_USED");
    expect((await api.leaderboard(round.id)).totalBallots).toBe(1);
    const stats = await api.admin<{ rejected: Record<string, number> }>("GET", `/api/rounds/${round.id}/stats`);
    expect(stats.body.rejected).toMatchObject({ TICKET_REQUIRED: 2, TICKET_INVALID: 1, TICKET_USED: 1 });
  });

  it("an open round ignores a ticket: the voter token is what counts", async () => {
    const round = await api.createOpenRound(smallRound(3));
    expectError(await castTicket(api, round.id, "2222-3333-4444", ["1"]), "INVALID_VOTER_TOKEN");
    const voter = await api.newVoter();
    expectStatus(await castTicket(api, round.id, "2222-3333-4444", ["1"], undefined, { "x-voter-token": voter }), 201);
  });

  it("the same ticket from 50 phones at once on two backends counts once; the others get TICKET_USED", async () => {
    const round = await api.createOpenRound(ticketsRound());
    const { tickets } = await createTickets(api, round.id, "Race", 1);
    const code = tickets[0]?.code as string;
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        castTicket(i % 2 ? api : other, round.id, code, [String((i % 4) + 1)], `phone-${i}`),
      ),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    for (const answer of answers.filter((res) => res.status !== 201)) expectError(answer, "TICKET_USED");
    const board = await api.leaderboard(round.id);
    expect(board.totalBallots).toBe(1);
    expect(board.entries.reduce((sum, entry) => sum + entry.votes, 0)).toBe(1);
    expect((await listTickets(api, round.id)).used).toBe(1);
    expect((await api.audit(round.id)).entries).toHaveLength(1);
  });

  it("the same ticket and idempotency key replays the receipt; other choices under that key are a mismatch", async () => {
    const round = await api.createOpenRound(ticketsRound());
    const { tickets } = await createTickets(api, round.id, "Replay", 1);
    const code = tickets[0]?.code as string;
    const first = await castTicket(api, round.id, code, ["1", "3"], "outbox-key-1");
    expectStatus(first, 201);
    const again = await Promise.all([
      castTicket(other, round.id, code, ["3", "1"], "outbox-key-1"),
      castTicket(api, round.id, code.toLowerCase(), ["1", "3"], "outbox-key-1"),
    ]);
    for (const res of again) {
      expectStatus(res, 201);
      expect(res.body).toEqual(first.body);
    }
    expectError(await castTicket(api, round.id, code, ["2"], "outbox-key-1"), "IDEMPOTENCY_MISMATCH");
    expectError(await castTicket(api, round.id, code, ["1", "3"], "outbox-key-2"), "TICKET_USED");
    // A replay still answers after the round closed.
    await api.transition(round.id, "close");
    expectStatus(await castTicket(api, round.id, code, ["1", "3"], "outbox-key-1"), 201);
    expect((await api.leaderboard(round.id)).totalBallots).toBe(1);
  });

  it("reset makes every ticket usable again in the new epoch; the old epoch keeps its ballots", async () => {
    const round = await api.createOpenRound(ticketsRound());
    const { tickets } = await createTickets(api, round.id, "Reset", 2);
    const codes = tickets.map((ticket) => ticket.code);
    for (const code of codes) expectStatus(await castTicket(api, round.id, code, ["1"]), 201);
    expect((await listTickets(api, round.id)).used).toBe(2);
    await api.reset(round.id);
    await api.transition(round.id, "open");
    expect(await listTickets(api, round.id)).toMatchObject({ epoch: 2, issued: 2, used: 0 });
    const afterReset = await api.get(`/api/rounds/${round.id}/my-ballot`, { "x-ticket": codes[0] as string });
    expectStatus(afterReset, 200);
    expect(afterReset.body).toBeNull();
    for (const code of codes) expectStatus(await castTicket(other, round.id, code, ["2"]), 201);
    expectError(await castTicket(api, round.id, codes[0], ["2"]), "TICKET_USED");
    expect((await api.leaderboard(round.id)).totalBallots).toBe(2);
    expect((await api.leaderboard(round.id, 1)).totalBallots).toBe(2);
  });

  it("electorate and ballots per voter lock once the epoch has a ballot; an invalid time zone is refused", async () => {
    const round = await api.createOpenRound(ticketsRound());
    expectError(await api.patchRound(round.id, { rules: { timeZone: "Mars/Olympus" } }), "INVALID_BODY");
    const patched = await api.patchRound(round.id, { rules: { ballotsPerVoter: "daily", timeZone: "Europe/Paris" } });
    expectStatus(patched, 200);
    expect(patched.body.rules).toMatchObject({
      electorate: "tickets",
      ballotsPerVoter: "daily",
      timeZone: "Europe/Paris",
    });
    const { tickets } = await createTickets(api, round.id, "Lock", 1);
    expectStatus(await castTicket(api, round.id, tickets[0]?.code, ["1"]), 201);
    expectError(await api.patchRound(round.id, { rules: { electorate: "open" } }), "ROUND_LOCKED");
    expectError(await api.patchRound(round.id, { rules: { ballotsPerVoter: "once" } }), "ROUND_LOCKED");
    expectError(await api.patchRound(round.id, { rules: { timeZone: "UTC" } }), "ROUND_LOCKED");
    expectStatus(await api.patchRound(round.id, { rules: { resultsVisibility: "afterClose" } }), 200);
  });
});

describe("what Redis keeps of tickets", () => {
  it("no code, in any form, in any key of the round", async () => {
    const round = await api.createOpenRound(ticketsRound());
    const { tickets } = await createTickets(api, round.id, "Secret", 20);
    for (const ticket of tickets.slice(0, 5))
      expectStatus(await castTicket(api, round.id, ticket.code, ["1"], "k"), 201);
    const keys = await scanKeys(redis, `lb:{round:${round.id}}:*`);
    expect(keys).toContain(roundKeys(round.id).tickets);
    let everything = keys.join("\n");
    for (const key of keys) {
      const type = await redis.type(key);
      if (type === "hash") everything += JSON.stringify(await redis.hgetall(key));
      else if (type === "string") everything += (await redis.get(key)) ?? "";
      else if (type === "zset") everything += JSON.stringify(await redis.zrange(key, 0, -1));
      else if (type === "stream") everything += JSON.stringify(await redis.xrange(key, "-", "+"));
    }
    expect(everything).toContain("Secret");
    for (const { code } of tickets) {
      const plain = code.replaceAll("-", "");
      expect(everything).not.toContain(plain);
      expect(everything).not.toContain(code);
      // Nor any group of it long enough to matter (two groups: 40 bits).
      expect(everything).not.toContain(plain.slice(0, 8));
    }
  });
});

describe("daily ballots", () => {
  /**
   * Two backends on the run's Redis whose test-only clock offsets put them an hour before and an hour after the
   * next UTC midnight: one ballot "late on day D" and one "early on day D+1" without sleeping. The round is in
   * UTC, not the default zone, so the ballot script's ZONE answer is exercised as well.
   */
  let before: Backends;
  let after: Backends;
  beforeAll(async () => {
    const now = Date.now();
    const midnight = Math.ceil(now / 86_400_000) * 86_400_000;
    const shared = {
      adminToken: `admin-${randomBytes(16).toString("hex")}`,
      voterTokenSecret: randomBytes(32).toString("hex"),
    };
    before = await startBackends(1, { ...shared, testClockOffsetMs: midnight - 3_600_000 - now });
    after = await startBackends(1, { ...shared, testClockOffsetMs: midnight + 3_600_000 - now });
  });
  afterAll(async () => {
    await Promise.all([before?.close(), after?.close()]);
  });

  it("a voter votes once a day: again the same day is ALREADY_VOTED, after midnight in the round's zone it counts", async () => {
    const round = await before.api.createOpenRound({
      ...smallRound(3),
      rules: { minChoices: 1, maxChoices: 1, ballotsPerVoter: "daily", timeZone: "UTC" },
    });
    const voter = await before.api.newVoter();
    const late = await before.api.vote(round.id, voter, ["1"], "day-1");
    expectError(await before.api.castBallot(round.id, voter, ["2"], "day-1-again"), "ALREADY_VOTED");
    // The same key replays the first ballot on either side of midnight.
    expect((await after.api.castBallot(round.id, voter, ["1"], "day-1")).body).toEqual(late);

    const early = await after.api.vote(round.id, voter, ["2"], "day-2");
    expect(Date.parse(early.receivedAt) - Date.parse(late.receivedAt)).toBeGreaterThanOrEqual(7_000_000);
    expectError(await after.api.castBallot(round.id, voter, ["3"], "day-2-again"), "ALREADY_VOTED");
    // my-ballot shows today's ballot: day D+1's after midnight.
    const mine = await after.api.get<BallotReceipt>(`/api/rounds/${round.id}/my-ballot`, { "x-voter-token": voter });
    expect(mine.body.ballotId).toBe(early.ballotId);
    expect((await after.api.leaderboard(round.id)).totalBallots).toBe(2);
    expect((await after.api.recount(round.id)).matches).toBe(true);
  });

  it("the ballot script picks the day by Redis's clock when Node's figures are from the day before", async () => {
    const round = await before.api.createOpenRound({
      ...smallRound(3),
      rules: { minChoices: 1, maxChoices: 1, ballotsPerVoter: "daily", timeZone: "UTC" },
    });
    const keys = roundKeys(round.id);
    const e = keys.epoch(1);
    const scriptKeys = [keys.meta, e.state, e.tally, e.voters, e.audit, e.minutes, keys.tickets, e.ticketsUsed];
    const today = Math.floor(Date.now() / 86_400_000) * 86_400_000;
    // Figures for yesterday (as a Node whose day cache has not yet rolled over would send), no clock offset.
    const yesterday = ["UTC", today - 86_400_000, today, "yesterday", "day-before", "today"];
    // One ballot per batch: voter hash, ballot id, idempotency key, choices, ticket hash, audit extras.
    const ballot = (voter: string, ballotId: string, choices: string) => [
      packBallot([voter, ballotId, "", choices, "", "", "", ""]),
    ];
    type Reply = string[][];
    const [first] = await scripts.castBallot.run<Reply>(redis, scriptKeys, [
      "1",
      ...yesterday,
      0,
      "", // no step digest: the script takes it itself
      ...ballot("v-hash", "b-1", "1"),
    ]);
    expect(first?.[0]).toBe("OK");
    expect(await redis.hget(e.voters, "v-hash")).toMatch(/\|today\|\|[0-9a-f]{64}$/);
    const second = await scripts.castBallot.run<Reply>(redis, scriptKeys, [
      "1",
      ...yesterday,
      0,
      "",
      ...ballot("v-hash", "b-2", "2"),
    ]);
    expect(second).toEqual([["ERR", "ALREADY_VOTED", "today"]]);
    // Figures for another zone than the round's: the script names the round's zone (for the whole batch)
    // instead of guessing.
    const zone = await scripts.castBallot.run(redis, scriptKeys, [
      "1",
      "Asia/Shanghai",
      0,
      0,
      "",
      "",
      "",
      0,
      "",
      ...ballot("v-2", "b-3", "2"),
    ]);
    expect(zone).toEqual(["ZONE", "UTC"]);
  });

  it("a ticket votes once a day, and its batch counts it once", async () => {
    const round = await before.api.createOpenRound(ticketsRound({ ballotsPerVoter: "daily", timeZone: "UTC" }));
    const { tickets } = await createTickets(before.api, round.id, "Daily", 1);
    const code = tickets[0]?.code as string;
    expectStatus(await castTicket(before.api, round.id, code, ["1"], "d1"), 201);
    expectError(await castTicket(before.api, round.id, code, ["1"], "d1-again"), "TICKET_USED");
    expectStatus(await castTicket(after.api, round.id, code, ["2"], "d2"), 201);
    expectError(await castTicket(after.api, round.id, code, ["2"], "d2-again"), "TICKET_USED");
    expect((await listTickets(after.api, round.id)).batches).toEqual([{ batch: "Daily", issued: 1, used: 1 }]);
    expect((await after.api.leaderboard(round.id)).totalBallots).toBe(2);
  });
});

describe("results for ticket holders", () => {
  it("an afterVote round shows results to a ticket once it has voted, over HTTP (X-Ticket) and sockets", async () => {
    const round = await api.createOpenRound(ticketsRound({ resultsVisibility: "afterVote" }));
    const [voted, idle] = (await createTickets(api, round.id, "Hall", 2)).tickets as [IssuedTicket, IssuedTicket];
    expectStatus(await castTicket(api, round.id, voted.code, ["1"]), 201);

    const board = (code: string) =>
      api.get<{ resultsHidden: boolean; entries: unknown[] }>(`/api/rounds/${round.id}/leaderboard`, {
        "x-ticket": code,
      });
    expect((await board(voted.code)).body).toMatchObject({ resultsHidden: false });
    expect((await board(idle.code)).body).toMatchObject({ resultsHidden: true, entries: [] });

    // Sockets name the ticket in the handshake; it counts on the other backend too.
    const asVoted = await connectSocket(backends.urls[1] as string, { ticket: voted.code });
    const asIdle = await connectSocket(backends.urls[1] as string, { ticket: idle.code });
    try {
      expect((await joinBoard(asVoted, round.id)).resultsHidden).toBe(false);
      expect((await joinBoard(asIdle, round.id)).resultsHidden).toBe(true);
    } finally {
      asVoted.disconnect();
      asIdle.disconnect();
    }
  });
});
