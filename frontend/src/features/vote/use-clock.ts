import type { RoundRules } from "@lb/common";
import { useEffect, useState } from "react";
import { nextWindowEdge } from "./vote-phase";

/** setTimeout cannot wait longer than about 24.8 days; a farther edge is looked at again later. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The server's "now" (this device's clock plus `offsetMs`), refreshed when the voting window opens or closes,
 * so the page changes phase on time even if the server's `round:updated` notice is late.
 */
export function useServerNow(rules: Pick<RoundRules, "opensAt" | "closesAt">, offsetMs: number): number {
  // Each tick re-renders at a window edge; the effect then waits for the next edge, if any.
  const [tick, setTick] = useState(0);
  const { opensAt, closesAt } = rules;

  // biome-ignore lint/correctness/useExhaustiveDependencies: `tick` is there to schedule the following edge.
  useEffect(() => {
    const now = Date.now() + offsetMs;
    const edge = nextWindowEdge({ opensAt, closesAt }, now);
    if (edge === null) return;
    const timer = window.setTimeout(() => setTick((n) => n + 1), Math.min(edge - now + 50, MAX_TIMER_MS));
    return () => window.clearTimeout(timer);
  }, [opensAt, closesAt, offsetMs, tick]);

  return Date.now() + offsetMs;
}

/** Seconds left until `atMs`, ticking once a second while a countdown is on screen. */
export function useSecondsUntil(atMs: number | null): number | null {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    if (atMs === null) return;
    setNow(Date.now());
    const timer = window.setInterval(() => setNow(Date.now()), 1_000);
    return () => window.clearInterval(timer);
  }, [atMs]);
  return atMs === null ? null : Math.max(0, Math.ceil((atMs - now) / 1_000));
}

/** navigator.onLine, kept current by the browser's online/offline events. */
export function useOnline(): boolean {
  const [online, setOnline] = useState(() => typeof navigator === "undefined" || navigator.onLine);
  useEffect(() => {
    const update = () => setOnline(navigator.onLine);
    window.addEventListener("online", update);
    window.addEventListener("offline", update);
    return () => {
      window.removeEventListener("online", update);
      window.removeEventListener("offline", update);
    };
  }, []);
  return online;
}
