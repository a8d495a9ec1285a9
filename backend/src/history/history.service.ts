import type { Leaderboard, Publication, ReplayFeed } from "@lb/common";
import { CHAIN_GENESIS, rankEntries } from "@lb/common";
import { AppError } from "../http/app-error.js";
import { excludedSummary, type RoundSnapshot } from "../leaderboard/leaderboard.repository.js";
import { type HistoryRepository, msBound, type TallyState } from "./history.repository.js";

/** The board of a snapshot's round with the votes and counts of a replayed state instead of the live ones. */
function boardOf(snapshot: RoundSnapshot, state: TallyState): Leaderboard {
  const live = snapshot.board;
  const board: Leaderboard = {
    ...live,
    totalBallots: state.ballots - state.out.size,
    entries: rankEntries(
      live.entries.map(({ optionId, number, title }) => ({
        optionId,
        number,
        title,
        votes: state.votes.get(optionId) ?? 0,
      })),
    ),
  };
  delete board.excluded;
  const excluded = excludedSummary(state.out.size, state.reasons());
  if (excluded) board.excluded = excluded;
  return board;
}

/**
 * Replay, time travel and verifiable receipts: boards of the past and the race as frames, both from the audit
 * log; the publication of the epoch's hash chain head and the published log.
 */
export class HistoryService {
  constructor(private readonly history: HistoryRepository) {}

  /** The board as it stood at `atMs`: every audit entry (ballots, exclusions, undos) of that ms or before. */
  async boardAt(snapshot: RoundSnapshot, atMs: number): Promise<Leaderboard> {
    const { roundId, epoch } = snapshot.board;
    return boardOf(snapshot, await this.history.stateAt(roundId, epoch, msBound(atMs)));
  }

  async replay(snapshot: RoundSnapshot): Promise<ReplayFeed> {
    const { roundId, epoch } = snapshot.board;
    // Options in their numbers' order, as the console lists them.
    const options = [...snapshot.board.entries]
      .sort((a, b) => a.number - b.number)
      .map(({ optionId, number, title }) => ({ optionId, number, title }));
    const frames = await this.history.frames(
      roundId,
      epoch,
      options.map((option) => option.optionId),
    );
    return { roundId, epoch, options, resultsHidden: false, ...frames };
  }

  /** What a viewer who may not see results gets: the round's options, no frames. */
  hiddenReplay(snapshot: RoundSnapshot): ReplayFeed {
    const { roundId, epoch, entries } = snapshot.board;
    const options = [...entries]
      .sort((a, b) => a.number - b.number)
      .map(({ optionId, number, title }) => ({ optionId, number, title }));
    return { roundId, epoch, options, resultsHidden: true, startMs: 0, endMs: 0, stepMs: 1000, frames: [] };
  }

  /**
   * Publishes the chain's head and the tally that follows from the log, once voting has ended. Publishing again
   * (after an exclusion, say) replaces the publication with the log as it is now.
   */
  async publish(snapshot: RoundSnapshot): Promise<Publication> {
    if (!snapshot.summary.votingEnded) {
      throw new AppError("INVALID_TRANSITION", "The chain's head is published once voting has ended.");
    }
    const { roundId, epoch } = snapshot.board;
    const { head, lastId } = await this.history.head(roundId, epoch);
    const state = lastId ? await this.history.stateAt(roundId, epoch, lastId) : null;
    const publication: Publication = {
      roundId,
      epoch,
      head: lastId ? head : CHAIN_GENESIS,
      ballots: state?.ballots ?? 0,
      excluded: state?.out.size ?? 0,
      tally: Object.fromEntries(
        snapshot.board.entries.map((entry) => [entry.optionId, state?.votes.get(entry.optionId) ?? 0]),
      ),
      publishedAt: new Date().toISOString(),
    };
    await this.history.savePublication(roundId, epoch, publication, lastId);
    return publication;
  }

  async findPublication(roundId: string, epoch: number): Promise<Publication | null> {
    return (await this.history.publication(roundId, epoch))?.publication ?? null;
  }

  async publication(roundId: string, epoch: number): Promise<Publication> {
    const found = await this.history.publication(roundId, epoch);
    if (!found) throw new AppError("NOT_FOUND", "The organiser has not published this round's log.");
    return found.publication;
  }

  /** The published log as NDJSON chunks: the publication header, then the entries it covers. */
  async *publishedLog(roundId: string, epoch: number): AsyncGenerator<string> {
    const found = await this.history.publication(roundId, epoch);
    if (!found) throw new AppError("NOT_FOUND", "The organiser has not published this round's log.");
    yield `${JSON.stringify({ kind: "publication", genesis: CHAIN_GENESIS, ...found.publication })}\n`;
    if (!found.lastId) return;
    for await (const lines of this.history.publishedLines(roundId, epoch, found.lastId)) {
      yield lines.map((line) => `${JSON.stringify(line)}\n`).join("");
    }
  }
}
