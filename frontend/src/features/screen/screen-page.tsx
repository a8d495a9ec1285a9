import type { LeaderboardEntry, RoundStatus } from "@lb/common";
import { memo, useEffect, useMemo, useRef, useState } from "react";
import { QrCode } from "../../components/qr-code";
import { useDocumentTitle } from "../../components/use-document-title";
import { formatNumber, t } from "../../i18n";
import { api } from "../../lib/api";
import { paths } from "../../lib/routes";
import { useAsync } from "../../lib/use-async";
import { useLiveLeaderboard } from "../leaderboard/use-live-leaderboard";
import { ScreenCountdown, ScreenShowBody } from "../show/screen-show";
import { CountUp } from "./count-up";
import { ScreenBoard } from "./screen-board";
import { ts } from "./screen-messages";
import { parseScreenOptions, type RestPage, restPages, type ScreenTheme } from "./screen-options";
import "./screen.css";

/** Seconds each page of the compact list stays up. */
const PAGE_MS = 8_000;
/** How long the "reset" banner stays after the counts go back to zero. */
const RESET_BANNER_MS = 3_500;

/** The projector screen: `/r/<id>/screen?key=<screen key>[&top=N][&theme=dark|light]`. */
export function ScreenPage({ roundId }: { roundId: string }) {
  const options = useMemo(() => parseScreenOptions(window.location.search), []);
  if (!options.screenKey) return <ScreenProblem theme={options.theme} title={ts("screen.key.title")} />;
  return <LiveScreen roundId={roundId} screenKey={options.screenKey} top={options.top} theme={options.theme} />;
}

function ScreenProblem({ theme, title, body }: { theme: ScreenTheme; title: string; body?: string }) {
  useDocumentTitle(title);
  return (
    <div className={`screen screen-${theme} screen-problem`} role="alert">
      <h1>{title}</h1>
      <p>{body ?? ts("screen.key.body")}</p>
    </div>
  );
}

function LiveScreen({
  roundId,
  screenKey,
  top,
  theme,
}: {
  roundId: string;
  screenKey: string;
  top: number;
  theme: ScreenTheme;
}) {
  const live = useLiveLeaderboard(roundId, { view: "screen", screenKey });
  // The title comes from the light round list; `round:updated` replaces it live.
  const rounds = useAsync((signal) => api.listRounds(signal), []);
  const listed = rounds.state.status === "done" ? rounds.state.value.find((round) => round.id === roundId) : undefined;
  const summary = live.round ?? listed;
  const { board } = live;
  // Unknown until the first snapshot: the screen shows no state rather than a wrong one.
  const status: RoundStatus | undefined = board?.status;
  const resetBanner = useResetBanner(board?.epoch);
  useDocumentTitle(summary?.title);

  if (live.error?.code === "INVALID_SCREEN_KEY") return <ScreenProblem theme={theme} title={ts("screen.key.title")} />;
  if (live.error?.code === "ROUND_NOT_FOUND") {
    return (
      <ScreenProblem theme={theme} title={t("vote.notFound.title")} body={ts("screen.notFound", { id: roundId })} />
    );
  }

  const entries = board?.entries ?? [];
  const hidden = board?.resultsHidden ?? false;
  const showQr = status !== "closed";
  // With the QR code gone (voting closed) the compact list has the whole column.
  const pages = restPages(entries, top, showQr ? 8 : 18);
  const totalVotes = entries.reduce((sum, entry) => sum + entry.votes, 0);
  const voteUrl = new URL(paths.vote(roundId), window.location.origin);
  const hasAside = showQr || pages.length > 0;

  return (
    <div
      className={`screen screen-${theme} screen-status-${status ?? "unknown"}${hasAside ? "" : " screen-wide"}`}
      data-status={status}
      data-epoch={board?.epoch}
      data-results-hidden={hidden}
    >
      <header className="screen-header">
        <h1 className="screen-round-title">{summary?.title ?? roundId}</h1>
        <p className="screen-state">
          {status && <span className={`screen-pill screen-pill-${status}`}>{ts(`screen.status.${status}`)}</span>}
          {board && board.totalBallots === 0 && status === "open" && (
            <span className="screen-hint">{ts("screen.noBallots")}</span>
          )}
          {/* The show (features/show): countdown to closesAt. */}
          <ScreenCountdown summary={summary} board={board} />
          <span className={`screen-connection screen-connection-${live.connection}`} role="status">
            {t(`board.connection.${live.connection}`)}
          </span>
        </p>
        <dl className="screen-figures">
          <div>
            <dt>{ts("screen.voters")}</dt>
            <dd>
              <CountUp value={board?.totalBallots ?? 0} className="screen-figure" />
            </dd>
          </div>
          {!hidden && (
            <div>
              <dt>{ts("screen.votes")}</dt>
              <dd>
                <CountUp value={totalVotes} className="screen-figure" />
              </dd>
            </div>
          )}
        </dl>
      </header>

      <main className="screen-body">
        {/* The show (features/show): results-hidden card, frozen and revealing board, podium. */}
        <ScreenShowBody board={board}>
          {hidden ? (
            <p className="screen-hidden">{ts("screen.hidden")}</p>
          ) : (
            <ScreenBoard entries={entries} top={top} epoch={board?.epoch ?? 0} />
          )}
        </ScreenShowBody>
      </main>

      {hasAside && (
        <aside className="screen-aside">
          {showQr && (
            <figure className="screen-qr">
              <QrCode className="screen-qr-code" text={voteUrl.href} label={ts("screen.scan")} />
              <figcaption>
                <strong>{ts(status === "draft" ? "screen.scanPreview" : "screen.scan")}</strong>
                <span className="screen-url">{`${voteUrl.host}${voteUrl.pathname}`}</span>
              </figcaption>
            </figure>
          )}
          {!hidden && pages.length > 0 && <RestList pages={pages} total={entries.length} />}
        </aside>
      )}

      {resetBanner && (
        <div className="screen-reset-banner" role="status">
          {ts("screen.reset")}
        </div>
      )}
    </div>
  );
}

