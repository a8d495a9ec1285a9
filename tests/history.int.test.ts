import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { auditEntryRecord, type RedisClient } from "@lb/backend";
import type { BallotReceipt, Leaderboard, Publication, PublishedLogLine, ReplayFeed } from "@lb/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Backends, startBackends, testRedisClient } from "./support/backend.js";
import { type Api, expectError, expectStatus } from "./support/http.js";
import { exclude, undoExclusion } from "./support/integrity.js";
import { smallRound } from "./support/rounds.js";

const run = promisify(execFile);
const verifyScript = new URL("./bench/verify-log.mjs", import.meta.url).pathname;

let backends: Backends;
let api: Api;
let redis: RedisClient;

beforeAll(async () => {
  // Checkpoints every 3 entries, so that `?at=` mixes a checkpoint with a partial read in every answer below.
  backends = await startBackends(1, { history: { checkpointEntries: 3, cachedEpochs: 4, replayFrames: 50 } });
  api = backends.api;
  redis = testRedisClient();
});

afterAll(async () => {
  redis?.disconnect();
  await backends?.close();
});

const sha256hex = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");
const votesOf = (board: Leaderboard) => Object.fromEntries(board.entries.map((entry) => [entry.optionId, entry.votes]));
const auditKey = (roundId: string, epoch = 1) => `lb:{round:${roundId}}:e:${epoch}:audit`;

type RawEntry = [string, string[]];
const fieldsOf = (entry: RawEntry) => auditEntryRecord(entry[1]);

/** The link of the epoch's last step, from its last counted ballot's audit entry. */
async function lastLink(roundId: string): Promise<string | undefined> {
  const entries = (await redis.xrange(auditKey(roundId), "-", "+")) as RawEntry[];
  return entries.map(fieldsOf).findLast((record) => record.link !== undefined)?.link;
}

/** An independent recount of the log's prefix up to `atMs` (stream ids at or before that millisecond). */
function recountPrefix(entries: RawEntry[], optionIds: string[], atMs: number) {
  const votes: Record<string, number> = Object.fromEntries(optionIds.map((id) => [id, 0]));
  const choicesOf = new Map<string, string[]>();
  const out = new Set<string>();
  for (const entry of entries) {
    if (Number(entry[0].split("-")[0]) > atMs) break;
    const record = fieldsOf(entry);
    if (record.exclusion !== undefined) {
      for (const id of (record.ballots ?? "").split(",")) {
        if (record.action === "restore") out.delete(id);
        else out.add(id);
      }
    } else choicesOf.set(record.ballot ?? "", (record.choices ?? "").split(","));
  }
  for (const [id, choices] of choicesOf) {
    if (out.has(id)) continue;
    for (const choice of choices) votes[choice] = (votes[choice] ?? 0) + 1;
  }
  return { votes, total: choicesOf.size - out.size };
}

async function boardAt(roundId: string, atMs: number): Promise<Leaderboard> {
  const res = await api.admin<Leaderboard>(
    "GET",
    `/api/rounds/${roundId}/leaderboard?at=${encodeURIComponent(new Date(atMs).toISOString())}`,
  );
  expectStatus(res, 200);
  return res.body;
}

/** Ballots one after another, each in its own millisecond at least (Redis's clock decides the stream ids). */
async function castSeveral(roundId: string, picks: string[][]): Promise<BallotReceipt[]> {
  const receipts: BallotReceipt[] = [];
  for (const choices of picks) {
    receipts.push(await api.vote(roundId, await api.newVoter(), choices));
    await new Promise((resolve) => setTimeout(resolve, 2)); // spreads ballots over distinct ms, not a wait for state
  }
  return receipts;
}

async function publishedLog(roundId: string): Promise<{ text: string; lines: PublishedLogLine[] }> {
  const res = await api.get(`/api/rounds/${roundId}/published-log`);
  expectStatus(res, 200);
  expect(String(res.headers["content-type"])).toMatch(/^application\/x-ndjson\b/);
  const lines = res.text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as PublishedLogLine);
  return { text: res.text, lines };
}

/** Runs the offline check script on a log; its exit code and output. */
async function verify(text: string, hash?: string): Promise<{ code: number; output: string }> {
  const dir = mkdtempSync(join(tmpdir(), "lb-log-"));
  const file = join(dir, "log.ndjson");
  writeFileSync(file, text);
  try {
    const { stdout } = await run(process.execPath, [verifyScript, file, ...(hash ? [hash] : [])]);
    return { code: 0, output: stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, output: failed.stdout };
  }
}

