import { type RoundRules, type RoundStatus, votingEnded, votingOpen } from "@lb/common";

/**
 * Where a round stands for a voter right now. The server's status is the organiser's switch; the optional
 * window (opensAt/closesAt) narrows it, and the server does not flip the status when the window passes, so
 * the page works it out from the clock (corrected by the server's) with the same rules the server uses.
 */
export type VotePhase =
  | { kind: "upcoming"; opensAt: string | null }
  | { kind: "open"; closesAt: string | null }
  | { kind: "paused" }
  | { kind: "ended" };

type Window = Pick<RoundRules, "opensAt" | "closesAt">;

export function votePhase(status: RoundStatus, rules: Window, nowMs: number): VotePhase {
  if (votingEnded(status, rules, nowMs)) return { kind: "ended" };
  if (votingOpen(status, rules, nowMs)) return { kind: "open", closesAt: rules.closesAt };
  if (status === "paused") return { kind: "paused" };
  // A draft, or an open round whose window has not started yet.
  const opensAt = rules.opensAt !== null && nowMs < Date.parse(rules.opensAt) ? rules.opensAt : null;
  return { kind: "upcoming", opensAt };
}

/** The next instant at which the phase may change by the clock alone (a window edge), or null. */
export function nextWindowEdge(rules: Window, nowMs: number): number | null {
  const edges = [rules.opensAt, rules.closesAt]
    .filter((edge): edge is string => edge !== null)
    .map((edge) => Date.parse(edge))
    .filter((edge) => edge > nowMs);
  return edges.length > 0 ? Math.min(...edges) : null;
}

/** How far this device's clock is behind the server's, from a view's `serverTime` and when it arrived. */
export function clockOffset(serverTime: string, receivedAtMs: number): number {
  const server = Date.parse(serverTime);
  return Number.isNaN(server) ? 0 : server - receivedAtMs;
}
