import type { ReplayFeed } from "@lb/common";
import { useEffect, useState } from "react";
import { useDocumentTitle } from "../../components/use-document-title";
import { formatNumber } from "../../i18n";
import { api } from "../../lib/api";
import { useAsync } from "../../lib/use-async";
import { ScreenBoard } from "../screen/screen-board";
import { splitBoard } from "../screen/screen-options";
import "../screen/screen.css";
import "./replay.css";
import { type HistoryAccess, historyApi } from "./history-api";
import { tr } from "./replay-messages";
import { elapsedOf, frameAt, frameEntries, REPLAY_SPEEDS } from "./replay-timeline";

/** How often the player advances while playing (round time advances by this times the speed). */
const TICK_MS = 100;

/**
 * The race replayed from the audit log (GET /api/rounds/:id/replay): play, pause, scrub and 1× to 600×, with the
 * projector's rows and their animations (ScreenBoard), ending on the final board. On the screen with
 * `?replay=1`, and in the console.
 */
export function ReplayScreen({
  roundId,
  access,
  top,
  theme,
  title,
}: {
  roundId: string;
  access: HistoryAccess;
  top: number;
  theme: "dark" | "light";
  title?: string;
}) {
  const feed = useAsync((signal) => historyApi.replay(roundId, access, signal), [roundId]);
  // The round's title, from the public list like the live screen (a round not public has none there).
  const rounds = useAsync((signal) => (title ? Promise.resolve([]) : api.listRounds(signal)), [title]);
  const listed = rounds.state.status === "done" ? rounds.state.value.find((round) => round.id === roundId) : undefined;
  const shownTitle = title ?? listed?.title ?? roundId;
  useDocumentTitle(`${tr("replay.title")} · ${shownTitle}`);
  const state = feed.state;
  return (
    <div className={`screen screen-${theme} replay`} data-replay={state.status}>
      {state.status === "done" ? (
        <ReplayPlayer feed={state.value} top={top} title={shownTitle} />
      ) : (
        <p className="screen-hidden" role="status">
          {state.status === "failed" ? state.error.message : tr("replay.loading")}
        </p>
      )}
    </div>
  );
}

function ReplayPlayer({ feed, top, title }: { feed: ReplayFeed; top: number; title: string }) {
  const last = Math.max(0, feed.frames.length - 1);
  const [elapsed, setElapsed] = useState(0);
  const [playing, setPlaying] = useState(false);
  const [speed, setSpeed] = useState<number>(60);
  const index = frameAt(feed, elapsed);
  const atEnd = index >= last;

  useEffect(() => {
    if (!playing) return;
    const timer = setInterval(() => {
      setElapsed((current) => Math.min(current + TICK_MS * speed, elapsedOf(feed, last)));
    }, TICK_MS);
    return () => clearInterval(timer);
  }, [playing, speed, feed, last]);
  // Stops on the final board.
  useEffect(() => {
    if (playing && atEnd) setPlaying(false);
  }, [playing, atEnd]);

  if (feed.resultsHidden) return <p className="screen-hidden">{tr("replay.hidden")}</p>;
  if (feed.frames.length === 0) return <p className="screen-hidden">{tr("replay.empty")}</p>;
  const entries = frameEntries(feed, index);
  const ballots = feed.frames[index]?.ballots ?? 0;
  const clock = new Date(Math.min(feed.endMs, feed.startMs + elapsedOf(feed, index))).toLocaleTimeString();

  return (
    <>
      <header className="screen-header">
        <h1 className="screen-round-title">{title}</h1>
        <p className="screen-state">
          <span className="screen-pill screen-pill-closed">{atEnd ? tr("replay.final") : tr("replay.title")}</span>
        </p>
        <dl className="screen-figures">
          <div>
            <dt>{tr("replay.position")}</dt>
            <dd className="screen-figure replay-clock">{clock}</dd>
          </div>
          <div>
            <dt>{tr("replay.ballotsLabel")}</dt>
            <dd className="screen-figure" data-testid="replay-ballots">
              {formatNumber(ballots)}
            </dd>
          </div>
        </dl>
      </header>
      <main className="screen-body">
        <ScreenBoard entries={entries} rows={splitBoard(entries, top).main} top={top} epoch={feed.epoch} />
      </main>
      <div className="replay-controls" data-frame={index} data-frames={feed.frames.length} data-playing={playing}>
        <button
          type="button"
          className="replay-button"
          onClick={() => {
            if (atEnd) setElapsed(0);
            setPlaying((current) => !current || atEnd);
          }}
        >
          {playing ? tr("replay.pause") : tr("replay.play")}
        </button>
        <button
          type="button"
          className="replay-button"
          onClick={() => {
            setElapsed(0);
            setPlaying(false);
          }}
        >
          {tr("replay.restart")}
        </button>
        <input
          type="range"
          className="replay-scrub"
          aria-label={tr("replay.position")}
          min={0}
          max={last}
          value={index}
          onChange={(event) => setElapsed(elapsedOf(feed, Number(event.target.value)))}
        />
        <label className="replay-speed">
          {tr("replay.speed")}{" "}
          <select value={speed} onChange={(event) => setSpeed(Number(event.target.value))}>
            {REPLAY_SPEEDS.map((value) => (
              <option key={value} value={value}>
                {value}×
              </option>
            ))}
          </select>
        </label>
      </div>
    </>
  );
}
