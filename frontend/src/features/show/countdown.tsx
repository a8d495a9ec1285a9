import { useEffect, useMemo, useRef, useState } from "react";
import { tshow } from "./show-messages";

/** How often a running countdown re-renders: often enough that the seconds never look stuck. */
const TICK_MS = 250;

/**
 * How far this device's clock is behind the server's, from a view's `serverTime`, measured when that value
 * arrives (the time it took to arrive is the error: well under a second on a venue's network).
 */
export function useServerOffset(serverTime: string | undefined): number {
  // Measured once per new serverTime, at its arrival.
  return useMemo(() => {
    const server = serverTime ? Date.parse(serverTime) : Number.NaN;
    return Number.isNaN(server) ? 0 : server - Date.now();
  }, [serverTime]);
}

/** Milliseconds left until `atMs` by the server's clock, re-rendered every quarter second until zero. */
export function useMsLeft(atMs: number | null, offsetMs: number): number | null {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (atMs === null) return;
    const timer = window.setInterval(() => {
      const current = Date.now();
      setNow(current);
      if (current + offsetMs >= atMs) window.clearInterval(timer);
    }, TICK_MS);
    return () => window.clearInterval(timer);
  }, [atMs, offsetMs]);
  return atMs === null ? null : Math.max(0, atMs - (now + offsetMs));
}

/** `m:ss`, or `h:mm:ss` past an hour. */
export function formatClock(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const pad = (n: number) => String(n).padStart(2, "0");
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

/** How many warning marks (seconds before the close) the countdown has passed: 0 none, 1 the first, ... */
export function warningLevel(secondsLeft: number, marks: readonly number[]): number {
  return marks.filter((mark) => secondsLeft <= mark).length;
}

/**
 * The time left to vote, by the server's clock (right whatever the device's clock says), warning at the round's
 * marks (default 60 s and 10 s): the style changes and screen readers hear it once per mark. At zero it says
 * voting has closed; the server closes the round by itself at that moment and the page follows its notice.
 */
export function Countdown({
  closesAt,
  offsetMs,
  warnings,
  className = "",
}: {
  closesAt: string;
  offsetMs: number;
  warnings: readonly number[];
  className?: string;
}) {
  const left = useMsLeft(Date.parse(closesAt), offsetMs) ?? 0;
  const seconds = Math.ceil(left / 1000);
  const level = warningLevel(seconds, warnings);
  const announced = useRef(level);
  const [announcement, setAnnouncement] = useState("");
  useEffect(() => {
    if (level > announced.current && seconds > 0)
      setAnnouncement(tshow("show.countdown.warn", { time: formatClock(seconds) }));
    announced.current = level;
  }, [level, seconds]);
  return (
    <div className={`show-countdown ${className}`} data-warning={level} data-seconds={seconds}>
      {seconds > 0 ? (
        <>
          <span className="show-countdown-label">{tshow("show.countdown.label")}</span>
          <span className="show-countdown-time" role="timer">
            {formatClock(seconds)}
          </span>
        </>
      ) : (
        <span className="show-countdown-label">{tshow("show.countdown.closed")}</span>
      )}
      <span className="visually-hidden" aria-live="assertive">
        {announcement}
      </span>
    </div>
  );
}