describe("time travel (?at=)", () => {
  it("answers the board as a recount of the log prefix, at every entry's time, around an exclusion and its undo", async () => {
    const round = await api.createOpenRound(smallRound(4, { minChoices: 1, maxChoices: 2 }));
    const optionIds = ["1", "2", "3", "4"];
    const first = await castSeveral(round.id, [["1"], ["2", "3"], ["1", "4"], ["3"]]);
    // Asked once mid-round: the backend's index is built here, and must be extended by what follows.
    const early = await boardAt(round.id, Date.now());
    expect(votesOf(early)).toEqual({ "1": 2, "2": 1, "3": 2, "4": 1 });
    const gone = await exclude(api, round.id, { reason: "test", ballotIds: [first[0]?.ballotId ?? ""] });
    await castSeveral(round.id, [["2"], ["1", "2"], ["4"]]);
    await undoExclusion(api, round.id, gone.id);
    await castSeveral(round.id, [["3", "4"], ["1"]]);
    await exclude(api, round.id, { reason: "again", ballotIds: [first[2]?.ballotId ?? ""] });

    const entries = (await redis.xrange(auditKey(round.id), "-", "+")) as RawEntry[];
    expect(entries.length).toBe(9 + 3);
    const times = [...new Set(entries.map((entry) => Number(entry[0].split("-")[0])))];
    const instants = [times[0] as number, ...times.flatMap((ms) => [ms - 1, ms, ms + 1])];
    for (const atMs of instants) {
      const expected = recountPrefix(entries, optionIds, atMs);
      const board = await boardAt(round.id, atMs);
      expect({ at: atMs, votes: votesOf(board), total: board.totalBallots }).toEqual({
        at: atMs,
        votes: expected.votes,
        total: expected.total,
      });
    }
    // Before the first entry, nothing; at the end, the live board.
    expect((await boardAt(round.id, (times[0] as number) - 60_000)).totalBallots).toBe(0);
    const live = await api.leaderboard(round.id);
    const end = await boardAt(round.id, Date.now() + 60_000);
    expect(end.entries).toEqual(live.entries);
    expect(end.excluded).toEqual(live.excluded);
    // Right after the first exclusion, the board says it, with its reason.
    const exclusionMs = Number(entries.find((entry) => fieldsOf(entry).exclusion)?.[0].split("-")[0]);
    expect((await boardAt(round.id, exclusionMs)).excluded).toEqual({
      ballots: 1,
      reasons: [{ reason: "test", ballots: 1 }],
    });
  });

  it("refuses a malformed instant, and shows no votes to whoever may not see results", async () => {
    const round = await api.createOpenRound({
      ...smallRound(3, { minChoices: 1, maxChoices: 1 }),
      rules: { minChoices: 1, maxChoices: 1, resultsVisibility: "afterClose" },
    });
    await castSeveral(round.id, [["1"]]);
    expectError(await api.admin("GET", `/api/rounds/${round.id}/leaderboard?at=yesterday`), "INVALID_QUERY");
    const hidden = await api.get<Leaderboard>(`/api/rounds/${round.id}/leaderboard?at=${new Date().toISOString()}`);
    expectStatus(hidden, 200);
    expect(hidden.body).toMatchObject({ resultsHidden: true, entries: [] });
    const replay = await api.get<ReplayFeed>(`/api/rounds/${round.id}/replay`);
    expectStatus(replay, 200);
    expect(replay.body).toMatchObject({ resultsHidden: true, frames: [] });
  });
});

describe("replay feed", () => {
  it("is at most the configured frames, cumulative, ending on the final board", async () => {
    const round = await api.createOpenRound(smallRound(3, { minChoices: 1, maxChoices: 2 }));
    await castSeveral(round.id, [["1"], ["2"], ["2", "3"], ["3"], ["3", "1"]]);
    await api.transition(round.id, "close");
    const res = await api.admin<ReplayFeed>("GET", `/api/rounds/${round.id}/replay`);
    expectStatus(res, 200);
    const feed = res.body;
    expect(feed.options.map((option) => option.optionId)).toEqual(["1", "2", "3"]);
    expect(feed.frames.length).toBeGreaterThan(0);
    expect(feed.frames.length).toBeLessThanOrEqual(50);
    const last = feed.frames[feed.frames.length - 1];
    const live = await api.leaderboard(round.id);
    expect(last).toEqual({ votes: feed.options.map((option) => votesOf(live)[option.optionId]), ballots: 5 });
    // Cumulative: no frame has fewer ballots than the one before.
    for (let i = 1; i < feed.frames.length; i++) {
      expect(feed.frames[i]?.ballots).toBeGreaterThanOrEqual(feed.frames[i - 1]?.ballots ?? 0);
    }
  });
});

