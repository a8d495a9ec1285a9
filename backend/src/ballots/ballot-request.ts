import {
  type BallotRequest,
  BallotRequestSchema,
  IDEMPOTENCY_KEY_PATTERN,
  LIMITS,
  OPTION_ID_PATTERN,
} from "@lb/common";
import { parseBody } from "../http/validate.js";

/**
 * A ballot's body as `BallotRequestSchema` parses it. The plain body every voter page sends (choices, an
 * idempotency key, sinceLoadMs) is checked by hand against the schema's own patterns and limits: zod's generic
 * walk cost more CPU per ballot than the check itself (issue 8). Anything else (a ticket, a challenge, any body the
 * schema refuses) goes through the schema, so that every refusal keeps the schema's own message.
 */
export function parseBallotRequest(body: unknown): BallotRequest {
  return plainBallot(body) ?? parseBody(BallotRequestSchema, body);
}

/** The plain ballot, exactly as the schema would give it back; null for anything the schema should look at. */
function plainBallot(body: unknown): BallotRequest | null {
  if (typeof body !== "object" || body === null || Object.getPrototypeOf(body) !== Object.prototype) return null;
  const { choices, idempotencyKey, sinceLoadMs } = body as Record<string, unknown>;
  if (!Array.isArray(choices) || choices.length < 1 || choices.length > LIMITS.maxOptions) return null;
  for (const choice of choices) {
    if (typeof choice !== "string" || choice.length > LIMITS.optionIdMaxLength || !OPTION_ID_PATTERN.test(choice)) {
      return null;
    }
  }
  const ballot: BallotRequest = { choices: choices as string[] };
  let fields = 1;
  if (idempotencyKey !== undefined) {
    if (
      typeof idempotencyKey !== "string" ||
      idempotencyKey.length > LIMITS.idempotencyKeyMaxLength ||
      !IDEMPOTENCY_KEY_PATTERN.test(idempotencyKey)
    ) {
      return null;
    }
    ballot.idempotencyKey = idempotencyKey;
    fields += 1;
  }
  if (sinceLoadMs !== undefined) {
    if (!Number.isSafeInteger(sinceLoadMs) || (sinceLoadMs as number) < 0) return null;
    if ((sinceLoadMs as number) > LIMITS.sinceLoadMaxMs) return null;
    ballot.sinceLoadMs = sinceLoadMs as number;
    fields += 1;
  }
  // Any other key (ticket, challenge, an unknown one, one set to undefined): the schema decides.
  return Object.keys(body).length === fields ? ballot : null;
}
