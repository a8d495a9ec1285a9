import type { Leaderboard, RoundSummary, RoundView } from "@lb/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Backends, startBackends } from "./support/backend.js";
import { type Api, expectError, expectStatus } from "./support/http.js";
import { demoRound, smallRound, uniqueRoundId } from "./support/rounds.js";

/** What a round's rules hold when only the pick counts were given. */
const DEFAULT_RULES = {
  resultsVisibility: "always",
  screenVisibility: "always",
  opensAt: null,
  closesAt: null,
  electorate: "open",
  ballotsPerVoter: "once",
  timeZone: "Asia/Shanghai",
  allowedNetworks: [],
} as const;

let backends: Backends;
let api: Api;

beforeAll(async () => {
  backends = await startBackends(1);
  api = backends.api;
});

afterAll(async () => {
  await backends?.close();
});

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

describe("health", () => {
  it("compresses answers for clients that accept gzip (phones on event Wi-Fi)", async () => {
    const round = await api.createOpenRound(demoRound());
    const plain = await api.get(`/api/rounds/${round.id}`);
    const gzipped = await api.get(`/api/rounds/${round.id}`, { "accept-encoding": "gzip" });
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(gzipped.headers["content-encoding"]).toBe("gzip");
  });

  it("GET /healthz and /readyz answer 200 { ok: true }", async () => {
    const health = await api.get("/healthz");
    expectStatus(health, 200);
    expect(health.body).toEqual({ ok: true });
    const ready = await api.get("/readyz");
    expectStatus(ready, 200);
    expect(ready.body).toEqual({ ok: true });
  });

  it("GET /readyz answers 503 UNAVAILABLE when the backend's Redis is gone, /healthz still 200", async () => {
    const lonely = await startBackends(1);
    try {
      const [backend] = lonely.backends;
      expectStatus(await lonely.api.get("/readyz"), 200);
      // No reconnection: every command now fails at once with "Connection is closed".
      backend?.redis.disconnect(false);
      expectError(await lonely.api.get("/readyz"), "UNAVAILABLE");
      const health = await lonely.api.get("/healthz");
      expectStatus(health, 200);
      expect(health.body).toEqual({ ok: true });
    } finally {
      await lonely.close();
    }
  });
});

describe("unknown routes", () => {
  it.each([
    ["GET", "/api/nope"],
    ["GET", "/api"],
    ["POST", "/api/rounds/some-round/explode"],
    ["DELETE", "/api/rounds"],
  ] as const)("%s %s → 404 NOT_FOUND", async (method, path) => {
    expectError(await api.request(method, path), "NOT_FOUND");
  });
});

describe("admin authentication", () => {
  it("refuses organiser calls without the right bearer token (401 UNAUTHORIZED)", async () => {
    const round = await api.createRound(smallRound());
    const tries: [string, Record<string, string>][] = [
      ["no header", {}],
      ["wrong token", { authorization: "Bearer not-the-admin-token-at-all" }],
      ["wrong scheme", { authorization: `Basic ${backends.adminToken}` }],
      ["token without scheme", { authorization: backends.adminToken }],
    ];
    for (const [, headers] of tries) {
      expectError(await api.request("POST", "/api/rounds", { json: smallRound(), headers }), "UNAUTHORIZED");
      expectError(
        await api.request("PATCH", `/api/rounds/${round.id}`, { json: { title: "x" }, headers }),
        "UNAUTHORIZED",
      );
      for (const action of ["open", "pause", "close"]) {
        expectError(await api.request("POST", `/api/rounds/${round.id}/${action}`, { headers }), "UNAUTHORIZED");
      }
      expectError(
        await api.request("POST", `/api/rounds/${round.id}/reset`, { json: { confirm: round.id }, headers }),
        "UNAUTHORIZED",
      );
      expectError(await api.request("GET", `/api/rounds/${round.id}/audit`, { headers }), "UNAUTHORIZED");
      expectError(await api.request("GET", `/api/rounds/${round.id}/recount`, { headers }), "UNAUTHORIZED");
      expectError(await api.request("GET", "/api/admin/session", { headers }), "UNAUTHORIZED");
    }
    expectStatus(await api.admin("GET", "/api/admin/session"), 200);
    // Nothing changed.
    const after = await api.round(round.id);
    expect(after.status).toBe("draft");
    expect(after.title).toBe(round.title);
  });
});

