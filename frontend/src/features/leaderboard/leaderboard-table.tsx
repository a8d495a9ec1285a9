import type { LeaderboardEntry, ResultsVisibility } from "@lb/common";
import type { MessageKey } from "../../i18n";
import { formatNumber, formatPercent, t } from "../../i18n";
import { shareOfBallots } from "./board-sync";

/** Rank, number, title, votes and share of ballots: the live leaderboard page and the vote page's tab. */
export function LeaderboardTable({
  entries,
  totalBallots,
  caption,
}: {
  entries: readonly LeaderboardEntry[];
  totalBallots: number;
  caption?: string;
}) {
  return (
    <>
      <table className="board-table">
        {caption && <caption>{caption}</caption>}
        <thead>
          <tr>
            <th scope="col" className="narrow">
              {t("board.col.rank")}
            </th>
            <th scope="col" className="narrow">
              {t("board.col.number")}
            </th>
            <th scope="col">{t("board.col.option")}</th>
            <th scope="col" className="numeric">
              {t("board.col.votes")}
            </th>
            <th scope="col" className="numeric">
              {t("board.col.share")}
            </th>
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) => {
            const share = shareOfBallots(entry.votes, totalBallots);
            return (
              <tr key={entry.optionId}>
                <td className="narrow rank">{entry.rank}</td>
                <td className="narrow number">{entry.number}</td>
                <td>
                  <span className="entry-title">{entry.title}</span>
                  <span className="bar" aria-hidden="true">
                    <span className="bar-fill" style={{ width: `${Math.min(share, 1) * 100}%` }} />
                  </span>
                </td>
                <td className="numeric">{formatNumber(entry.votes)}</td>
                <td className="numeric">{formatPercent(share)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p className="muted">{t("board.shareHint")}</p>
    </>
  );
}

/** Said instead of the table when the round's rules hide the results from this viewer (`resultsHidden`). */
export function ResultsHidden({ visibility }: { visibility: ResultsVisibility | undefined }) {
  const key: MessageKey =
    visibility === "afterVote"
      ? "board.hidden.afterVote"
      : visibility === "never"
        ? "board.hidden.never"
        : "board.hidden.afterClose";
  return (
    <p className="notice" role="status">
      {t(key)}
    </p>
  );
}
