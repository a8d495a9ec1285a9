import { describe, expect, it } from "vitest";
import { isActionAllowed, ROUND_ACTIONS } from "./lifecycle.js";

const allowedFrom = (status: Parameters<typeof isActionAllowed>[0]) =>
  ROUND_ACTIONS.filter((action) => isActionAllowed(status, action));

describe("isActionAllowed", () => {
  it("follows the round lifecycle", () => {
    expect(allowedFrom("draft")).toEqual(["open"]);
    expect(allowedFrom("open")).toEqual(["pause", "close"]);
    expect(allowedFrom("paused")).toEqual(["open", "close"]);
    expect(allowedFrom("closed")).toEqual(["open"]);
  });
});
