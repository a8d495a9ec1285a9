import { LIMITS, RoundIdSchema } from "@lb/common";
import { describe, expect, it } from "vitest";
import { roundIdParam } from "./validate.js";

describe("roundIdParam", () => {
  // Checked by hand for speed: it must take exactly what RoundIdSchema takes.
  const samples: (string | string[] | undefined)[] = [
    "demo",
    "qingdao-2021",
    "0-start-with-digit",
    "a".repeat(LIMITS.roundIdMaxLength),
    "a".repeat(LIMITS.roundIdMaxLength + 1),
    "-leading-dash",
    "Upper",
    "under_score",
    "dot.dot",
    "",
    "trailing\n",
    "é",
    ["demo"],
    undefined,
  ];
  it.each(samples.map((sample) => [JSON.stringify(sample), sample]))("agrees with RoundIdSchema on %s", (_, sample) => {
    const schema = RoundIdSchema.safeParse(sample);
    if (schema.success) expect(roundIdParam(sample)).toBe(schema.data);
    else expect(() => roundIdParam(sample)).toThrow(expect.objectContaining({ code: "ROUND_NOT_FOUND" }));
  });
});
