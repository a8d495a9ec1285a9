import type { LeaderboardEntry } from "@lb/common";
import { type CSSProperties, memo, useEffect, useMemo, useRef, useState } from "react";
import { CountUp } from "./count-up";
import { useFlip } from "./motion";
import { useTitleFit } from "./screen-fit";
import { ts } from "./screen-messages";
import { placesMoved } from "./screen-options";

/** How long a row shows the places it gained or lost after its last move. */
const MOVER_MS = 4_000;

type RankMemory = Map<string, number>;

/**
 * The top rows of the board. Rows are keyed by option and memoized: an update re-renders only the rows whose
 * entry changed (applyLeaderboardUpdate keeps unchanged entries as they are), and bar lengths follow a CSS
 * variable on the list, so a new leader does not re-render every row either.
 *
 * Layout: the list is sized for `top` rows whatever `rows.length` is (a tie moved to the side panel leaves its
 * rows empty rather than growing the others), and one title size serves every option of the round (see
 * useTitleFit), so a new entrant never changes the type of the rows already there.
 */
export function ScreenBoard({
  entries,
  rows,
  top,
  epoch,
}: {
  /** The whole board, for the ranks of options entering the top rows from below. */
  entries: readonly LeaderboardEntry[];
  /** The rows to show (splitBoard's `main`). */
  rows: readonly LeaderboardEntry[];
  top: number;
  /** A reset starts a new epoch: movers from before it mean nothing any more. */
  epoch: number;
}) {
  const list = useRef<HTMLOListElement>(null);
  const measure = useRef<HTMLDivElement>(null);
  // Ranks as last shown, for every option (not only the top rows), so a row entering from below shows its gain.
  const ranks = useRef<RankMemory>(new Map());
  useFlip(list, rows.map((entry) => entry.optionId).join(","));
  const titles = useMemo(() => [...new Set(entries.map((entry) => entry.title))].sort(), [entries]);
  const fit = useTitleFit(list, measure, titles, top);

  // Runs after the rows' own effects, which compare against the ranks of the previous update.
  useEffect(() => {
    ranks.current = new Map(entries.map((entry) => [entry.optionId, entry.rank]));
  }, [entries]);

  const maxVotes = Math.max(1, ...rows.map((entry) => entry.votes));
  const style = {
    "--rows": top,
    "--max": maxVotes,
    ...(fit && { "--title-size": `${fit.size}px`, "--title-lines": fit.lines }),
  } as CSSProperties;
  return (
    <>
      <ol className="screen-list" ref={list} style={style} data-title-lines={fit?.lines}>
        {rows.map((entry) => (
          <ScreenRow key={entry.optionId} entry={entry} ranks={ranks} epoch={epoch} />
        ))}
      </ol>
      <div className="screen-measure" ref={measure} aria-hidden="true">
        {titles.map((title) => (
          <span key={title}>{title}</span>
        ))}
      </div>
    </>
  );
}

const ScreenRow = memo(function ScreenRow({
  entry,
  ranks,
  epoch,
}: {
  entry: LeaderboardEntry;
  ranks: { current: RankMemory };
  epoch: number;
}) {
  const [moved, setMoved] = useState(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: clears the mover when a reset starts a new epoch.
  useEffect(() => setMoved(0), [epoch]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: only a new rank is a move; `ranks` is a stable ref.
  useEffect(() => {
    const places = placesMoved(ranks.current.get(entry.optionId), entry.rank, entry.votes);
    if (places !== 0) setMoved((total) => total + places); // moves in quick succession add up to one story
  }, [entry.rank]);

  // The mover fades a few seconds after the row's last move.
  useEffect(() => {
    if (moved === 0) return;
    const timer = setTimeout(() => setMoved(0), MOVER_MS);
    return () => clearTimeout(timer);
  }, [moved]);

  return (
    <li
      className={`screen-row${entry.rank <= 3 && entry.votes > 0 ? ` screen-row-top${entry.rank}` : ""}`}
      data-flip-key={entry.optionId}
      data-option={entry.optionId}
      data-rank={entry.rank}
      data-votes={entry.votes}
      style={{ "--votes": entry.votes } as CSSProperties}
    >
      <span className="screen-rank">{entry.rank}</span>
      <span className="screen-number">{entry.number}</span>
      <span className="screen-main">
        <span className="screen-title-box">
          <span className="screen-title" title={entry.title}>
            {entry.title}
          </span>
        </span>
        <span className="screen-bar" aria-hidden="true">
          <span className="screen-bar-fill" />
        </span>
      </span>
      <CountUp className="screen-votes" value={entry.votes} />
      <span className="screen-mover" data-moved={moved}>
        {moved > 0 && <span className="screen-up">▲{moved}</span>}
        {moved < 0 && <span className="screen-down">▼{-moved}</span>}
        {moved !== 0 && (
          <span className="visually-hidden">
            {ts(moved > 0 ? "screen.moved.up" : "screen.moved.down", { count: Math.abs(moved) })}
          </span>
        )}
      </span>
    </li>
  );
});