describe("round create / list / get", () => {
  it("creates a round from the demo data file: 201 RoundView, draft, epoch 1, option ids default to numbers", async () => {
    const input = demoRound();
    const id = uniqueRoundId("demo");
    const res = await api.admin<RoundView>("POST", "/api/rounds", { ...input, id });
    expectStatus(res, 201);
    const view = res.body;
    expect(view.id).toBe(id);
    expect(view.status).toBe("draft");
    expect(view.epoch).toBe(1);
    expect(view.totalBallots).toBe(0);
    expect(typeof view.revision).toBe("number");
    expect(view.title).toBe(input.title);
    expect(view.description).toBe(input.description);
    // The data file's rules, with the defaults for what it does not say.
    expect(view.rules).toEqual({ ...DEFAULT_RULES, minChoices: 1, maxChoices: 15 });
    expect(view.options).toHaveLength(64);
    expect(view.options).toEqual(
      input.options.map((option) => ({
        id: String(option.number),
        number: option.number,
        title: option.title,
        description: option.description,
      })),
    );
    expect(view.createdAt).toMatch(ISO);
    expect(view.updatedAt).toMatch(ISO);

    // GET returns the same view, descriptions included.
    const got = await api.round(id);
    expect(got).toEqual({ ...view, serverTime: got.serverTime });
  });

  it("keeps explicit option ids and fills in the missing ones", async () => {
    const round = await api.createRound({
      title: "  Mixed ids  ",
      rules: { minChoices: 1, maxChoices: 2 },
      options: [
        { id: "alpha", number: 1, title: "Alpha" },
        { number: 2, title: "Two", description: "second" },
        { id: "Gamma_3", number: 3, title: "Gamma" },
      ],
    });
    expect(round.title).toBe("Mixed ids");
    expect(round.description).toBe("");
    expect(round.options).toEqual([
      { id: "alpha", number: 1, title: "Alpha", description: "" },
      { id: "2", number: 2, title: "Two", description: "second" },
      { id: "Gamma_3", number: 3, title: "Gamma", description: "" },
    ]);
  });

  it("generates a slug id when none is given", async () => {
    const res = await api.admin<RoundView>("POST", "/api/rounds", smallRound(3, undefined, "No id given"));
    expectStatus(res, 201);
    expect(res.body.id).toMatch(/^[a-z0-9][a-z0-9-]*$/);
    expect(res.body.id.length).toBeLessThanOrEqual(64);
    expect((await api.round(res.body.id)).title).toBe("No id given");
  });

  it("409 ROUND_EXISTS when the id is taken (and the first round is untouched)", async () => {
    const round = await api.createRound(smallRound(3, undefined, "First"));
    const again = await api.admin("POST", "/api/rounds", { ...smallRound(4, undefined, "Second"), id: round.id });
    expectError(again, "ROUND_EXISTS");
    const got = await api.round(round.id);
    expect(got.title).toBe("First");
    expect(got.options).toHaveLength(3);
  });

  it.each([
    ["an empty object", {}],
    ["no options", { ...smallRound(), options: [] }],
    ["minChoices > maxChoices", { ...smallRound(), rules: { minChoices: 3, maxChoices: 2 } }],
    ["minChoices > number of options", { ...smallRound(2), rules: { minChoices: 3, maxChoices: 3 } }],
    ["an unknown field", { ...smallRound(), colour: "red" }],
    ["a non-slug id", { ...smallRound(), id: "Not A Slug" }],
    [
      "duplicate option numbers",
      {
        ...smallRound(),
        options: [
          { number: 1, title: "a" },
          { number: 1, title: "b" },
        ],
      },
    ],
    [
      "duplicate option ids",
      {
        ...smallRound(),
        options: [
          { id: "x", number: 1, title: "a" },
          { id: "x", number: 2, title: "b" },
        ],
      },
    ],
    ["an empty title", { ...smallRound(), title: "   " }],
  ])("400 INVALID_BODY for %s", async (_name, body) => {
    const id = uniqueRoundId("bad");
    const res = await api.admin("POST", "/api/rounds", { id, ...body });
    expectError(res, "INVALID_BODY");
    // Nothing was created (unless the body itself carried a bad id).
    if (!("id" in body)) expectError(await api.get(`/api/rounds/${id}`), "ROUND_NOT_FOUND");
  });

  it("400 INVALID_BODY for a body that is not JSON", async () => {
    const res = await api.request("POST", "/api/rounds", {
      raw: '{"title": "broken",',
      headers: { authorization: `Bearer ${backends.adminToken}`, "content-type": "application/json" },
    });
    expectError(res, "INVALID_BODY");
  });

  it("413 PAYLOAD_TOO_LARGE for an organiser body over the admin limit", async () => {
    const limit = backends.config.adminBodyLimitBytes;
    const big = { ...smallRound(), description: "x".repeat(limit + 1024) };
    expectError(await api.admin("POST", "/api/rounds", big), "PAYLOAD_TOO_LARGE");
  });

  it("lists rounds as summaries (no options, with optionCount)", async () => {
    const a = await api.createRound(smallRound(3, undefined, "List A"));
    const b = await api.createRound(smallRound(7, { minChoices: 2, maxChoices: 4 }, "List B"));
    await api.transition(b.id, "open");
    const rounds = await api.rounds();
    const byId = new Map(rounds.map((round) => [round.id, round]));
    const summaryA = byId.get(a.id);
    const summaryB = byId.get(b.id);
    expect(summaryA).toBeDefined();
    expect(summaryB).toBeDefined();
    const { options: _a, ...restA } = a;
    // serverTime is the time of each answer; everything else is the same round.
    expect(summaryA).toEqual({
      ...restA,
      serverTime: summaryA?.serverTime as string,
      optionCount: 3,
    } satisfies RoundSummary);
    expect(summaryA).not.toHaveProperty("options");
    expect(summaryB?.status).toBe("open");
    expect(summaryB?.optionCount).toBe(7);
    expect(summaryB?.rules).toEqual({ ...DEFAULT_RULES, minChoices: 2, maxChoices: 4 });
  });

  it("404 ROUND_NOT_FOUND for an unknown round on every round route", async () => {
    const id = uniqueRoundId("missing");
    expectError(await api.get(`/api/rounds/${id}`), "ROUND_NOT_FOUND");
    expectError(await api.get(`/api/rounds/${id}/leaderboard`), "ROUND_NOT_FOUND");
    expectError(await api.patchRound(id, { title: "x" }), "ROUND_NOT_FOUND");
    for (const action of ["open", "pause", "close"]) {
      expectError(await api.admin("POST", `/api/rounds/${id}/${action}`), "ROUND_NOT_FOUND");
    }
    expectError(await api.admin("POST", `/api/rounds/${id}/reset`, { confirm: id }), "ROUND_NOT_FOUND");
    expectError(await api.admin("GET", `/api/rounds/${id}/audit`), "ROUND_NOT_FOUND");
    expectError(await api.admin("GET", `/api/rounds/${id}/recount`), "ROUND_NOT_FOUND");
    const voter = await api.newVoter();
    expectError(await api.castBallot(id, voter, ["1"]), "ROUND_NOT_FOUND");
  });
});