describe("verifiable receipts", () => {
  it("chains each step to the previous one and each ballot to its step, as recomputed here; replays keep the hash", async () => {
    const round = await api.createOpenRound(smallRound(4, { minChoices: 1, maxChoices: 3 }));
    const receipts = await castSeveral(round.id, [["1"], ["2", "3"], ["4", "1", "2"]]);
    const token = await api.newVoter();
    const keyed = await api.vote(round.id, token, ["3"], "key-1");
    receipts.push(keyed);
    for (const receipt of receipts) expect(receipt.hash).toMatch(/^[0-9a-f]{64}$/);

    // Ballots cast one after the other: each is a step of its own (ballot-batch.int.test.ts has steps of many).
    const entries = (await redis.xrange(auditKey(round.id), "-", "+")) as RawEntry[];
    let previous = "0".repeat(64);
    for (const [index, entry] of entries.entries()) {
      const record = fieldsOf(entry);
      const digest = sha256hex(`${record.ballot}\n${record.choices}\n`);
      const link = sha256hex(`${previous}\n${record.at}\n${digest}`);
      expect(record.link).toBe(link);
      expect(receipts[index]?.hash).toBe(sha256hex(`${link}\n${record.ballot}`));
      previous = link;
    }
    expect(await redis.hget(`lb:{round:${round.id}}:e:1:state`, "chainHead")).toBe(previous);

    // The same idempotency key: the same receipt, hash included; my-ballot says it too.
    expect(await api.vote(round.id, token, ["3"], "key-1")).toEqual(keyed);
    const mine = await api.request<BallotReceipt>("GET", `/api/rounds/${round.id}/my-ballot`, {
      headers: { "x-voter-token": token },
    });
    expectStatus(mine, 200);
    expect(mine.body.hash).toBe(keyed.hash);
    // The audit export shows the hash too.
    expect((await api.audit(round.id)).entries.map((entry) => entry.hash)).toEqual(receipts.map((r) => r.hash));
  });

  it("publishes the head only after close; the published log has no voter identity and passes the offline check", async () => {
    const round = await api.createOpenRound(smallRound(4, { minChoices: 1, maxChoices: 2 }));
    const receipts = await castSeveral(round.id, [["1"], ["2", "3"], ["1", "4"], ["3"], ["2"]]);
    await exclude(api, round.id, { reason: "stuffing", ballotIds: [receipts[1]?.ballotId ?? ""] });

    expectError(await api.admin("POST", `/api/rounds/${round.id}/publish`), "INVALID_TRANSITION");
    expectError(await api.get(`/api/rounds/${round.id}/published-log`), "NOT_FOUND");
    expectError(await api.get(`/api/rounds/${round.id}/publication`), "NOT_FOUND");
    expectError(await api.request("POST", `/api/rounds/${round.id}/publish`), "UNAUTHORIZED");

    await api.transition(round.id, "close");
    const published = await api.admin<Publication>("POST", `/api/rounds/${round.id}/publish`);
    expectStatus(published, 200);
    const live = await api.leaderboard(round.id);
    expect(published.body).toMatchObject({
      roundId: round.id,
      epoch: 1,
      head: await lastLink(round.id),
      ballots: 5,
      excluded: 1,
      tally: votesOf(live),
    });
    const publication = await api.get<Publication>(`/api/rounds/${round.id}/publication`);
    expect(publication.body).toEqual(published.body);
    const csv = await api.admin("GET", `/api/rounds/${round.id}/results.csv`);
    expect(csv.text).toContain(`published chain head,${published.body.head}`);

    const { text, lines } = await publishedLog(round.id);
    expect(lines.map((line) => line.kind)).toEqual([
      "publication",
      "ballot",
      "ballot",
      "ballot",
      "ballot",
      "ballot",
      "exclude",
    ]);
    // No voter identity, no address hashes: only ballot ids, picks, times and hashes.
    const voterHashes = (await redis.hvals(`lb:{round:${round.id}}:e:1:voters`)).length;
    expect(voterHashes).toBe(5);
    for (const field of await redis.hkeys(`lb:{round:${round.id}}:e:1:voters`)) expect(text).not.toContain(field);
    expect(text).not.toMatch(/"(voter|ip|net|network|cred)"/);
    for (const line of lines.slice(1, 6)) {
      expect(Object.keys(line).sort()).toEqual(["atMs", "ballotId", "choices", "hash", "kind", "link"]);
    }

    const ok = await verify(text, receipts[2]?.hash);
    expect(ok).toMatchObject({ code: 0 });
    expect(ok.output).toMatch(/^OK: 5 ballots/);
    expect((await verify(text, "f".repeat(64))).code).toBe(1);

    const raw = text.split("\n").filter(Boolean);
    const changed = raw.map((line, i) => (i === 3 ? line.replace('"choices":["1","4"]', '"choices":["2","4"]') : line));
    expect(changed).not.toEqual(raw);
    const removed = raw.filter((_, i) => i !== 2);
    const reordered = [raw[0], raw[2], raw[1], ...raw.slice(3)];
    for (const tampered of [changed, removed, reordered]) {
      const result = await verify(`${tampered.join("\n")}\n`);
      expect(result.code).toBe(1);
      expect(result.output).toMatch(/^REFUSED/);
    }
  });
});
