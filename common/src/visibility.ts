import type { RoundRules, RoundStatus } from "./schemas.js";

/** Who is looking at a round's results. Only the server decides this, from tokens it can check. */
export type Viewer = { kind: "admin" } | { kind: "screen" } | { kind: "voter"; hasVoted: boolean };

type Window = Pick<RoundRules, "opensAt" | "closesAt">;

/** The round is closed, or its voting window has ended. */
export function votingEnded(status: RoundStatus, rules: Window, nowMs: number): boolean {
  return status === "closed" || (rules.closesAt !== null && nowMs >= Date.parse(rules.closesAt));
}

/** A ballot would be accepted now: the round is open and `nowMs` lies inside its window. */
export function votingOpen(status: RoundStatus, rules: Window, nowMs: number): boolean {
  return (
    status === "open" &&
    (rules.opensAt === null || nowMs >= Date.parse(rules.opensAt)) &&
    (rules.closesAt === null || nowMs < Date.parse(rules.closesAt))
  );
}

/** Whether this viewer may see votes and ranks under the round's rules. */
export function resultsVisible(
  viewer: Viewer,
  rules: Pick<RoundRules, "resultsVisibility" | "screenVisibility">,
  ended: boolean,
): boolean {
  switch (viewer.kind) {
    case "admin":
      return true;
    case "screen":
      return rules.screenVisibility === "always" || ended;
    case "voter":
      switch (rules.resultsVisibility) {
        case "always":
          return true;
        case "afterVote":
          return viewer.hasVoted || ended;
        case "afterClose":
          return ended;
        case "never":
          return false;
      }
  }
}
