import { type Leaderboard, type RoundView, SHOW_LIMITS } from "@lb/common";
import { Countdown } from "./countdown";
import { FrozenBanner } from "./frozen-banner";
import "./show.css";

/** On the voter's phone: the countdown while voting is open, and the "Frozen" note while the board is frozen. */
export function PhoneShow({
  round,
  board,
  offsetMs,
  open,
}: {
  round: RoundView;
  board: Leaderboard | null;
  offsetMs: number;
  /** Voting is open now (the page's phase). */
  open: boolean;
}) {
  const show = board?.show;
  const closesAt = round.rules.closesAt;
  return (
    <>
      {open && closesAt && (
        <Countdown
          closesAt={closesAt}
          offsetMs={offsetMs}
          warnings={show?.countdownWarnings ?? SHOW_LIMITS.defaultCountdownWarnings}
          className="show-countdown-phone"
        />
      )}
      {show?.frozenAt && board && !board.resultsHidden && (
        <FrozenBanner frozenAt={show.frozenAt} className="show-frozen-phone" />
      )}
    </>
  );
}
