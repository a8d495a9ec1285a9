import type { LeaderboardEntry, ReplayFeed } from "@lb/common";
import { rankEntries } from "@lb/common";

/** Playback speeds offered: real time up to ten minutes a second. */
export const REPLAY_SPEEDS = [1, 10, 60, 600] as const;

/** The frame shown after `elapsedMs` of round time from the first ballot (the last frame once past the end). */
export function frameAt(feed: Pick<ReplayFeed, "stepMs" | "frames">, elapsedMs: number): number {
  if (feed.frames.length === 0) return 0;
  return Math.max(0, Math.min(feed.frames.length - 1, Math.floor(elapsedMs / feed.stepMs)));
}

/** Round time from the first ballot at which frame `index` stands. */
export const elapsedOf = (feed: Pick<ReplayFeed, "stepMs">, index: number) => index * feed.stepMs;

/** The board of one frame, ranked as the live board ranks (rankEntries), so rows move the same way. */
export function frameEntries(feed: ReplayFeed, index: number): LeaderboardEntry[] {
  const frame = feed.frames[index];
  return rankEntries(
    feed.options.map((option, i) => ({
      optionId: option.optionId,
      number: option.number,
      title: option.title,
      votes: frame?.votes[i] ?? 0,
    })),
  );
}
