import { z } from "zod";
import type { OptionId, RoundId } from "./schemas.js";

/**
 * Replay, time travel and verifiable receipts (README "Replay, time travel and verifiable receipts").
 * The hash chain: each counted ballot's audit entry carries `hash` = lowercase hex SHA-256 of
 * `chainInput(previousHash, ballotId, choices, atMs)`, the first ballot of an epoch chaining to `CHAIN_GENESIS`.
 */
export const CHAIN_GENESIS = "0".repeat(64);

/** The canonical string a ballot's hash is taken over (UTF-8): what cast-ballot.lua hashes, byte for byte. */
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
  /** The hash of the last counted ballot (CHAIN_GENESIS when none). */
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
  | { kind: "ballot"; ballotId: string; choices: OptionId[]; atMs: number; hash: string }
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
 * Checks a published log: every ballot's hash follows from the previous one, the last is the published head,
 * and the tally the header states follows from the ballots and exclusions. `sha256hex` is injected so that the
 * browser (Web Crypto) and Node can run the same check; scripts/verify-log.mjs is a standalone copy for offline use.
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
  for (const [index, line] of lines.slice(1).entries()) {
    if (line.kind === "publication") problems.push(`line ${index + 2}: a second header`);
    else if (line.kind === "ballot") {
      const expected = await sha256hex(chainInput(previous, line.ballotId, line.choices, line.atMs));
      if (expected !== line.hash) problems.push(`line ${index + 2}: ballot ${line.ballotId} does not chain`);
      previous = line.hash;
      choicesOf.set(line.ballotId, line.choices);
      if (receiptHash && line.hash === receiptHash) foundId = line.ballotId;
    } else {
      for (const id of line.ballotIds) {
        if (!choicesOf.has(id)) problems.push(`line ${index + 2}: names ballot ${id}, not earlier in the log`);
        if (line.kind === "exclude") out.add(id);
        else out.delete(id);
      }
    }
  }
  if (previous !== header.head) problems.push("the last ballot's hash is not the published head");
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
