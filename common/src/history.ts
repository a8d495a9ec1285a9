import { z } from "zod";
import type { OptionId, RoundId } from "./schemas.js";

/**
 * Replay, time travel and verifiable receipts (README "Replay, time travel and verifiable receipts").
 *
 * The hash chain is a chain of steps. A step is the ballots one run of cast-ballot.lua counted together (one
 * Redis clock reading, `atMs`; one ballot when ballots come one by one, up to BALLOT_BATCH_MAX under load). Each
 * step's `link` is the lowercase hex SHA-256 of `linkInput(previousLink, atMs, digest)`, where `digest` is the
 * SHA-256 of the step's ballots' `stepLine`s concatenated in order, and the first step of an epoch chains to
 * `CHAIN_GENESIS`. A ballot's own `hash` (its receipt) is the SHA-256 of `ballotHashInput(link, ballotId)`: it
 * pins the ballot and, through the link, every ballot counted before it. The head is the last step's link.
 *
 * Why steps and not one link per ballot: Redis's Lua has no SHA-256, and the Lua one costs about 60 µs per
 * 64-byte block; one link per step costs three blocks per step instead of three per ballot (BENCHMARKS.md).
 *
 * Ballots written before steps existed (no `link` in the log) chain one by one: `hash` = SHA-256 of
 * `chainInput(previousHash, ballotId, choices, atMs)`; the check accepts both.
 */
export const CHAIN_GENESIS = "0".repeat(64);

/** One counted ballot's part of its step's digest (UTF-8): what cast-ballot.lua concatenates, byte for byte. */
export function stepLine(ballotId: string, choices: string): string {
  return `${ballotId}\n${choices}\n`;
}

/** What a step's link is the SHA-256 of. */
export function linkInput(previousLink: string, atMs: number | string, digest: string): string {
  return `${previousLink}\n${atMs}\n${digest}`;
}

/** What a ballot's receipt hash is the SHA-256 of. */
export function ballotHashInput(link: string, ballotId: string): string {
  return `${link}\n${ballotId}`;
}

/** The per-ballot rule of logs written before steps (see above). */
export function chainInput(previousHash: string, ballotId: string, choices: readonly string[], atMs: number): string {
  return `${previousHash}\n${ballotId}\n${choices.join(",")}\n${atMs}`;
}

/** `?at=` on `GET /api/rounds/:id/leaderboard`: the board as it stood at that instant, from the audit log. */
export const AtQuerySchema = z.iso.datetime({ offset: true, message: "must be an ISO 8601 date-time" });

/**
 * `GET /api/rounds/:id/replay`: the race as frames of cumulative votes, for the replay player. Frames are at
 * most `frames` evenly spaced instants (one per second for short rounds), so the feed stays small for 1M ballots.
 */
export interface ReplayFeed {
  roundId: RoundId;
  epoch: number;
  /** ms since 1970 of the first and last audit entries (equal for a log of one entry; 0 for an empty log). */
  startMs: number;
  endMs: number;
  /** ms between frames. */
  stepMs: number;
  options: { optionId: OptionId; number: number; title: string }[];
  /** The caller may not see results now (the round's rules): no frames, as the live board shows no votes. */
  resultsHidden: boolean;
  /** Frame i stands for `startMs + i * stepMs` (the last one for `endMs`): votes in `options` order, ballots counted. */
  frames: { votes: number[]; ballots: number }[];
}

/** `POST /api/rounds/:id/publish` and `GET /api/rounds/:id/publication`: the published head of the chain. */
export interface Publication {
  roundId: RoundId;
  epoch: number;
  /** The link of the last step (CHAIN_GENESIS when none). */
  head: string;
  /** Counted ballots in the chain, and those left out by exclusions (the tally is over the others). */
  ballots: number;
  excluded: number;
  /** Votes per option id, as the published log's ballots and exclusions give them. */
  tally: Record<OptionId, number>;
  publishedAt: string;
}

/**
 * The published log (`GET /api/rounds/:id/published-log`, NDJSON): a header line, then the audit stream in
 * order: counted ballots with their hash, and exclusions and undos as they happened (not chained: they never
 * change a ballot's entry; the check applies them to reach the tally). No voter identity, no address.
 */
export type PublishedLogLine =
  | ({ kind: "publication"; genesis: string } & Publication)
  /** `link`: the step's (absent in logs written before steps); `hash`: the ballot's own, as on its receipt. */
  | { kind: "ballot"; ballotId: string; choices: OptionId[]; atMs: number; link?: string; hash: string }
  | { kind: "exclude" | "restore"; exclusionId: string; reason: string; ballotIds: string[]; atMs: number };