describe("round patch", () => {
  it("edits title and description at any time; rules and options until the first ballot (409 ROUND_LOCKED)", async () => {
    const round = await api.createRound(smallRound(4, { minChoices: 1, maxChoices: 2 }));

    // Draft: everything is editable; the revision grows.
    const retitled = await api.patchRound(round.id, { title: "Renamed", description: "new words" });
    expectStatus(retitled, 200);
    expect(retitled.body.title).toBe("Renamed");
    expect(retitled.body.description).toBe("new words");
    expect(retitled.body.revision).toBeGreaterThan(round.revision);
    const rules = await api.patchRound(round.id, { rules: { minChoices: 1, maxChoices: 3 } });
    expectStatus(rules, 200);
    expect(rules.body.rules).toEqual({ ...DEFAULT_RULES, minChoices: 1, maxChoices: 3 });

    // Open without a ballot: still editable.
    await api.transition(round.id, "open");
    const options = await api.patchRound(round.id, {
      options: [
        { number: 1, title: "One" },
        { number: 2, title: "Two" },
        { number: 3, title: "Three" },
        { id: "four", number: 4, title: "Four" },
      ],
    });
    expectStatus(options, 200);
    expect(options.body.options.map((option) => option.id)).toEqual(["1", "2", "3", "four"]);
    expect((await api.leaderboard(round.id)).entries.map((entry) => entry.optionId)).toEqual(["1", "2", "3", "four"]);

    // One ballot locks rules and options of this epoch.
    const voter = await api.newVoter();
    await api.vote(round.id, voter, ["four"]);
    const before = await api.round(round.id);
    expectError(await api.patchRound(round.id, { rules: { minChoices: 1, maxChoices: 1 } }), "ROUND_LOCKED");
    expectError(await api.patchRound(round.id, { options: [{ number: 1, title: "Only" }] }), "ROUND_LOCKED");
    expectError(
      await api.patchRound(round.id, { title: "Sneaky", rules: { minChoices: 1, maxChoices: 1 } }),
      "ROUND_LOCKED",
    );
    const unchanged = await api.round(round.id);
    expect(unchanged.rules).toEqual(before.rules);
    expect(unchanged.options).toEqual(before.options);
    expect(unchanged.title).toBe(before.title);

    // Title and description stay editable.
    const late = await api.patchRound(round.id, { title: "Late title", description: "late" });
    expectStatus(late, 200);
    expect(late.body.title).toBe("Late title");
    expect(late.body.rules).toEqual(before.rules);

    // After a reset the new epoch has no ballot: rules are editable again.
    await api.transition(round.id, "close");
    const reset = await api.reset(round.id);
    expect(reset.epoch).toBe(2);
    const relaxed = await api.patchRound(round.id, { rules: { minChoices: 2, maxChoices: 2 } });
    expectStatus(relaxed, 200);
    expect(relaxed.body.rules).toEqual({ ...DEFAULT_RULES, minChoices: 2, maxChoices: 2 });
    expect(relaxed.body.epoch).toBe(2);
    // The earlier epoch's definition is untouched: its leaderboard still has the ballot for "four".
    const old = await api.leaderboard(round.id, 1);
    expect(old.entries.find((entry) => entry.optionId === "four")?.votes).toBe(1);
  });

  it("400 INVALID_BODY for an empty or invalid patch", async () => {
    const round = await api.createRound(smallRound(3));
    expectError(await api.patchRound(round.id, {}), "INVALID_BODY");
    expectError(await api.admin("PATCH", `/api/rounds/${round.id}`, { status: "open" }), "INVALID_BODY");
    expectError(await api.patchRound(round.id, { rules: { minChoices: 4, maxChoices: 4 } }), "INVALID_BODY");
    expectError(await api.patchRound(round.id, { rules: { minChoices: 2, maxChoices: 1 } }), "INVALID_BODY");
    expect((await api.round(round.id)).rules).toEqual(round.rules);
  });
});

