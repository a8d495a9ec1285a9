import type { LeaderboardEntry } from "@lb/common";
import { type CSSProperties, memo, useEffect, useRef, useState } from "react";
import { CountUp } from "./count-up";
import { useFlip } from "./motion";
import { ts } from "./screen-messages";
import { placesMoved } from "./screen-options";

/** How long a row shows the places it gained or lost after its last move. */
const MOVER_MS = 4_000;

type RankMemory = Map<string, number>;

/**
 * The top rows of the board. Rows are keyed by option and memoized: an update re-renders only the rows whose
 * entry changed (applyLeaderboardUpdate keeps unchanged entries as they are), and bar lengths follow a CSS
 * variable on the list, so a new leader does not re-render every row either.
 */
export function ScreenBoard({
  entries,
  top,
  epoch,
}: {
  entries: readonly LeaderboardEntry[];
  top: number;
  /** A reset starts a new epoch: movers from before it mean nothing any more. */
  epoch: number;
}) {
  const list = useRef<HTMLOListElement>(null);
  const rows = entries.slice(0, top);
  // Ranks as last shown, for every option (not only the top rows), so a row entering from below shows its gain.
  const ranks = useRef<RankMemory>(new Map());
  useFlip(list, rows.map((entry) => entry.optionId).join(","));

  // Runs after the rows' own effects, which compare against the ranks of the previous update.
  useEffect(() => {
    ranks.current = new Map(entries.map((entry) => [entry.optionId, entry.rank]));
  }, [entries]);

  const maxVotes = Math.max(1, ...rows.map((entry) => entry.votes));
  return (
    <ol className="screen-list" ref={list} style={{ "--rows": top, "--max": maxVotes } as CSSProperties}>
      {rows.map((entry) => (
        <ScreenRow key={entry.optionId} entry={entry} ranks={ranks} epoch={epoch} />
      ))}
    </ol>
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
        <span className="screen-title" title={entry.title}>
          {entry.title}
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
