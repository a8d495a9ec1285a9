import type { RoundView, ShowState } from "@lb/common";
import { showApi } from "../show/show-api";
import { ta } from "./admin-messages";

/** The round as the remote holds it: the view, with status and total kept live, and the show's state. */
export type RemoteRound = RoundView & { show?: ShowState | undefined };

/**
 * A button of the host's phone remote beyond the round's own lifecycle (open, pause, close, add time, which the
 * remote always has). Each is shown only while `available` says the server offers it for this round, so a
 * remote never shows a button whose API is missing.
 */
export interface RemoteAction {
  /** Stable id, also the button's `data-remote` attribute (browser specs find it by that). */
  id: string;
  /** The button's text in the console's language (use `ta` with a key of admin-messages.ts). */
  label: (round: RemoteRound) => string;
  /** Feature-detect from the round view: e.g. `"resultsHidden" in round` once show-live adds that field. */
  available: (round: RemoteRound) => boolean;
  /** Does it; the remote reloads the round afterwards and shows a failure's translated code. */
  run: (round: RemoteRound, adminToken: string) => Promise<unknown>;
  /** Asked again before it runs (like Close), with this text. */
  confirm?: (round: RemoteRound) => string;
}

/**
 * The extra buttons, in order: the show's live switches (features/show). "Next round" of an event is not here:
 * a round does not know its event; the console's Events section moves an event on.
 */
export const REMOTE_ACTIONS: RemoteAction[] = [
  {
    id: "screen-results",
    label: (round) => ta(round.show?.screenResultsHidden ? "admin.remote.showResults" : "admin.remote.hideResults"),
    available: () => true,
    run: (round, token) => showApi.setScreenResultsHidden(round.id, !round.show?.screenResultsHidden, token),
  },
  {
    id: "freeze",
    label: (round) => ta(round.show?.frozenAt ? "admin.remote.unfreeze" : "admin.remote.freeze"),
    // Freezing needs voting going on; a frozen board can be thawed whatever the status.
    available: (round) => Boolean(round.show?.frozenAt) || round.status === "open" || round.status === "paused",
    run: (round, token) => (round.show?.frozenAt ? showApi.unfreeze(round.id, token) : showApi.freeze(round.id, token)),
  },
  {
    id: "reveal-next",
    label: () => ta("admin.remote.revealNext"),
    available: (round) => round.status === "closed" && Boolean(round.show?.frozenAt),
    run: (round, token) => showApi.revealNext(round.id, token),
  },
];