export interface LogCheck {
  ok: boolean;
  /** What is wrong, in words, when not ok. */
  problems: string[];
  ballots: number;
  /** The receipt's hash was found among the ballots (undefined when none was asked). */
  found?: boolean;
  /** The ballot with that hash was left out by an exclusion at the end of the log. */
  excluded?: boolean;
}

/**
 * Checks a published log: every step's link follows from the previous one and from its ballots, every ballot's
 * hash from its step's link, the last link is the published head, and the tally the header states follows from
 * the ballots and exclusions. `sha256hex` is injected so that the browser and Node can run the same check;
 * tests/bench/verify-log.mjs is a standalone copy for offline use.
 */
export async function checkPublishedLog(
  lines: PublishedLogLine[],
  sha256hex: (text: string) => Promise<string>,
  receiptHash?: string,
): Promise<LogCheck> {
  const problems: string[] = [];
  const header = lines[0];
  if (header?.kind !== "publication") return { ok: false, problems: ["no publication header"], ballots: 0 };
  let previous = header.genesis;
  const choicesOf = new Map<string, OptionId[]>();
  const out = new Set<string>();
  let foundId: string | undefined;
  // The step being read: consecutive ballot lines with the same link.
  let step:
    | { link: string; atMs: number; first: number; ballots: { ballotId: string; choices: OptionId[]; hash: string }[] }
    | undefined;
  const closeStep = async () => {
    if (!step) return;
    const { link, atMs, first, ballots } = step;
    step = undefined;
    const digest = await sha256hex(ballots.map((b) => stepLine(b.ballotId, b.choices.join(","))).join(""));
    if ((await sha256hex(linkInput(previous, atMs, digest))) !== link) {
      problems.push(
        `line ${first}: the step of ${ballots.length} ballot(s) from ${ballots[0]?.ballotId} does not chain`,
      );
    }
    previous = link;
    for (const ballot of ballots) {
      if ((await sha256hex(ballotHashInput(link, ballot.ballotId))) !== ballot.hash)
        problems.push(`ballot ${ballot.ballotId}: its hash does not follow from its step`);
    }
  };
  for (const [index, line] of lines.slice(1).entries()) {
    const lineNo = index + 2;
    if (line.kind !== "ballot") await closeStep();
    if (line.kind === "publication") problems.push(`line ${lineNo}: a second header`);
    else if (line.kind === "ballot") {
      if (choicesOf.has(line.ballotId)) problems.push(`line ${lineNo}: ballot ${line.ballotId} twice`);
      choicesOf.set(line.ballotId, line.choices);
      if (receiptHash && line.hash === receiptHash) foundId = line.ballotId;
      if (line.link === undefined) {
        await closeStep();
        const expected = await sha256hex(chainInput(previous, line.ballotId, line.choices, line.atMs));
        if (expected !== line.hash) problems.push(`line ${lineNo}: ballot ${line.ballotId} does not chain`);
        previous = line.hash;
      } else if (step?.link === line.link) {
        if (line.atMs !== step.atMs) problems.push(`line ${lineNo}: a step's ballots have different times`);
        step.ballots.push(line);
      } else {
        await closeStep();
        step = { link: line.link, atMs: line.atMs, first: lineNo, ballots: [line] };
      }
    } else {
      for (const id of line.ballotIds) {
        if (!choicesOf.has(id)) problems.push(`line ${lineNo}: names ballot ${id}, not earlier in the log`);
        if (line.kind === "exclude") out.add(id);
        else out.delete(id);
      }
    }
  }
  await closeStep();
  if (previous !== header.head) problems.push("the last step's link is not the published head");
  const tally: Record<string, number> = Object.fromEntries(Object.keys(header.tally).map((id) => [id, 0]));
  for (const [id, choices] of choicesOf) {
    if (out.has(id)) continue;
    for (const choice of choices) tally[choice] = (tally[choice] ?? 0) + 1;
  }
  for (const id of new Set([...Object.keys(tally), ...Object.keys(header.tally)])) {
    if (tally[id] !== header.tally[id])
      problems.push(`option ${id}: the log gives ${tally[id] ?? 0}, published ${header.tally[id] ?? 0}`);
  }
  if (choicesOf.size !== header.ballots)
    problems.push(`${choicesOf.size} ballots in the log, published ${header.ballots}`);
  if (out.size !== header.excluded)
    problems.push(`${out.size} ballots excluded in the log, published ${header.excluded}`);
  const check: LogCheck = { ok: problems.length === 0, problems, ballots: choicesOf.size };
  if (receiptHash !== undefined) {
    check.found = foundId !== undefined;
    if (foundId !== undefined) check.excluded = out.has(foundId);
  }
  return check;
}
