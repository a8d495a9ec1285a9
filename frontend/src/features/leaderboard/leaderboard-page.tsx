import type { ExcludedSummary } from "@lb/common";
import { ErrorNotice, Loading } from "../../components/async-view";
import { StatusBadge } from "../../components/status-badge";
import { useDocumentTitle } from "../../components/use-document-title";
import { formatNumber, t } from "../../i18n";
import { api } from "../../lib/api";
import { Link } from "../../lib/router";
import { paths } from "../../lib/routes";
import { useAsync } from "../../lib/use-async";
import { FrozenBanner } from "../show/frozen-banner";
import { LeaderboardTable, ResultsHidden } from "./leaderboard-table";
import { useLiveLeaderboard } from "./use-live-leaderboard";

export function LeaderboardPage({ roundId }: { roundId: string }) {
  const live = useLiveLeaderboard(roundId, { view: "board" });
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
      {board?.excluded && <ExcludedNote excluded={board.excluded} />}
      {/* The show (features/show): standings frozen before the reveal. */}
      {board?.show?.frozenAt && !board.resultsHidden && <FrozenBanner frozenAt={board.show.frozenAt} />}
      {live.error && <ErrorNotice error={live.error} />}
      {board === null ? (
        !live.error && <Loading />
      ) : board.resultsHidden ? (
        <ResultsHidden visibility={summary?.rules.resultsVisibility} />
      ) : (
        <LeaderboardTable entries={board.entries} totalBallots={board.totalBallots} />
      )}
    </article>
  );
}

/** Ballots the organiser took out of the count, and why: the board says so rather than shrink silently. */
function ExcludedNote({ excluded }: { excluded: ExcludedSummary }) {
  return (
    <div className="notice board-excluded" data-testid="board-excluded">
      <p>{t("board.excluded", { count: formatNumber(excluded.ballots) })}</p>
      <ul>
        {excluded.reasons.map((row) => (
          <li key={row.reason}>
            {t("board.excludedReason", { reason: row.reason, count: formatNumber(row.ballots) })}
          </li>
        ))}
      </ul>
    </div>
  );
}
