import { ErrorNotice, Loading } from "../../components/async-view";
import { StatusBadge } from "../../components/status-badge";
import { useDocumentTitle } from "../../components/use-document-title";
import { formatNumber, formatPercent, t } from "../../i18n";
import { api } from "../../lib/api";
import { Link } from "../../lib/router";
import { paths } from "../../lib/routes";
import { useAsync } from "../../lib/use-async";
import { shareOfBallots } from "./board-sync";
import { useLiveLeaderboard } from "./use-live-leaderboard";

export function LeaderboardPage({ roundId }: { roundId: string }) {
  const live = useLiveLeaderboard(roundId);
  // The title comes from the light round list (the full round carries every description); `round:updated`
  // replaces it live.
  const rounds = useAsync((signal) => api.listRounds(signal), []);
  const listed = rounds.state.status === "done" ? rounds.state.value.find((round) => round.id === roundId) : undefined;
  const summary = live.round ?? listed;
  useDocumentTitle(summary ? `${summary.title} · ${t("board.heading")}` : t("board.heading"));

  if (live.error?.code === "ROUND_NOT_FOUND") {
    return (
      <section className="notice">
        <h1>{t("vote.notFound.title")}</h1>
        <p>{t("vote.notFound.body", { id: roundId })}</p>
      </section>
    );
  }

  const { board } = live;
  return (
    <article className="board">
      <header className="page-header">
        <h1>
          {summary?.title ?? roundId}
          <span className="page-subtitle">{t("board.heading")}</span>
        </h1>
        {board && <StatusBadge status={board.status} />}
      </header>
      <p className="board-meta">
        <span className={`connection connection-${live.connection}`} role="status">
          {t(`board.connection.${live.connection}`)}
        </span>
        {board && <span>{t("board.ballots", { count: formatNumber(board.totalBallots) })}</span>}
        <Link href={paths.vote(roundId)}>{t("board.vote")}</Link>
      </p>
      {live.error && <ErrorNotice error={live.error} />}
      {board === null ? (
        !live.error && <Loading />
      ) : (
        <>
          <table className="board-table">
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
              {board.entries.map((entry) => {
                const share = shareOfBallots(entry.votes, board.totalBallots);
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
      )}
    </article>
  );
}