describe("lifecycle", () => {
  async function expectTransition(id: string, action: "open" | "pause" | "close", status: RoundView["status"]) {
    const view = await api.transition(id, action);
    expect(view.status).toBe(status);
    expect((await api.round(id)).status).toBe(status);
  }

  async function expectRefused(id: string, action: "open" | "pause" | "close") {
    const before = (await api.round(id)).status;
    expectError(await api.admin("POST", `/api/rounds/${id}/${action}`), "INVALID_TRANSITION");
    expect((await api.round(id)).status).toBe(before);
  }

  it("follows draft→open→paused→open→closed→open(reopen)→paused→closed and refuses the rest", async () => {
    const { id } = await api.createRound(smallRound(3));
    await expectRefused(id, "pause");
    await expectRefused(id, "close");
    await expectTransition(id, "open", "open");
    await expectTransition(id, "pause", "paused");
    await expectTransition(id, "open", "open");
    await expectTransition(id, "close", "closed");
    await expectRefused(id, "pause");
    await expectTransition(id, "open", "open");
    await expectTransition(id, "pause", "paused");
    await expectTransition(id, "close", "closed");
  });

  it("asking for the status the round already has is a harmless no-op: 200, nothing changes", async () => {
    // An organiser's retry over a bad network must not fail; it must not bump seq either.
    const { id } = await api.createRound(smallRound(3));
    for (const [action, status] of [
      ["open", "open"],
      ["pause", "paused"],
      ["close", "closed"],
    ] as const) {
      await expectTransition(id, action, status);
      const before = await api.leaderboard(id);
      await expectTransition(id, action, status);
      const after = await api.leaderboard(id);
      expect(after.seq).toBe(before.seq);
    }
  });

  it("status gates ballots: draft, paused and closed answer 409 ROUND_NOT_OPEN; a reopened round counts again", async () => {
    const { id } = await api.createRound(smallRound(3));
    const [first, second, third] = await api.newVoters(3);
    if (!first || !second || !third) throw new Error("voters");
    expectError(await api.castBallot(id, first, ["1"]), "ROUND_NOT_OPEN");
    await api.transition(id, "open");
    await api.vote(id, first, ["1"]);
    await api.transition(id, "pause");
    expectError(await api.castBallot(id, second, ["2"]), "ROUND_NOT_OPEN");
    await api.transition(id, "close");
    expectError(await api.castBallot(id, second, ["2"]), "ROUND_NOT_OPEN");
    await api.transition(id, "open");
    await api.vote(id, second, ["2"]);
    // Reopening does not start a new epoch: the first voter has still voted.
    expectError(await api.castBallot(id, first, ["3"]), "ALREADY_VOTED");
    const board = await api.leaderboard(id);
    expect(board.epoch).toBe(1);
    expect(board.totalBallots).toBe(2);
    expect(board.status).toBe("open");
    expect(board.entries.map((entry) => [entry.optionId, entry.votes])).toEqual([
      ["1", 1],
      ["2", 1],
      ["3", 0],
    ]);
  });

  it("status changes bump the leaderboard seq", async () => {
    const { id } = await api.createRound(smallRound(3));
    const draft = await api.leaderboard(id);
    await api.transition(id, "open");
    const open = await api.leaderboard(id);
    expect(open.status).toBe("open");
    expect(open.seq).toBeGreaterThan(draft.seq);
    await api.transition(id, "pause");
    const paused = await api.leaderboard(id);
    expect(paused.status).toBe("paused");
    expect(paused.seq).toBeGreaterThan(open.seq);
  });
});

