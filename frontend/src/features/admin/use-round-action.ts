import type { Leaderboard, RoundAction, RoundView } from "@lb/common";
import { useState } from "react";
import { t } from "../../i18n";
import { api, asApiRequestError } from "../../lib/api";
import { ta } from "./admin-messages";
import { useSession } from "./admin-session";

/** What an organiser's action said: its outcome, translated, or the translated error code. */
export type ActionMessage = { ok: boolean; text: string };

/**
 * Running the organiser's actions on a round (the console's action bar, the phone remote): one at a time
 * (`busy`), the outcome as a message, `onChanged` after a success so the caller reads the round again.
 */
export function useRoundAction(roundId: string, onChanged: () => void) {
  const session = useSession();
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<ActionMessage | null>(null);

  /** Runs `action`, which answers the message to show on success. */
  async function run(action: () => Promise<string>): Promise<void> {
    setBusy(true);
    setMessage(null);
    try {
      setMessage({ ok: true, text: await action() });
      onChanged();
    } catch (caught) {
      session.handleError(caught);
      setMessage({ ok: false, text: t(`error.${asApiRequestError(caught).code}`) });
    } finally {
      setBusy(false);
    }
  }

  /** A lifecycle step (open, pause, close), answered with the status the round is in now. */
  const change = (action: RoundAction) =>
    run(async () => {
      const view = await api.changeRoundStatus(roundId, action, session.token);
      return ta("admin.action.done", { status: t(`status.${view.status}`) });
    });

  return { busy, message, run, change, token: session.token };
}

/** The round as the server sent it, with its status and total kept live from the socket's board of the same epoch. */
export function withLiveBoard<R extends RoundView>(view: R, board: Leaderboard | null): R {
  return board?.epoch === view.epoch ? { ...view, status: board.status, totalBallots: board.totalBallots } : view;
}