/** True for a few seconds after the board moves to a new epoch (a reset), so the audience sees why it is empty. */
function useResetBanner(epoch: number | undefined): boolean {
  const seen = useRef(epoch);
  const [visible, setVisible] = useState(false);
  useEffect(() => {
    const before = seen.current;
    seen.current = epoch;
    if (before === undefined || epoch === undefined || epoch <= before) return;
    setVisible(true);
    const timer = setTimeout(() => setVisible(false), RESET_BANNER_MS);
    return () => clearTimeout(timer);
  }, [epoch]);
  return visible;
}

/** The options below the top rows, a page at a time, so that every option of a long round gets its moment. */
function RestList({ pages, total }: { pages: RestPage[]; total: number }) {
  const [index, setIndex] = useState(0);
  useEffect(() => {
    if (pages.length < 2) return;
    const timer = setInterval(() => setIndex((current) => current + 1), PAGE_MS);
    return () => clearInterval(timer);
  }, [pages.length]);
  const pageIndex = index % pages.length;
  const page = pages[pageIndex] as RestPage;
  return (
    <section className="screen-rest" aria-label={ts("screen.rest", { from: page.from, to: page.to, total })}>
      <h2>{ts("screen.rest", { from: page.from, to: page.to, total })}</h2>
      <ol className="screen-rest-list" key={pageIndex}>
        {page.entries.map((entry) => (
          <RestRow key={entry.optionId} entry={entry} />
        ))}
      </ol>
      {pages.length > 1 && (
        <p className="screen-dots" aria-hidden="true">
          {pages.map((p, i) => (
            <span key={p.from} className={i === pageIndex ? "screen-dot screen-dot-on" : "screen-dot"} />
          ))}
        </p>
      )}
    </section>
  );
}

/** Memoized like the top rows: an update re-renders only the rest rows whose entry changed. */
const RestRow = memo(function RestRow({ entry }: { entry: LeaderboardEntry }) {
  return (
    <li className="screen-rest-row" data-option={entry.optionId} data-rank={entry.rank} data-votes={entry.votes}>
      <span className="screen-rest-rank">{entry.rank}</span>
      <span className="screen-rest-number">{entry.number}</span>
      <span className="screen-rest-title">{entry.title}</span>
      <span className="screen-rest-votes">{formatNumber(entry.votes)}</span>
    </li>
  );
});
