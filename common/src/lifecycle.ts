import type { RoundStatus } from "./schemas.js";

/** What an organiser can do to a round's status, and from where. The server enforces it in one Lua script. */
export const ROUND_TRANSITIONS = {
  open: { target: "open", from: ["draft", "paused", "closed"] },
  pause: { target: "paused", from: ["open"] },
  close: { target: "closed", from: ["open", "paused"] },
} as const satisfies Record<string, { target: RoundStatus; from: readonly RoundStatus[] }>;

export type RoundAction = keyof typeof ROUND_TRANSITIONS;

export const ROUND_ACTIONS = Object.keys(ROUND_TRANSITIONS) as RoundAction[];

/** Whether the action changes the round (asking for the status it has already is a harmless no-op). */
export function isActionAllowed(status: RoundStatus, action: RoundAction): boolean {
  return (ROUND_TRANSITIONS[action].from as readonly RoundStatus[]).includes(status);
}
