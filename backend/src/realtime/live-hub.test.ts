import { type Leaderboard, type RoundSummary, rankEntries } from "@lb/common";
import { describe, expect, it } from "vitest";
import type { LeaderboardRepository, RoundSnapshot } from "../leaderboard/leaderboard.repository.js";
import { diffEntries, LiveHub, type RoomEmitter } from "./live-hub.js";

function snapshot(seq: number, votes: number[], extra: Partial<Leaderboard & RoundSummary> = {}): RoundSnapshot {
  const board: Leaderboard = {
    roundId: "r",
    epoch: extra.epoch ?? 1,
    seq,
    status: extra.status ?? "open",
    totalBallots: votes.reduce((a, b) => a + b, 0),
    entries: rankEntries(
      votes.map((v, i) => ({ optionId: String(i + 1), number: i + 1, title: `#${i + 1}`, votes: v })),
    ),
  };
  const summary: RoundSummary = {
    id: "r",
    epoch: board.epoch,
    title: "t",
    description: "",
    rules: { minChoices: 1, maxChoices: 1 },
    status: board.status,
    revision: extra.revision ?? 1,
    totalBallots: board.totalBallots,
    optionCount: votes.length,
    createdAt: "",
    updatedAt: "",
  };
  return { board, summary };
}

/** A stand-in for Redis: the hub only needs the current snapshot and its version. */
class FakeRepository {
  current: RoundSnapshot = snapshot(0, [0, 0, 0]);
  /** Runs while a snapshot read is in flight, to let a test interleave a join. */
  duringRead: (() => Promise<void>) | undefined;

  async snapshot(): Promise<RoundSnapshot> {
    const value = this.current;
    const hook = this.duringRead;
    this.duringRead = undefined;
    await hook?.();
    return value;
  }

  async versions() {
    return [{ epoch: this.current.board.epoch, seq: this.current.board.seq }];
  }
}

function setup() {
  const repo = new FakeRepository();
  const sent: { event: string; payload: unknown }[] = [];
  const watchers = { count: 1 };
  const rooms: RoomEmitter = {
    emit: (_room, event, ...args) => sent.push({ event, payload: args[0] }),
    roomSize: () => watchers.count,
  };
  const hub = new LiveHub(repo as unknown as LeaderboardRepository, rooms, 1000, () => {});
  return { repo, sent, hub, watchers };
}

describe("LiveHub", () => {
  it("sends one update per tick with only the changed entries, building on the joined snapshot", async () => {
    const { repo, sent, hub } = setup();
    const joined = await hub.boardForJoin("r");
    repo.current = snapshot(3, [2, 0, 1]);
    await hub.tick();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toEqual({
      event: "leaderboard:updated",
      payload: {
        roundId: "r",
        epoch: 1,
        prevSeq: joined.seq,
        seq: 3,
        status: "open",
        totalBallots: 3,
        changes: [
          { optionId: "1", votes: 2, rank: 1 },
          { optionId: "3", votes: 1, rank: 2 },
          { optionId: "2", votes: 0, rank: 3 },
        ],
      },
    });
    await hub.tick();
    expect(sent).toHaveLength(1);
  });

  it("gives a joining client the room's base, not a fresher read", async () => {
    const { repo, hub } = setup();
    await hub.boardForJoin("r");
    repo.current = snapshot(5, [1, 1, 0]);
    expect((await hub.boardForJoin("r")).seq).toBe(0);
    await hub.tick();
    expect((await hub.boardForJoin("r")).seq).toBe(5);
  });

  it("reads afresh for a join into a room that has no watchers left", async () => {
    const { repo, hub, watchers } = setup();
    await hub.boardForJoin("r");
    watchers.count = 0;
    repo.current = snapshot(5, [1, 1, 0]);
    expect((await hub.boardForJoin("r")).seq).toBe(5);
  });

  it("announces status changes and resets", async () => {
    const { repo, sent, hub } = setup();
    await hub.boardForJoin("r");
    repo.current = snapshot(1, [0, 0, 0], { status: "closed" });
    await hub.tick();
    expect(sent.map((m) => m.event)).toEqual(["leaderboard:updated", "round:updated"]);
    repo.current = snapshot(0, [0, 0, 0], { epoch: 2, status: "draft", revision: 2 });
    await hub.tick();
    expect(sent.slice(2)).toEqual([
      { event: "round:reset", payload: { roundId: "r", epoch: 2 } },
      { event: "round:updated", payload: repo.current.summary },
    ]);
  });

  it("drops a tick's read when a join replaced the base meanwhile", async () => {
    const { repo, sent, hub } = setup();
    await hub.boardForJoin("r");
    repo.current = snapshot(2, [1, 0, 0]);
    // The tick's read is in flight; the board leaves and a new join loads a newer base.
    repo.duringRead = async () => {
      const roomless = hub as unknown as { boards: Map<string, RoundSnapshot> };
      roomless.boards.delete("r");
      repo.current = snapshot(4, [2, 0, 0]);
      await hub.boardForJoin("r");
    };
    await hub.tick();
    expect(sent).toEqual([]);
    expect((await hub.boardForJoin("r")).seq).toBe(4);
  });
});

describe("diffEntries", () => {
  it("lists entries whose votes or rank changed", () => {
    const before = snapshot(1, [1, 1, 0]).board;
    const after = snapshot(2, [1, 2, 0]).board;
    expect(diffEntries(before, after)).toEqual([
      { optionId: "2", votes: 2, rank: 1 },
      { optionId: "1", votes: 1, rank: 2 },
    ]);
  });
});
