import { createHash, hash } from "node:crypto";
import { ballotHashInput, stepLine } from "@lb/common";

/** Lowercase hex SHA-256 of a UTF-8 string (one-shot `hash`: no Hash object per call). */
export function sha256hex(text: string): string {
  return hash("sha256", text, "hex");
}

/**
 * The digest of a step whose ballots all count, as cast-ballot.lua takes it (common/src/history.ts): sent with
 * every batch so that the script hashes only the step's link; when a ballot of the batch does not count, the
 * script takes the digest of those that do itself.
 */
export function stepDigest(ballots: readonly { ballotId: string; choices: string }[]): string {
  const digest = createHash("sha256");
  for (const ballot of ballots) digest.update(stepLine(ballot.ballotId, ballot.choices), "utf8");
  return digest.digest("hex");
}

/** A counted ballot's receipt hash, from its step's link. */
export function ballotHash(link: string, ballotId: string): string {
  return sha256hex(ballotHashInput(link, ballotId));
}

/**
 * The receipt hash a voter record or an audit entry stands for: derived from the step's `link` when there is one,
 * else the per-ballot `hash` written before steps existed ('' when neither).
 */
export function receiptHash(ballotId: string, link: string | undefined, hash: string | undefined): string {
  return link ? ballotHash(link, ballotId) : (hash ?? "");
}
