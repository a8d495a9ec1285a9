import type { LeaderboardEntry } from "@lb/common";
import { memo, type RefObject, useEffect, useLayoutEffect, useRef, useState } from "react";
import { formatNumber } from "../../i18n";
import { ts } from "./screen-messages";
import { restPages } from "./screen-options";

/** Seconds each page of the side panel stays up. */
const PAGE_MS = 8_000;

/**
 * The options after the top rows (splitBoard's `rest`), a page at a time, so that every option of a long round
 * gets its moment. As many rows as the panel's height holds (measured; rows have a fixed height in screen.css),
 * and pages end between ties, headed by the competition ranks of their first and last rows.
 */
export function RestList({ rest, total }: { rest: readonly LeaderboardEntry[]; total: number }) {
  const box = useRef<HTMLDivElement>(null);
  const pageSize = useRowsThatFit(box);
  const pages = restPages(rest, pageSize);
  const [index, setIndex] = useState(0);
  useEffect(() => {
    if (pages.length < 2) return;
    const timer = setInterval(() => setIndex((current) => current + 1), PAGE_MS);
    return () => clearInterval(timer);
  }, [pages.length]);
  const pageIndex = index % Math.max(1, pages.length);
  const page = pages[pageIndex];
  const heading = page
    ? ts(page.from === page.to ? "screen.restTied" : "screen.rest", { from: page.from, to: page.to, total })
    : "";
  return (
    <section className="screen-rest" aria-label={heading || undefined}>
      <h2>{heading}</h2>
      <div className="screen-rest-box" ref={box}>
        {page && (
          <ol className="screen-rest-list" key={pageIndex} data-page={pageIndex} data-pages={pages.length}>
            {page.entries.map((entry) => (
              <RestRow key={entry.optionId} entry={entry} />
            ))}
          </ol>
        )}
      </div>
      {pages.length > 1 && (
        <p className="screen-dots" aria-hidden="true">
          {pages.map((p, i) => (
            <span
              key={p.entries[0]?.optionId}
              className={i === pageIndex ? "screen-dot screen-dot-on" : "screen-dot"}
            />
          ))}
        </p>
      )}
    </section>
  );
}

/** A panel row's height in em of the panel's font size (`.screen-rest-row` in screen.css). */
const REST_ROW_EM = 1.5;

/** How many rows of the panel's fixed row height its box holds; follows resizes. */
function useRowsThatFit(box: RefObject<HTMLDivElement | null>): number {
  const [rows, setRows] = useState(1);
  useLayoutEffect(() => {
    const element = box.current;
    if (!element) return;
    const read = () => {
      const row = Number.parseFloat(getComputedStyle(element).fontSize) * REST_ROW_EM || 1;
      setRows(Math.max(1, Math.floor((element.clientHeight + 0.5) / row)));
    };
    read();
    const observer = new ResizeObserver(read);
    observer.observe(element);
    return () => observer.disconnect();
  }, [box]);
  return rows;
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
