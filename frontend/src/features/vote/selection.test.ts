import { IdempotencyKeySchema, type Option } from "@lb/common";
import { describe, expect, it } from "vitest";
import {
  attemptFor,
  canSubmit,
  choicesInOptionOrder,
  isPickDisabled,
  newIdempotencyKey,
  toggleChoice,
} from "./selection";

const rules = { minChoices: 2, maxChoices: 3 };

describe("toggleChoice", () => {
  it("ticks and unticks", () => {
    const one = toggleChoice([], "a", rules);
    expect(one).toEqual(["a"]);
    expect(toggleChoice(one, "b", rules)).toEqual(["a", "b"]);
    expect(toggleChoice(["a", "b"], "a", rules)).toEqual(["b"]);
  });

  it("refuses a pick beyond the maximum but still allows unticking", () => {
    const full = ["a", "b", "c"];
    expect(toggleChoice(full, "d", rules)).toBe(full);
    expect(toggleChoice(full, "b", rules)).toEqual(["a", "c"]);
  });
});

describe("isPickDisabled", () => {
  it("disables only unticked options, and only at the maximum", () => {
    expect(isPickDisabled(["a", "b"], "d", rules)).toBe(false);
    expect(isPickDisabled(["a", "b", "c"], "d", rules)).toBe(true);
    expect(isPickDisabled(["a", "b", "c"], "a", rules)).toBe(false);
  });
});

describe("choicesInOptionOrder", () => {
  const option = (id: string, number: number): Option => ({ id, number, title: id, description: "" });
  const options = [option("x", 1), option("y", 2), option("z", 3)];

  it("orders picks as the options are ordered and drops ids the round no longer has", () => {
    expect(choicesInOptionOrder(options, ["z", "gone", "x"])).toEqual(["x", "z"]);
    expect(choicesInOptionOrder(options, [])).toEqual([]);
  });
});

describe("canSubmit", () => {
  it("needs an open round", () => {
    for (const status of ["draft", "paused", "closed"] as const) {
      expect(canSubmit(["a", "b"], rules, status)).toEqual({ ok: false, reason: "notOpen" });
    }
  });

  it("needs at least the minimum and at most the maximum", () => {
    expect(canSubmit(["a"], rules, "open")).toEqual({ ok: false, reason: "tooFew", min: 2, count: 1 });
    expect(canSubmit(["a", "b"], rules, "open")).toEqual({ ok: true });
    expect(canSubmit(["a", "b", "c"], rules, "open")).toEqual({ ok: true });
    expect(canSubmit(["a", "b", "c", "d"], rules, "open")).toEqual({ ok: false, reason: "tooMany", max: 3, count: 4 });
  });
});

describe("attemptFor", () => {
  let counter = 0;
  const newKey = () => `key-${++counter}`;

  it("reuses the key when the same picks are retried", () => {
    const first = attemptFor(null, ["a", "b"], newKey);
    expect(attemptFor(first, ["a", "b"], newKey)).toBe(first);
  });

  it("makes a new key when the picks change", () => {
    const first = attemptFor(null, ["a", "b"], newKey);
    const changed = attemptFor(first, ["a", "c"], newKey);
    expect(changed.idempotencyKey).not.toBe(first.idempotencyKey);
    expect(changed.choices).toEqual(["a", "c"]);
    expect(attemptFor(first, ["a", "b", "c"], newKey).idempotencyKey).not.toBe(first.idempotencyKey);
  });
});

describe("newIdempotencyKey", () => {
  it("makes distinct keys the server accepts", () => {
    const keys = new Set(Array.from({ length: 50 }, newIdempotencyKey));
    expect(keys.size).toBe(50);
    for (const key of keys) expect(IdempotencyKeySchema.safeParse(key).success).toBe(true);
  });
});
