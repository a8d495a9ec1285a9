import type { AuditEntry, BallotReceipt, Leaderboard, VoterTokenResponse } from "@lb/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Backends, startBackends } from "./support/backend.js";
import { type Api, expectError, expectStatus } from "./support/http.js";
import { demoRound, smallRound } from "./support/rounds.js";

let backends: Backends;
/** Another deployment: same Redis, different voter-token secret. Its tokens are forgeries for `backends`. */
let foreign: Backends;
let api: Api;

beforeAll(async () => {
  [backends, foreign] = await Promise.all([startBackends(1), startBackends(1)]);
  api = backends.api;
});

afterAll(async () => {
  await Promise.all([backends?.close(), foreign?.close()]);
});

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Parses `lb_voter=<value>; Attr; Attr=v` into the value and the lower-cased attributes. */
function parseVoterCookie(setCookie: string[] | undefined) {
  const cookie = (setCookie ?? []).find((line) => line.startsWith("lb_voter="));
  if (!cookie) return undefined;
  const [pair = "", ...attributes] = cookie.split(";").map((part) => part.trim());
  return {
    value: decodeURIComponent(pair.slice("lb_voter=".length)),
    attributes: attributes.map((attribute) => attribute.toLowerCase()),
  };
}

/** Changes one character in the middle of a token, keeping its alphabet. */
function tamper(token: string): string {
  const index = Math.floor(token.length / 2);
  const char = token[index] === "A" ? "B" : "A";
  return token.slice(0, index) + char + token.slice(index + 1);
}

describe("voter tokens", () => {
  it("POST /api/voters → 200 { token } and an HttpOnly, SameSite=Lax, Path=/ lb_voter cookie with the same token", async () => {
    const res = await api.request<VoterTokenResponse>("POST", "/api/voters");
    expectStatus(res, 200);
    expect(Object.keys(res.body)).toEqual(["token"]);
    expect(res.body.token.length).toBeGreaterThan(16);
    const cookie = parseVoterCookie(res.headers["set-cookie"]);
    expect(cookie, JSON.stringify(res.headers["set-cookie"])).toBeDefined();
    expect(cookie?.value).toBe(res.body.token);
    expect(cookie?.attributes).toContain("httponly");
    expect(cookie?.attributes).toContain("samesite=lax");
    expect(cookie?.attributes).toContain("path=/");
    expect(cookie?.attributes).not.toContain("secure");
    // Two requests without a token are two voters.
    expect(await api.newVoter()).not.toBe(res.body.token);
  });

  it("POST /api/voters with a valid token (header or cookie) returns the same token; with a bad one a new token", async () => {
    const token = await api.newVoter();
    const byHeader = await api.request<VoterTokenResponse>("POST", "/api/voters", {
      headers: { "x-voter-token": token },
    });
    expectStatus(byHeader, 200);
    expect(byHeader.body.token).toBe(token);
    const byCookie = await api.request<VoterTokenResponse>("POST", "/api/voters", {
      headers: { cookie: `lb_voter=${encodeURIComponent(token)}` },
    });
    expectStatus(byCookie, 200);
    expect(byCookie.body.token).toBe(token);

    const forged = await foreign.api.newVoter();
    const replaced = await api.request<VoterTokenResponse>("POST", "/api/voters", {
      headers: { "x-voter-token": forged },
    });
    expectStatus(replaced, 200);
    expect(replaced.body.token).not.toBe(forged);
    expect(replaced.body.token).not.toBe(token);
  });

  it("a ballot works with the token in the lb_voter cookie and in X-Voter-Token", async () => {
    const round = await api.createOpenRound(smallRound(3));
    const issued = await api.request<VoterTokenResponse>("POST", "/api/voters");
    const cookie = parseVoterCookie(issued.headers["set-cookie"]);
    if (!cookie) throw new Error("no lb_voter cookie");
    const byCookie = await api.request("POST", `/api/rounds/${round.id}/ballots`, {
      json: { choices: ["1"] },
      headers: { cookie: `lb_voter=${encodeURIComponent(cookie.value)}` },
    });
    expectStatus(byCookie, 201);
    const byHeader = await api.castBallot(round.id, await api.newVoter(), ["2"]);
    expectStatus(byHeader, 201);
    // The cookie voter is the same voter when it comes back by header.
    expectError(await api.castBallot(round.id, cookie.value, ["3"]), "ALREADY_VOTED");
    expect((await api.leaderboard(round.id)).totalBallots).toBe(2);
  });

  it("401 INVALID_VOTER_TOKEN for a missing, malformed, forged or tampered token (nothing counted)", async () => {
    const round = await api.createOpenRound(smallRound(3));
    const valid = await api.newVoter();
    const forged = await foreign.api.newVoter();
    expect(forged).not.toBe(valid);
    const bad: [string, Record<string, string>][] = [
      ["missing", {}],
      ["empty header", { "x-voter-token": "" }],
      ["malformed", { "x-voter-token": "not-a-token" }],
      ["malformed dots", { "x-voter-token": "a.b.c.d.e" }],
      ["forged (another secret)", { "x-voter-token": forged }],
      ["tampered", { "x-voter-token": tamper(valid) }],
      ["truncated", { "x-voter-token": valid.slice(0, -2) }],
      ["forged cookie", { cookie: `lb_voter=${encodeURIComponent(forged)}` }],
      ["malformed cookie", { cookie: "lb_voter=garbage" }],
    ];
    for (const [name, headers] of bad) {
      const res = await api.request("POST", `/api/rounds/${round.id}/ballots`, { json: { choices: ["1"] }, headers });
      expect.soft(res.status, `${name}: ${res.text}`).toBe(401);
      expect.soft((res.body as { error?: { code?: string } })?.error?.code, name).toBe("INVALID_VOTER_TOKEN");
      const mine = await api.request("GET", `/api/rounds/${round.id}/my-ballot`, { headers });
      expect.soft(mine.status, `my-ballot ${name}: ${mine.text}`).toBe(401);
    }
    expect((await api.leaderboard(round.id)).totalBallots).toBe(0);
    // The valid token is still fine.
    expectStatus(await api.castBallot(round.id, valid, ["1"]), 201);
  });
});

