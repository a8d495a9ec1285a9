import { type Leaderboard, type RoundView, SHOW_LIMITS } from "@lb/common";
import { useState } from "react";
import { t } from "../../i18n";
import { adminApi, asApiRequestError } from "../../lib/api";
import { useSession } from "../admin/admin-session";
import { Countdown, useServerOffset } from "./countdown";
import { showApi } from "./show-api";
import { tshow } from "./show-messages";
import "./show.css";

/** Minutes the "add time" buttons add to `closesAt`. */
const ADD_MINUTES = [1, 5] as const;
/** Reveal paces offered (seconds between steps once the organiser took the first); 0: by hand. */
const PACES = [0, 3, 5, 10, 20] as const;

/**
 * The console's show controls: add time, hide results on screens, freeze, the reveal's next step. The state shown
 * is the organiser's live board's `show` (it follows the server's notices); every button is one organiser call.
 */
export function ShowControls({ round, board }: { round: RoundView; board: Leaderboard | null }) {
  const session = useSession();
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const offset = useServerOffset(round.serverTime);
  const show = board?.epoch === round.epoch ? board.show : undefined;
  const status = board?.epoch === round.epoch ? board.status : round.status;
  const frozen = show?.frozenAt ?? null;
  const reveal = show?.reveal ?? null;
  const closesAt = round.rules.closesAt;

  async function run(action: () => Promise<unknown>) {
    setBusy(true);
    setMessage(null);
    try {
      await action();
    } catch (caught) {
      session.handleError(caught);
      setMessage(t(`error.${asApiRequestError(caught).code}`));
    } finally {
      setBusy(false);
    }
  }

  // From the later of the current closing time and now (by the server's clock): time added always counts.
  const addTime = (minutes: number) =>
    run(() => {
      const now = Date.now() + offset;
      const from = closesAt ? Math.max(Date.parse(closesAt), now) : now;
      const next = new Date(from + minutes * 60_000).toISOString();
      return adminApi.updateRound(round.id, { rules: { closesAt: next } }, session.token);
    });

  return (
    <section className="show-controls" aria-label={tshow("show.controls.heading")} data-testid="show-controls">
      <h3>{tshow("show.controls.heading")}</h3>
      <p className="muted">
        {closesAt
          ? tshow("show.controls.closesAt", { time: new Date(closesAt).toLocaleTimeString() })
          : tshow("show.controls.noClose")}{" "}
        {closesAt && status === "open" && (
          <Countdown
            closesAt={closesAt}
            offsetMs={offset}
            warnings={show?.countdownWarnings ?? SHOW_LIMITS.defaultCountdownWarnings}
          />
        )}
      </p>
      <div className="actions">
        {ADD_MINUTES.map((minutes) => (
          <button
            key={minutes}
            type="button"
            className="button"
            disabled={busy || round.archived}
            onClick={() => addTime(minutes)}
          >
            {tshow("show.controls.addTime", { minutes })}
          </button>
        ))}
        <button
          type="button"
          className="button"
          aria-pressed={show?.screenResultsHidden ?? false}
          disabled={busy || round.archived}
          onClick={() => run(() => showApi.setScreenResultsHidden(round.id, !show?.screenResultsHidden, session.token))}
        >
          {tshow(show?.screenResultsHidden ? "show.controls.unhide" : "show.controls.hide")}
        </button>
        {frozen ? (
          <button
            type="button"
            className="button button-secondary"
            disabled={busy}
            onClick={() => run(() => showApi.unfreeze(round.id, session.token))}
          >
            {tshow("show.controls.unfreeze")}
          </button>
        ) : (
          <button
            type="button"
            className="button"
            disabled={busy || (status !== "open" && status !== "paused")}
            onClick={() => run(() => showApi.freeze(round.id, session.token))}
          >
            {tshow("show.controls.freeze")}
          </button>
        )}
        <button
          type="button"
          className="button button-primary"
          disabled={busy || !reveal || reveal.podium}
          onClick={() => run(() => showApi.revealNext(round.id, session.token))}
        >
          {tshow("show.controls.revealNext")}
        </button>
      </div>
      <label className="inline-fields">
        {tshow("show.controls.pace")}{" "}
        <select
          value={show?.revealPaceSeconds ?? 0}
          disabled={busy || round.archived}
          onChange={(event) => {
            const seconds = Number(event.target.value);
            run(() => showApi.settings(round.id, { revealPaceSeconds: seconds === 0 ? null : seconds }, session.token));
          }}
        >
          {PACES.map((seconds) => (
            <option key={seconds} value={seconds}>
              {seconds === 0 ? tshow("show.controls.paceManual") : tshow("show.controls.paceEvery", { seconds })}
            </option>
          ))}
        </select>
      </label>
      <p className="muted" role="status" data-testid="show-state">
        {frozen && tshow("show.controls.frozenSince", { time: new Date(frozen).toLocaleTimeString() })}{" "}
        {reveal
          ? reveal.podium
            ? tshow("show.controls.podium")
            : tshow("show.controls.revealAt", { step: reveal.step, steps: reveal.steps })
          : frozen
            ? tshow("show.controls.revealWaits")
            : ""}
      </p>
      {message && (
        <p className="notice notice-error" role="alert">
          {message}
        </p>
      )}
    </section>
  );
}
