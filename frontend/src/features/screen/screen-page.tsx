import type { RoundStatus } from "@lb/common";
import { Fragment, useEffect, useMemo, useRef, useState } from "react";
import { QrCode } from "../../components/qr-code";
import { useDocumentTitle } from "../../components/use-document-title";
import { t } from "../../i18n";
import { api } from "../../lib/api";
import { paths } from "../../lib/routes";
import { useAsync } from "../../lib/use-async";
import { usePublicOrigin } from "../../lib/use-public-origin";
import { useLiveLeaderboard } from "../leaderboard/use-live-leaderboard";
import { ReplayScreen } from "../replay/replay-screen";
import { ScreenCountdown, ScreenShowBody } from "../show/screen-show";
import { PublishedHead } from "../verify/published-head";
import { CountUp } from "./count-up";
import { ScreenBoard } from "./screen-board";
import { useFitText } from "./screen-fit";
import { ts } from "./screen-messages";
import { parseScreenOptions, type ScreenTheme, splitBoard } from "./screen-options";
import { RestList } from "./screen-rest";
import "./screen.css";

/** How long the "reset" banner stays after the counts go back to zero. */
const RESET_BANNER_MS = 3_500;

/** The projector screen: `/r/<id>/screen?key=<screen key>[&top=N][&theme=dark|light]`. */
export function ScreenPage({ roundId }: { roundId: string }) {
  const options = useMemo(() => parseScreenOptions(window.location.search), []);
  if (!options.screenKey) return <ScreenProblem theme={options.theme} title={ts("screen.key.title")} />;
  // Replay of the race (features/replay): `?replay=1` plays the round back from its audit log.
  if (new URLSearchParams(window.location.search).get("replay") === "1") {
    return (
      <ReplayScreen
        roundId={roundId}
        access={{ screenKey: options.screenKey }}
        top={options.top}
        theme={options.theme}
      />
    );
  }
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

/** Exported for the event screen (features/event), which shows it for the event's current round. */
export function LiveScreen({
  roundId,
  screenKey,
  top,
  theme,
  votePath,
}: {
  roundId: string;
  screenKey: string;
  top: number;
  theme: ScreenTheme;
  /** Where the QR code sends phones: the round's vote page unless an event's page follows the rounds. */
  votePath?: string;
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
  const publicOrigin = usePublicOrigin();
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
  // A tie straddling the last full row moves whole to the side panel (see splitBoard).
  const { main, rest } = splitBoard(entries, top);
  const totalVotes = entries.reduce((sum, entry) => sum + entry.votes, 0);
  // Phones open what the QR code names: PUBLIC_URL when set (an event screen names the event page).
  const voteUrl = new URL(votePath ?? paths.vote(roundId), publicOrigin);
  const hasAside = showQr || (!hidden && rest.length > 0);

  // Layout (screen.css): a grid of four areas. "title" and "status" form the header row, of a fixed height;
  // "body" holds the top rows, "aside" the QR code and the side panel. Overlays of other features (countdown,
  // freeze, reveal) go after the aside as siblings, positioned over the grid.
  return (
    <div
      className={`screen screen-${theme} screen-status-${status ?? "unknown"}${hasAside ? "" : " screen-wide"}`}
      data-status={status}
      data-epoch={board?.epoch}
      data-results-hidden={hidden}
    >
      <ScreenTitle title={summary?.title ?? roundId} />

      <section className="screen-status" aria-label={ts("screen.statusLabel")}>
        <p className="screen-state">
          {status && <span className={`screen-pill screen-pill-${status}`}>{ts(`screen.status.${status}`)}</span>}
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
      </section>

      <main className="screen-body">
        {/* The show (features/show): results-hidden card, frozen and revealing board, podium. */}
        <ScreenShowBody board={board}>
          {hidden ? (
            <p className="screen-hidden">{ts("screen.hidden")}</p>
          ) : (
            <ScreenBoard entries={entries} rows={main} top={top} epoch={board?.epoch ?? 0} />
          )}
        </ScreenShowBody>
      </main>

      {hasAside && (
        <aside className="screen-aside">
          {showQr && (
            <ScreenQr
              voteUrl={voteUrl}
              caption={ts(status === "draft" ? "screen.scanPreview" : "screen.scan")}
              hint={board && board.totalBallots === 0 && status === "open" ? ts("screen.noBallots") : undefined}
            />
          )}
          {!hidden && rest.length > 0 && <RestList rest={rest} total={entries.length} />}
        </aside>
      )}

      {/* Verifiable receipts: the published chain head on the final board. */}
      {status === "closed" && (
        <PublishedHead roundId={roundId} access={{ screenKey }} className="screen-published-head" />
      )}

      {resetBanner && (
        <div className="screen-reset-banner" role="status">
          {ts("screen.reset")}
        </div>
      )}
    </div>
  );
}

/**
 * The round's title in the header row's fixed box, at the largest size that fits it whole (up to three lines on
 * a 4:3 projector): a long title is never cut, and nothing in it depends on the counts.
 */
function ScreenTitle({ title }: { title: string }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useFitText(heading, 2.2, 5, [title]);
  return (
    <header className="screen-header">
      <h1 className="screen-round-title" ref={heading}>
        {title}
      </h1>
    </header>
  );
}

/**
 * The QR code at a third of the screen's height or more, on a white card, with the short vote URL in large type
 * under it. The URL breaks only after a "/" (each part is kept whole) and its size fits two lines.
 */
function ScreenQr({ voteUrl, caption, hint }: { voteUrl: URL; caption: string; hint?: string }) {
  const shortUrl = `${voteUrl.host}${voteUrl.pathname}`;
  const url = useRef<HTMLSpanElement>(null);
  useFitText(url, 1.8, 3.4, [shortUrl]);
  return (
    <figure className="screen-qr">
      <QrCode className="screen-qr-code" text={voteUrl.href} label={caption} />
      <figcaption>
        <strong>{caption}</strong>
        <span className="screen-url" ref={url}>
          {shortUrl.split(/(?<=\/)/).map((part, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one fixed string, never reordered.
            <Fragment key={index}>
              <span>{part}</span>
              <wbr />
            </Fragment>
          ))}
        </span>
        {hint && <span className="screen-hint">{hint}</span>}
      </figcaption>
    </figure>
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
