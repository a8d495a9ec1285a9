import { readFileSync } from "node:fs";
import type { FreezeRequest, ShowResponse, ShowSettings } from "@lb/common";
import { AppError } from "../http/app-error.js";
import type { LeaderboardRepository, RoundSnapshot } from "../leaderboard/leaderboard.repository.js";
import { roundKeys } from "../redis/keys.js";
import { LuaScript } from "../redis/lua-script.js";
import type { RedisClient } from "../redis/redis-client.js";
import type { RoundsRepository } from "../rounds/rounds.repository.js";
import { lastRevealStep } from "./show-state.js";

/** The show's scripts, beside this file (copied to dist/show by the build). */
const load = (name: string) => new LuaScript(name, readFileSync(new URL(`./${name}.lua`, import.meta.url), "utf8"));
const showScripts = {
  update: load("show-update"),
  freeze: load("freeze"),
  autoClose: load("auto-close"),
  revealNext: load("reveal-next"),
};

const keysOf = (roundId: string, epoch: number) => {
  const keys = roundKeys(roundId);
  const epochKeys = keys.epoch(epoch);
  return { meta: keys.meta, state: epochKeys.state, tally: epochKeys.tally, show: epochKeys.show };
};

/**
 * The show's state in Redis, one hash per epoch (keys.ts `show`). Every change bumps the epoch's seq, so every
 * backend's live tick reads the round again and tells every socket (see LiveHub: a show change is announced like
 * a rules change); nothing of the show lives in a backend's memory.
 */
export class ShowRepository {
  constructor(
    private readonly redis: RedisClient,
    private readonly rounds: RoundsRepository,
    private readonly leaderboard: LeaderboardRepository,
  ) {}

  async state(roundId: string): Promise<ShowResponse> {
    const { board } = await this.leaderboard.snapshot(roundId);
    return { roundId, epoch: board.epoch, show: board.show ?? null };
  }

  /** Sets and clears show fields on the current epoch (nothing is announced when nothing changes). */
  private async update(roundId: string, set: Record<string, string>, clear: string[] = []): Promise<ShowResponse> {
    const pairs = Object.entries(set).flat();
    await this.rounds.onCurrentEpoch(roundId, (epoch) => {
      const k = keysOf(roundId, epoch);
      return showScripts.update.run(
        this.redis,
        [k.meta, k.state, k.show],
        [epoch, pairs.length / 2, ...pairs, ...clear],
      );
    });
    return this.state(roundId);
  }

  /** The "hide results on screens" switch. */
  setScreenResultsHidden(roundId: string, hidden: boolean): Promise<ShowResponse> {
    return hidden ? this.update(roundId, { hidden: "1" }) : this.update(roundId, {}, ["hidden"]);
  }

  settings(roundId: string, settings: ShowSettings): Promise<ShowResponse> {
    const set: Record<string, string> = {};
    if (settings.countdownWarnings) set.warnings = settings.countdownWarnings.join(",");
    if (settings.revealTop !== undefined) set.revealTop = String(settings.revealTop);
    if (settings.revealPaceSeconds) set.revealPace = String(settings.revealPaceSeconds);
    return this.update(roundId, set, settings.revealPaceSeconds === null ? ["revealPace"] : []);
  }

  /** Freezes the public board now, or schedules it `beforeCloseSeconds` before `closesAt` (the live tick does it). */
  async freeze(roundId: string, request: FreezeRequest): Promise<ShowResponse> {
    if (request.beforeCloseSeconds !== undefined) {
      const summary = await this.rounds.requireSummary(roundId);
      if (summary.rules.closesAt === null) {
        throw new AppError("INVALID_BODY", "beforeCloseSeconds needs the round's rules.closesAt.");
      }
      return this.update(roundId, { freezeBefore: String(request.beforeCloseSeconds) });
    }
    await this.rounds.onCurrentEpoch(roundId, (epoch) => this.runFreeze(roundId, epoch, "now"), undefined, {
      INVALID_TRANSITION: (status) => `The round is ${status}: only an open or paused round can be frozen.`,
    });
    return this.state(roundId);
  }

