import type { RoundView } from "@lb/common";

/**
 * A button of the host's phone remote beyond the round's own lifecycle (open, pause, close, add time, which the
 * remote always has). Each is shown only while `available` says the server offers it for this round, so a
 * remote never shows a button whose API is missing.
 */
export interface RemoteAction {
  /** Stable id, also the button's `data-remote` attribute (browser specs find it by that). */
  id: string;
  /** The button's text in the console's language (use `ta` with a key of admin-messages.ts). */
  label: (round: RoundView) => string;
  /** Feature-detect from the round view: e.g. `"resultsHidden" in round` once show-live adds that field. */
  available: (round: RoundView) => boolean;
  /** Does it; the remote reloads the round afterwards and shows a failure's translated code. */
  run: (round: RoundView, adminToken: string) => Promise<unknown>;
  /** Asked again before it runs (like Close), with this text. */
  confirm?: (round: RoundView) => string;
}

/**
 * The extra buttons, in order. To add one after the merge, append an entry here, e.g. (show-live):
 *
 *   {
 *     id: "hide-results",
 *     label: (round) => ta(round.resultsHidden ? "admin.remote.showResults" : "admin.remote.hideResults"),
 *     available: (round) => "resultsHidden" in round,
 *     run: (round, token) => adminApi.setResultsHidden(round.id, !round.resultsHidden, token),
 *   },
 *
 * PLACEHOLDERS for the coordinator to wire (their APIs are built by other packages):
 * - show-live: hide / show results on screens, freeze, next reveal step;
 * - show-events: next round (the event's current round moves on; the remote then follows `paths.remote(next)`).
 */
export const REMOTE_ACTIONS: RemoteAction[] = [];
