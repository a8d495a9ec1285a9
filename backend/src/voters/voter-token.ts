import { createHmac, createSecretKey, type KeyObject, randomBytes, timingSafeEqual } from "node:crypto";
import { sha256hex } from "../history/chain.js";

/**
 * A voter token is `v1.<voter id>.<signature>`: a random id signed by the server (HMAC-SHA256), so a client
 * cannot make one up. Nothing is stored per token; Redis and the audit log only ever see `voterHash(id)`.
 */
const VERSION = "v1";
const TOKEN_PATTERN = /^v1\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;

/** HMAC keys prepared once per secret (a process has one or two): a string key is set up again on every call. */
const keys = new Map<string, KeyObject>();

function sign(secret: string, voterId: string): string {
  let key = keys.get(secret);
  if (!key) {
    key = createSecretKey(Buffer.from(secret, "utf8"));
    keys.set(secret, key);
  }
  return createHmac("sha256", key).update(`${VERSION}.${voterId}`).digest("base64url");
}

export function issueVoterToken(secret: string): string {
  const voterId = randomBytes(16).toString("base64url");
  return `${VERSION}.${voterId}.${sign(secret, voterId)}`;
}

/** The voter id of a well-formed token with a valid signature, else null. */
export function verifyVoterToken(secret: string, token: string): string | null {
  const match = TOKEN_PATTERN.exec(token);
  if (!match) return null;
  const [, voterId, signature] = match as unknown as [string, string, string];
  const expected = Buffer.from(sign(secret, voterId));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected) ? voterId : null;
}

/** What Redis and the audit log keep instead of the voter's id. */
export function voterHash(voterId: string): string {
  return sha256hex(`voter:${voterId}`);
}