describe("ballots", () => {
  it("201 BallotReceipt { ballotId, roundId, epoch, choices, receivedAt, hash }; my-ballot returns it", async () => {
    const round = await api.createOpenRound(demoRound(), "demo");
    const voter = await api.newVoter();
    // Not voted yet: 200 with null (a 404 would be logged as an error on every first visit to the vote page).
    const none = await api.get(`/api/rounds/${round.id}/my-ballot`, { "x-voter-token": voter });
    expectStatus(none, 200);
    expect(none.body).toBeNull();
    const started = Date.now();
    const res = await api.castBallot(round.id, voter, ["64", "7", "12"]);
    expectStatus(res, 201);
    const receipt = res.body as BallotReceipt;
    expect(Object.keys(receipt).sort()).toEqual(["ballotId", "choices", "epoch", "hash", "receivedAt", "roundId"]);
    // Verifiable receipts: the ballot's link in the epoch's hash chain (tests/history.int.test.ts checks the chain).
    expect(receipt.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(receipt.roundId).toBe(round.id);
    expect(receipt.epoch).toBe(1);
    expect(receipt.choices).toEqual(["64", "7", "12"]);
    expect(typeof receipt.ballotId).toBe("string");
    expect(receipt.ballotId.length).toBeGreaterThan(0);
    expect(receipt.receivedAt).toMatch(ISO);
    const receivedAt = Date.parse(receipt.receivedAt);
    expect(Math.abs(receivedAt - started)).toBeLessThan(60_000);

    const mine = await api.get<BallotReceipt>(`/api/rounds/${round.id}/my-ballot`, { "x-voter-token": voter });
    expectStatus(mine, 200);
    expect(mine.body).toEqual(receipt);

    const board = await api.leaderboard(round.id);
    expect(board.totalBallots).toBe(1);
    expect(board.entries.filter((entry) => entry.votes === 1).map((entry) => entry.optionId)).toEqual([
      "7",
      "12",
      "64",
    ]);
    expect((await api.round(round.id)).totalBallots).toBe(1);
  });

  it("each 400 code, and a rejected ballot writes nothing (the voter can still vote)", async () => {
    const round = await api.createOpenRound(smallRound(5, { minChoices: 2, maxChoices: 3 }));
    const voter = await api.newVoter();
    const cases: [string, unknown, string][] = [
      ["choices missing", {}, "INVALID_BODY"],
      ["choices not an array", { choices: "1" }, "INVALID_BODY"],
      ["choices empty", { choices: [] }, "INVALID_BODY"],
      ["choice not a string", { choices: [1, 2] }, "INVALID_BODY"],
      ["bad option id characters", { choices: ["1", "a b"] }, "INVALID_BODY"],
      ["unknown field", { choices: ["1", "2"], voterId: "me" }, "INVALID_BODY"],
      ["bad idempotency key", { choices: ["1", "2"], idempotencyKey: "has space" }, "INVALID_BODY"],
      ["empty idempotency key", { choices: ["1", "2"], idempotencyKey: "" }, "INVALID_BODY"],
      ["too long idempotency key", { choices: ["1", "2"], idempotencyKey: "k".repeat(129) }, "INVALID_BODY"],
      ["not an object", ["1", "2"], "INVALID_BODY"],
      ["unknown option", { choices: ["1", "999"] }, "UNKNOWN_OPTION"],
      ["duplicate option", { choices: ["1", "1"] }, "DUPLICATE_OPTION"],
      ["too few", { choices: ["1"] }, "TOO_FEW_CHOICES"],
      ["too many", { choices: ["1", "2", "3", "4"] }, "TOO_MANY_CHOICES"],
    ];
    for (const [name, json, code] of cases) {
      const res = await api.request("POST", `/api/rounds/${round.id}/ballots`, {
        json,
        headers: { "x-voter-token": voter },
      });
      expect.soft(res.status, `${name}: ${res.text}`).toBe(400);
      expect.soft((res.body as { error?: { code?: string } })?.error?.code, `${name}: ${res.text}`).toBe(code);
    }
    const notJson = await api.request("POST", `/api/rounds/${round.id}/ballots`, {
      raw: '{"choices": ["1",',
      headers: { "x-voter-token": voter, "content-type": "application/json" },
    });
    expectError(notJson, "INVALID_BODY");

    const board = await api.leaderboard(round.id);
    expect(board.totalBallots).toBe(0);
    expect(board.entries.every((entry) => entry.votes === 0)).toBe(true);
    expect((await api.audit(round.id)).entries).toEqual([]);
    const receipt = await api.vote(round.id, voter, ["4", "5"]);
    expect(receipt.choices).toEqual(["4", "5"]);
    expect((await api.leaderboard(round.id)).totalBallots).toBe(1);
  });

  it("a non-JSON content type is refused (415 UNSUPPORTED_MEDIA_TYPE or 400 INVALID_BODY), nothing counted", async () => {
    const round = await api.createOpenRound(smallRound(3));
    const voter = await api.newVoter();
    const res = await api.request("POST", `/api/rounds/${round.id}/ballots`, {
      raw: JSON.stringify({ choices: ["1"] }),
      headers: { "x-voter-token": voter, "content-type": "text/plain" },
    });
    const code = (res.body as { error?: { code?: string } })?.error?.code;
    expect([`415 UNSUPPORTED_MEDIA_TYPE`, `400 INVALID_BODY`], res.text).toContain(`${res.status} ${code}`);
    expect((await api.leaderboard(round.id)).totalBallots).toBe(0);
  });

  it("413 PAYLOAD_TOO_LARGE for a ballot body over the ballot limit", async () => {
    const round = await api.createOpenRound(smallRound(3));
    const voter = await api.newVoter();
    const limit = backends.config.ballotBodyLimitBytes;
    const body = JSON.stringify({ choices: ["1"], idempotencyKey: "k", padding: "x".repeat(limit) });
    expect(Buffer.byteLength(body)).toBeGreaterThan(limit);
    const res = await api.request("POST", `/api/rounds/${round.id}/ballots`, {
      raw: body,
      headers: { "x-voter-token": voter, "content-type": "application/json" },
    });
    expectError(res, "PAYLOAD_TOO_LARGE");
    // Many choices (each a valid id) also overflow the limit before validation.
    const many = JSON.stringify({ choices: Array.from({ length: 500 }, (_, i) => `option-${i}-${"y".repeat(10)}`) });
    expect(Buffer.byteLength(many)).toBeGreaterThan(limit);
    expectError(
      await api.request("POST", `/api/rounds/${round.id}/ballots`, {
        raw: many,
        headers: { "x-voter-token": voter, "content-type": "application/json" },
      }),
      "PAYLOAD_TOO_LARGE",
    );
    expect((await api.leaderboard(round.id)).totalBallots).toBe(0);
    expectStatus(await api.castBallot(round.id, voter, ["1"]), 201);
  });

  it("404 ROUND_NOT_FOUND for a ballot to an unknown round", async () => {
    expectError(await api.castBallot("no-such-round-anywhere", await api.newVoter(), ["1"]), "ROUND_NOT_FOUND");
  });

  it("409 ALREADY_VOTED for a second ballot of the same voter in the same epoch", async () => {
    const round = await api.createOpenRound(smallRound(3));
    const voter = await api.newVoter();
    const first = await api.vote(round.id, voter, ["1"]);
    expectError(await api.castBallot(round.id, voter, ["2"]), "ALREADY_VOTED");
    expectError(await api.castBallot(round.id, voter, ["1"]), "ALREADY_VOTED");
    expectError(await api.castBallot(round.id, voter, ["1"], "fresh-key"), "ALREADY_VOTED");
    const mine = await api.get<BallotReceipt>(`/api/rounds/${round.id}/my-ballot`, { "x-voter-token": voter });
    expect(mine.body).toEqual(first);
    const board = await api.leaderboard(round.id);
    expect(board.totalBallots).toBe(1);
    expect(board.entries.map((entry) => entry.votes)).toEqual([1, 0, 0]);
  });
});

describe("idempotent replay", () => {
  it("the same key and choices return the identical 201 body and count nothing, also after close", async () => {
    const round = await api.createOpenRound(smallRound(4, { minChoices: 1, maxChoices: 2 }));
    const voter = await api.newVoter();
    const first = await api.castBallot(round.id, voter, ["2", "3"], "phone-retry-1");
    expectStatus(first, 201);
    const afterFirst = await api.leaderboard(round.id);

    const replay = await api.castBallot(round.id, voter, ["2", "3"], "phone-retry-1");
    expectStatus(replay, 201);
    expect(replay.body).toEqual(first.body);
    expect(replay.text).toBe(first.text);
    const afterReplay = await api.leaderboard(round.id);
    expect(afterReplay).toEqual(afterFirst);
    expect(afterReplay.totalBallots).toBe(1);

    // Same key, other choices: 409 IDEMPOTENCY_MISMATCH; nothing changes.
    expectError(await api.castBallot(round.id, voter, ["1"], "phone-retry-1"), "IDEMPOTENCY_MISMATCH");
    expectError(await api.castBallot(round.id, voter, ["3", "4"], "phone-retry-1"), "IDEMPOTENCY_MISMATCH");
    // Other key or no key: already voted.
    expectError(await api.castBallot(round.id, voter, ["2", "3"], "phone-retry-2"), "ALREADY_VOTED");
    expectError(await api.castBallot(round.id, voter, ["2", "3"]), "ALREADY_VOTED");

    // A key belongs to its voter: another voter using the same key casts a ballot of their own.
    const other = await api.newVoter();
    const theirs = await api.vote(round.id, other, ["2", "3"], "phone-retry-1");
    expect(theirs.ballotId).not.toBe((first.body as BallotReceipt).ballotId);

    await api.transition(round.id, "close");
    const late = await api.castBallot(round.id, voter, ["2", "3"], "phone-retry-1");
    expectStatus(late, 201);
    expect(late.body).toEqual(first.body);
    expectError(await api.castBallot(round.id, await api.newVoter(), ["1"], "phone-retry-1"), "ROUND_NOT_OPEN");

    const board = await api.leaderboard(round.id);
    expect(board.totalBallots).toBe(2);
    expect(board.entries.map((entry) => [entry.optionId, entry.votes])).toEqual([
      ["2", 2],
      ["3", 2],
      ["1", 0],
      ["4", 0],
    ]);
    expect((await api.audit(round.id)).entries).toHaveLength(2);
  });

  it("a replay does not bump the leaderboard seq", async () => {
    const round = await api.createOpenRound(smallRound(3));
    const voter = await api.newVoter();
    const before = await api.leaderboard(round.id);
    await api.vote(round.id, voter, ["1"], "k-1");
    const after = await api.leaderboard(round.id);
    expect(after.seq).toBeGreaterThan(before.seq);
    await api.vote(round.id, voter, ["1"], "k-1");
    expectError(await api.castBallot(round.id, voter, ["2"]), "ALREADY_VOTED");
    expect((await api.leaderboard(round.id)).seq).toBe(after.seq);
  });
});

describe("leaderboard, audit and recount", () => {
  it("orders by votes then option number and shares ranks between ties", async () => {
    const round = await api.createOpenRound({
      title: "Ranking",
      rules: { minChoices: 1, maxChoices: 3 },
      options: [
        { id: "e", number: 5, title: "Echo" },
        { id: "a", number: 1, title: "Alpha" },
        { id: "c", number: 3, title: "Charlie" },
        { id: "b", number: 2, title: "Bravo" },
        { id: "d", number: 4, title: "Delta" },
        { id: "f", number: 6, title: "Foxtrot" },
      ],
    });
    const empty = await api.leaderboard(round.id);
    expect(empty).toEqual({
      roundId: round.id,
      epoch: 1,
      seq: empty.seq,
      status: "open",
      totalBallots: 0,
      resultsHidden: false,
      entries: [
        { optionId: "a", number: 1, title: "Alpha", votes: 0, rank: 1 },
        { optionId: "b", number: 2, title: "Bravo", votes: 0, rank: 1 },
        { optionId: "c", number: 3, title: "Charlie", votes: 0, rank: 1 },
        { optionId: "d", number: 4, title: "Delta", votes: 0, rank: 1 },
        { optionId: "e", number: 5, title: "Echo", votes: 0, rank: 1 },
        { optionId: "f", number: 6, title: "Foxtrot", votes: 0, rank: 1 },
      ],
    } satisfies Leaderboard);

    const ballots = [["c", "e"], ["a", "c"], ["e", "a", "d"], ["f"], ["c"], ["e"]];
    const voters = await api.newVoters(ballots.length);
    await Promise.all(ballots.map((choices, index) => api.vote(round.id, voters[index] as string, choices)));
    // c 3, e 3, a 2, d 1, f 1, b 0
    const board = await api.leaderboard(round.id);
    expect(board.totalBallots).toBe(6);
    expect(board.seq).toBeGreaterThan(empty.seq);
    expect(board.entries).toEqual([
      { optionId: "c", number: 3, title: "Charlie", votes: 3, rank: 1 },
      { optionId: "e", number: 5, title: "Echo", votes: 3, rank: 1 },
      { optionId: "a", number: 1, title: "Alpha", votes: 2, rank: 3 },
      { optionId: "d", number: 4, title: "Delta", votes: 1, rank: 4 },
      { optionId: "f", number: 6, title: "Foxtrot", votes: 1, rank: 4 },
      { optionId: "b", number: 2, title: "Bravo", votes: 0, rank: 6 },
    ]);
  });

  it("exports one NDJSON line per counted ballot, with a hashed voter and never a raw token", async () => {
    const round = await api.createOpenRound(smallRound(4, { minChoices: 1, maxChoices: 4 }));
    const voters = await api.newVoters(5);
    const receipts: BallotReceipt[] = [];
    const ballots = [["1"], ["2", "1"], ["4", "3", "2", "1"], ["3"], ["2"]];
    for (const [index, choices] of ballots.entries()) {
      receipts.push(
        await api.vote(round.id, voters[index] as string, choices, index % 2 === 0 ? `key-${index}` : undefined),
      );
    }
    // Rejected and replayed ballots are not in the log.
    expectError(await api.castBallot(round.id, voters[0] as string, ["2"]), "ALREADY_VOTED");
    await api.vote(round.id, voters[2] as string, ["4", "3", "2", "1"], "key-2");

    const { entries, text } = await api.audit(round.id);
    expect(text.endsWith("\n")).toBe(true);
    expect(entries).toHaveLength(5);
    for (const [index, entry] of entries.entries()) {
      const receipt = receipts[index] as BallotReceipt;
      expect(Object.keys(entry).sort()).toEqual([
        "ballotId",
        "choices",
        "cred",
        "hash",
        "ip",
        "kind",
        "link",
        "network",
        "receivedAt",
        "voter",
      ]);
      expect(entry).toEqual({
        kind: "ballot",
        ballotId: receipt.ballotId,
        voter: entry.voter,
        choices: receipt.choices,
        receivedAt: receipt.receivedAt,
        // Keyed hashes of 127.0.0.1 and its /24 (integrity view), and the credential.
        ip: expect.stringMatching(/^[0-9a-f]{16}$/),
        network: expect.stringMatching(/^[0-9a-f]{16}$/),
        cred: "token",
        hash: receipt.hash,
        link: expect.stringMatching(/^[0-9a-f]{64}$/),
      } satisfies AuditEntry);
      // SHA-256, hex or base64url.
      expect(entry.voter).toMatch(/^([0-9a-f]{64}|[A-Za-z0-9_-]{43}=?)$/);
    }
    expect(new Set(entries.map((entry) => entry.voter)).size).toBe(5);
    for (const token of voters) {
      expect(text).not.toContain(token);
      expect(entries.map((entry) => entry.voter)).not.toContain(token);
    }

    expect(await api.recount(round.id)).toEqual({
      roundId: round.id,
      epoch: 1,
      ballots: 5,
      liveBallots: 5,
      excluded: 0,
      liveExcluded: 0,
      auditEntries: 5,
      auditLength: 5,
      matches: true,
      differences: [],
    });
  });

  it("a voter's hash is the same in every epoch's audit (the voter id, not the ballot, is hashed)", async () => {
    const round = await api.createOpenRound(smallRound(2));
    const voter = await api.newVoter();
    await api.vote(round.id, voter, ["1"]);
    await api.transition(round.id, "close");
    await api.reset(round.id);
    await api.transition(round.id, "open");
    await api.vote(round.id, voter, ["2"]);
    const [one] = (await api.audit(round.id, 1)).entries;
    const [two] = (await api.audit(round.id, 2)).entries;
    expect(one?.voter).toBeDefined();
    expect(two?.voter).toBe(one?.voter);
  });
});
