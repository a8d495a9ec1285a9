import { BallotRequestSchema, LIMITS } from "@lb/common";
import { describe, expect, it } from "vitest";
import { AppError } from "../http/app-error.js";
import { parseBallotRequest } from "./ballot-request.js";

/** What the schema itself answers: the parsed ballot, or the AppError parseBody throws. */
function viaSchema(body: unknown) {
  const result = BallotRequestSchema.safeParse(body);
  return result.success ? { ok: result.data } : { error: true };
}

function viaFastCheck(body: unknown) {
  try {
    return { ok: parseBallotRequest(body) };
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("INVALID_BODY");
    return { error: true };
  }
}

const long = (n: number) => "a".repeat(n);
const bodies: unknown[] = [
  { choices: ["1"] },
  { choices: ["1", "2", "x_y-Z"], idempotencyKey: "k-1.a:b_c" },
  { choices: ["1"], idempotencyKey: "k", sinceLoadMs: 0 },
  { choices: ["1"], sinceLoadMs: LIMITS.sinceLoadMaxMs },
  { choices: ["1"], sinceLoadMs: LIMITS.sinceLoadMaxMs + 1 },
  { choices: ["1"], sinceLoadMs: -1 },
  { choices: ["1"], sinceLoadMs: 1.5 },
  { choices: ["1"], sinceLoadMs: "5" },
  { choices: ["1"], sinceLoadMs: null },
  { choices: ["1"], sinceLoadMs: 2 ** 60 },
  { choices: [] },
  { choices: [1] },
  { choices: ["1", null] },
  { choices: ["a b"] },
  { choices: [""] },
  { choices: [long(LIMITS.optionIdMaxLength)] },
  { choices: [long(LIMITS.optionIdMaxLength + 1)] },
  { choices: Array.from({ length: LIMITS.maxOptions }, (_, i) => String(i)) },
  { choices: Array.from({ length: LIMITS.maxOptions + 1 }, (_, i) => String(i)) },
  { choices: ["1", "1"] },
  { choices: "1" },
  { choices: ["1"], idempotencyKey: "" },
  { choices: ["1"], idempotencyKey: "k/1" },
  { choices: ["1"], idempotencyKey: 7 },
  { choices: ["1"], idempotencyKey: long(LIMITS.idempotencyKeyMaxLength) },
  { choices: ["1"], idempotencyKey: long(LIMITS.idempotencyKeyMaxLength + 1) },
  { choices: ["1"], idempotencyKey: undefined },
  { choices: ["1"], extra: true },
  { choices: ["1"], ticket: "abcd-efgh jkmn" },
  { choices: ["1"], ticket: "ABCD-EFGH-JKM0" },
  { choices: ["1"], challenge: { algorithm: "SHA-256" } },
  JSON.parse('{"choices":["1"],"__proto__":{"x":1}}'),
  {},
  [],
  [["1"]],
  null,
  undefined,
  "choices",
  42,
];

describe("parseBallotRequest", () => {
  it("accepts and refuses exactly what BallotRequestSchema does, with the same result", () => {
    for (const body of bodies) {
      expect(viaFastCheck(body), JSON.stringify(body)?.slice(0, 80)).toEqual(viaSchema(body));
    }
  });

  it("keeps the schema's own message for a refused body", () => {
    expect(() => parseBallotRequest({ choices: ["1"], idempotencyKey: "" })).toThrow(/^idempotencyKey: /);
    expect(() => parseBallotRequest({ choices: ["1"], extra: 1 })).toThrow(/extra/);
  });
});
