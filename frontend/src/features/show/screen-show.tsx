import { type Leaderboard, type RoundSummary, SHOW_LIMITS } from "@lb/common";
import { type ReactNode, useEffect, useRef } from "react";
import { Countdown, useServerOffset } from "./countdown";
import { FrozenBanner } from "./frozen-banner";
import { Podium } from "./podium";
import { tshow } from "./show-messages";
import "./show.css";

/** The projector's countdown to `closesAt` while voting is open (nothing otherwise). */
export function ScreenCountdown({ summary, board }: { summary: RoundSummary | undefined; board: Leaderboard | null }) {
  const offset = useServerOffset(summary?.serverTime);
  const closesAt = summary?.rules.closesAt ?? null;
  if (!closesAt || board?.status !== "open") return null;
  const warnings = board.show?.countdownWarnings ?? SHOW_LIMITS.defaultCountdownWarnings;
  return <Countdown closesAt={closesAt} offsetMs={offset} warnings={warnings} className="show-countdown-screen" />;
}

/**
 * What the show puts in the screen's body instead of (or around) the board: the calm "results hidden" card while
 * the organiser's switch is on, the podium after the reveal, and the frozen or revealing board (the server sends
 * its entries; the board's own row motion makes the resolved row climb) with its banner and the row just resolved
 * highlighted. Otherwise the board as it is (`children`).
 */
export function ScreenShowBody({ board, children }: { board: Leaderboard | null; children: ReactNode }) {
  const frame = useRef<HTMLDivElement>(null);
  const show = board?.show;
  const current = show?.reveal?.current ?? null;
  useEffect(() => {
    const root = frame.current;
    if (!root) return;
    for (const row of root.querySelectorAll<HTMLElement>("[data-option]")) {
      row.classList.toggle("show-current", row.dataset.option === current);
    }
  });
  if (!board || !show) return <>{children}</>;
  if (board.resultsHidden && show.screenResultsHidden) {
    return (
      <section className="show-hidden-card" data-testid="screen-results-hidden" role="status">
        <h2>{tshow("show.hidden.title")}</h2>
        <p>{tshow("show.hidden.body")}</p>
      </section>
    );
  }
  if (board.resultsHidden || show.frozenAt === null) return <>{children}</>;
  if (show.reveal?.podium) return <Podium entries={board.entries} />;
  return (
    <div
      ref={frame}
      className="show-frozen"
      data-testid="show-frozen"
      data-reveal-step={show.reveal?.step ?? ""}
      data-reveal-current={current ?? ""}
    >
      {show.reveal ? (
        <p className="show-reveal-banner" role="status">
          <strong>{tshow("show.reveal.title")}</strong>{" "}
          {tshow("show.reveal.step", { step: show.reveal.step, steps: show.reveal.steps })}
        </p>
      ) : (
        <FrozenBanner frozenAt={show.frozenAt} />
      )}
      {children}
    </div>
  );
}
