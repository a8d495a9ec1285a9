import type { Option } from "@lb/common";
import { describe, expect, it } from "vitest";
import { canSubmit, choicesInOptionOrder, isPickDisabled, toggleChoice } from "./selection";

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
  it("needs voting to be open", () => {
    expect(canSubmit(["a", "b"], rules, false)).toEqual({ ok: false, reason: "notOpen" });
  });

  it("needs at least the minimum and at most the maximum", () => {
    expect(canSubmit(["a"], rules, true)).toEqual({ ok: false, reason: "tooFew", min: 2, count: 1 });
    expect(canSubmit(["a", "b"], rules, true)).toEqual({ ok: true });
    expect(canSubmit(["a", "b", "c"], rules, true)).toEqual({ ok: true });
    expect(canSubmit(["a", "b", "c", "d"], rules, true)).toEqual({ ok: false, reason: "tooMany", max: 3, count: 4 });
  });
});