  /** Ends the freeze (and any reveal): every surface shows the live board again. */
  unfreeze(roundId: string): Promise<ShowResponse> {
    return this.update(roundId, {}, ["frozenAt", "frozenTally", "frozenSeq", "revealStep", "revealAt", "freezeBefore"]);
  }

  /** One step of the reveal: the next option's hidden votes, then the podium. */
  async revealNext(roundId: string): Promise<ShowResponse> {
    const snapshot = await this.leaderboard.snapshot(roundId);
    const last = snapshot.show ? lastRevealStep(snapshot.show, snapshot.board) : 1;
    await this.rounds.onCurrentEpoch(
      roundId,
      (epoch) => {
        const k = keysOf(roundId, epoch);
        return showScripts.revealNext.run(this.redis, [k.meta, k.state, k.show], [epoch, last, ""]);
      },
      snapshot.board.epoch,
      {
        INVALID_TRANSITION: (why) =>
          why === "notFrozen"
            ? "The reveal resolves a frozen board: freeze the round before it closes."
            : `The round is ${why}: the reveal starts once it is closed.`,
      },
    );
    return this.state(roundId);
  }

  private runFreeze(roundId: string, epoch: number, mode: "now" | "scheduled"): Promise<string[]> {
    const k = keysOf(roundId, epoch);
    return showScripts.freeze.run(this.redis, [k.meta, k.state, k.tally, k.show], [epoch, mode]);
  }

  /**
   * What the live tick does for a round it watches when the clock says so: close it at `closesAt`, freeze it at its
   * scheduled moment. Both scripts decide by Redis's clock and change a round once, however many backends call.
   */
  async settle(before: RoundSnapshot, nowMs: number): Promise<void> {
    const roundId = before.board.roundId;
    const epoch = before.board.epoch;
    if (freezeDue(before, nowMs)) await this.runFreeze(roundId, epoch, "scheduled").catch(() => undefined);
    if (paceDue(before, nowMs) && before.show) {
      const k = keysOf(roundId, epoch);
      const last = lastRevealStep(before.show, before.board);
      const pace = (before.show.revealPaceSeconds ?? 0) * 1000;
      await showScripts.revealNext.run(this.redis, [k.meta, k.state, k.show], [epoch, last, pace]);
    }
    if (closeDue(before, nowMs)) {
      const k = keysOf(roundId, epoch);
      await showScripts.autoClose.run(this.redis, [k.meta, k.state, k.show], [epoch, new Date(nowMs).toISOString()]);
    }
  }
}

const closesAtMs = (snapshot: RoundSnapshot) =>
  snapshot.summary.rules.closesAt === null ? null : Date.parse(snapshot.summary.rules.closesAt);
const running = (snapshot: RoundSnapshot) => snapshot.summary.status === "open" || snapshot.summary.status === "paused";

/** An open or paused round whose window has ended: the tick closes it. */
export function closeDue(snapshot: RoundSnapshot, nowMs: number): boolean {
  const closesAt = closesAtMs(snapshot);
  return running(snapshot) && closesAt !== null && nowMs >= closesAt;
}

/** A round with a scheduled freeze whose moment has come and that is not frozen yet. */
export function freezeDue(snapshot: RoundSnapshot, nowMs: number): boolean {
  const closesAt = closesAtMs(snapshot);
  const before = snapshot.show?.freezeBeforeSeconds ?? null;
  return (
    running(snapshot) &&
    closesAt !== null &&
    before !== null &&
    snapshot.show?.frozenAt === null &&
    nowMs >= closesAt - before * 1000
  );
}

/**
 * A paced reveal whose next step is due: the organiser took the first step, the pace has passed since the last,
 * and the podium is not reached yet.
 */
export function paceDue(snapshot: RoundSnapshot, nowMs: number): boolean {
  const show = snapshot.show;
  const reveal = snapshot.board.show?.reveal;
  if (!show || !reveal || show.revealPaceSeconds === null || show.revealAt === null) return false;
  return !reveal.podium && nowMs >= show.revealAt + show.revealPaceSeconds * 1000;
}

/** Whether the tick must act on the round (and read it afresh) although its seq has not moved. */
export function showDue(snapshot: RoundSnapshot, nowMs: number): boolean {
  return closeDue(snapshot, nowMs) || freezeDue(snapshot, nowMs) || paceDue(snapshot, nowMs);
}
