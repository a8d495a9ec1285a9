import { LIMITS, ROUND_ID_PATTERN } from "@lb/common";
import type { z } from "zod";
import { AppError } from "./app-error.js";

/** Parses a request body with a zod schema; the message names the first offending field. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
  throw new AppError("INVALID_BODY", `${where}${issue?.message ?? "invalid body"}`);
}

export function parseQuery<S extends z.ZodType>(schema: S, query: unknown): z.infer<S> {
  const result = schema.safeParse(query);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new AppError("INVALID_QUERY", `${issue?.path.join(".") ?? "query"}: ${issue?.message ?? "invalid"}`);
}

/**
 * A route's round id: anything that is not a valid slug cannot name a round. `RoundIdSchema`'s checks, by hand:
 * every ballot passes here, and zod's walk cost more than the check (issue 8).
 */
export function roundIdParam(value: string | string[] | undefined): string {
  if (typeof value !== "string" || value.length > LIMITS.roundIdMaxLength || !ROUND_ID_PATTERN.test(value)) {
    throw new AppError("ROUND_NOT_FOUND", "No round has this id.");
  }
  return value;
}