describe("reset and epochs", () => {
  it("409 CONFIRMATION_MISMATCH unless confirm is the round id; 400 INVALID_BODY without confirm", async () => {
    const round = await api.createOpenRound(smallRound(3));
    const voter = await api.newVoter();
    await api.vote(round.id, voter, ["2"]);
    expectError(
      await api.admin("POST", `/api/rounds/${round.id}/reset`, { confirm: "wrong" }),
      "CONFIRMATION_MISMATCH",
    );
    expectError(
      await api.admin("POST", `/api/rounds/${round.id}/reset`, { confirm: round.id.toUpperCase() }),
      "CONFIRMATION_MISMATCH",
    );
    expectError(await api.admin("POST", `/api/rounds/${round.id}/reset`, {}), "INVALID_BODY");
    const after = await api.round(round.id);
    expect(after.epoch).toBe(1);
    expect(after.status).toBe("open");
    expect(after.totalBallots).toBe(1);
  });

  it("starts a new epoch (draft, zero votes) and keeps earlier epochs readable via ?epoch=N", async () => {
    const round = await api.createOpenRound(smallRound(4, { minChoices: 1, maxChoices: 2 }));
    const voters = await api.newVoters(3);
    const ballots = [["1", "2"], ["2"], ["2", "4"]];
    const receipts = [];
    for (const [index, choices] of ballots.entries()) {
      receipts.push(await api.vote(round.id, voters[index] as string, choices));
    }
    await api.transition(round.id, "close");
    const epoch1Board = await api.leaderboard(round.id);

    const reset = await api.reset(round.id);
    expect(reset.id).toBe(round.id);
    expect(reset.epoch).toBe(2);
    expect(reset.status).toBe("draft");
    expect(reset.totalBallots).toBe(0);
    expect(reset.options).toEqual(round.options);
    expect(reset.rules).toEqual(round.rules);
    expect((await api.round(round.id)).epoch).toBe(2);
    expect((await api.rounds()).find((summary) => summary.id === round.id)?.epoch).toBe(2);

    // The current epoch starts from zero.
    const current = await api.leaderboard(round.id);
    expect(current.epoch).toBe(2);
    expect(current.status).toBe("draft");
    expect(current.totalBallots).toBe(0);
    expect(current.entries.map((entry) => [entry.optionId, entry.votes, entry.rank])).toEqual([
      ["1", 0, 1],
      ["2", 0, 1],
      ["3", 0, 1],
      ["4", 0, 1],
    ]);
    expect((await api.audit(round.id)).entries).toEqual([]);
    expect(await api.recount(round.id)).toEqual({
      roundId: round.id,
      epoch: 2,
      ballots: 0,
      liveBallots: 0,
      excluded: 0,
      liveExcluded: 0,
      auditEntries: 0,
      auditLength: 0,
      matches: true,
      differences: [],
    });

    // Epoch 1 is still there, as it was when it closed.
    const epoch1 = await api.leaderboard(round.id, 1);
    expect(epoch1).toEqual(epoch1Board);
    expect(epoch1.epoch).toBe(1);
    expect(epoch1.totalBallots).toBe(3);
    expect(epoch1.entries.map((entry) => [entry.optionId, entry.votes, entry.rank])).toEqual([
      ["2", 3, 1],
      ["1", 1, 2],
      ["4", 1, 2],
      ["3", 0, 4],
    ]);
    const audit1 = await api.audit(round.id, 1);
    expect(audit1.entries.map((entry) => entry.ballotId)).toEqual(receipts.map((receipt) => receipt.ballotId));
    expect(await api.recount(round.id, 1)).toEqual({
      roundId: round.id,
      epoch: 1,
      ballots: 3,
      liveBallots: 3,
      excluded: 0,
      liveExcluded: 0,
      auditEntries: 3,
      auditLength: 3,
      matches: true,
      differences: [],
    });
    // ?epoch=2 is the current epoch.
    expect(await api.leaderboard(round.id, 2)).toEqual(current);

    // Voters of epoch 1 vote again in epoch 2; epoch 1 does not move.
    await api.transition(round.id, "open");
    const again = await api.vote(round.id, voters[0] as string, ["3"]);
    expect(again.epoch).toBe(2);
    expect((await api.leaderboard(round.id, 1)).entries).toEqual(epoch1.entries);
    expect((await api.leaderboard(round.id)).totalBallots).toBe(1);
  });

  it("404 EPOCH_NOT_FOUND for an epoch that does not exist; 400 INVALID_QUERY for a bad epoch", async () => {
    const round = await api.createRound(smallRound(3));
    for (const path of ["leaderboard", "audit", "recount"]) {
      expectError(await api.admin("GET", `/api/rounds/${round.id}/${path}?epoch=2`), "EPOCH_NOT_FOUND");
      expectError(await api.admin("GET", `/api/rounds/${round.id}/${path}?epoch=999999`), "EPOCH_NOT_FOUND");
      expectError(await api.admin("GET", `/api/rounds/${round.id}/${path}?epoch=0`), "INVALID_QUERY");
      expectError(await api.admin("GET", `/api/rounds/${round.id}/${path}?epoch=abc`), "INVALID_QUERY");
    }
    await api.reset(round.id);
    const board2: Leaderboard = await api.leaderboard(round.id, 2);
    expect(board2.epoch).toBe(2);
    expectError(await api.get(`/api/rounds/${round.id}/leaderboard?epoch=3`), "EPOCH_NOT_FOUND");
  });
});
