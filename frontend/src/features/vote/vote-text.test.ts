import { describe, expect, it } from "vitest";
import { descriptionStatesMax } from "./vote-text";

describe("descriptionStatesMax", () => {
  it("knows a description that already states the most a voter may pick", () => {
    expect(descriptionStatesMax("选出您喜欢的典型案例,最多选择15项", 15)).toBe(true);
    expect(descriptionStatesMax("请投票。\n每人限选 3 项", 3)).toBe(true);
    expect(descriptionStatesMax("Pick your favourites: choose up to 5.", 5)).toBe(true);
  });

  it("does not take another number, or a number without a word of choosing, for the rule", () => {
    expect(descriptionStatesMax("选出您喜欢的典型案例,最多选择15项", 10)).toBe(false);
    expect(descriptionStatesMax("最多选择150项", 15)).toBe(false);
    expect(descriptionStatesMax("15 个口岸参与评选。", 15)).toBe(false);
    expect(descriptionStatesMax("", 15)).toBe(false);
  });
});
