import {
  applyLeaderboardUpdate,
  type Leaderboard,
  type LeaderboardUpdate,
  type RoundRules,
  type RoundStatus,
  type RoundSummary,
  rankEntries,
} from "@lb/common";
import { describe, expect, it } from "vitest";
import type { BoardAccess, Grant } from "../leaderboard/board-access.js";
import type { LeaderboardRepository, RoundSnapshot } from "../leaderboard/leaderboard.repository.js";
import { emptyViewCounts } from "../stats/stats.repository.js";
import { type ClientSocket, collect, startTestIo } from "./io.test-support.js";
import { diffEntries, type Lane, LiveHub, type RoomEmitter } from "./live-hub.js";
import { registerRealtime, roomEmitter } from "./realtime.js";

const RULES: RoundRules = {
  minChoices: 1,
  maxChoices: 1,
  resultsVisibility: "always",
  screenVisibility: "always",
  opensAt: null,
  closesAt: null,
  electorate: "open",
  ballotsPerVoter: "once",
  timeZone: "Asia/Shanghai",
  allowedNetworks: [],
};

function snapshot(
  seq: number,
  votes: number[],
  extra: { epoch?: number; status?: RoundStatus; revision?: number; rules?: Partial<RoundRules>; ended?: boolean } = {},
): RoundSnapshot {
  const board: Leaderboard = {
    roundId: "r",
    epoch: extra.epoch ?? 1,
    seq,
    status: extra.status ?? "open",
    totalBallots: votes.reduce((a, b) => a + b, 0),
    resultsHidden: false,
    entries: rankEntries(
      votes.map((v, i) => ({ optionId: String(i + 1), number: i + 1, title: `#${i + 1}`, votes: v })),
    ),
  };
  const summary: RoundSummary = {
    id: "r",
    epoch: board.epoch,
    title: "t",
    description: "",
    rules: { ...RULES, ...extra.rules },
    status: board.status,
    revision: extra.revision ?? 1,
    archived: false,
    totalBallots: board.totalBallots,
    optionCount: votes.length,
    votingOpen: board.status === "open" && !extra.ended,
    votingEnded: board.status === "closed" || Boolean(extra.ended),
    serverTime: "",
    createdAt: "",
    updatedAt: "",
  };
  return { board, summary };
}

/** A stand-in for Redis: the hub only needs the current snapshot and its version. */
class FakeRepository {
  current: RoundSnapshot = snapshot(0, [0, 0, 0]);
  screenKey: string | null = "key-1";
  /** Runs while a snapshot read is in flight, to let a test interleave a join. */
  duringRead: (() => Promise<void>) | undefined;
  /** The round was deleted: its meta is gone (versions say epoch null) and reading it fails. */
  deleted = false;
  reads = 0;

  async snapshot(): Promise<RoundSnapshot> {
    this.reads++;
    if (this.deleted) throw new Error("ROUND_NOT_FOUND");
    const value = this.current;
    const hook = this.duringRead;
    this.duringRead = undefined;
    await hook?.();
    return value;
  }

  async versions() {
    if (this.deleted) return [{ epoch: null, seq: -1, screenKey: null }];
    return [{ epoch: this.current.board.epoch, seq: this.current.board.seq, screenKey: this.screenKey }];
  }
}

function setup() {
  const repo = new FakeRepository();
  const sent: { room: string; event: string; payload: unknown }[] = [];
  /** Regroups in order, among the sent messages (as "regroup"), to check they come before the update. */
  const regroups: { base: RoundSnapshot; screenKey: string | null; notify: boolean }[] = [];
  const presence: { roundId: string; counts: unknown }[] = [];
  /** Sockets in the round's results room of screens, and of phones. */
  const watchers = { count: 1, phones: 0 };
  const rooms: RoomEmitter = {
    emit: (room, event, ...args) => sent.push({ room, event, payload: args[0] }),
    flush: async () => {},
    roomSize: (room) => (room === "round:r" ? watchers.count : room === "round:r:phone" ? watchers.phones : 0),
    viewCounts: () => ({ ...emptyViewCounts(), screen: 1 }),
    regroup: (_roundId, base, screenKey, notify) => {
      regroups.push({ base, screenKey, notify });
      sent.push({ room: "-", event: "regroup", payload: undefined });
    },
  };
  const hub = new LiveHub(repo as unknown as LeaderboardRepository, rooms, {
    tickMs: 1000,
    phoneUpdateMs: 3000,
    backendId: "b1",
    presence: { reportPresence: async (roundId, _backend, counts) => void presence.push({ roundId, counts }) },
    log: () => {},
  });
  const toResults = () => sent.filter((m) => m.room === "round:r");
  return { repo, sent, toResults, hub, watchers, presence, regroups };
}

describe("LiveHub", () => {
  it("sends one update per tick with only the changed entries, building on the joined snapshot", async () => {
    const { repo, sent, toResults, hub } = setup();
    const joined = await hub.snapshotForJoin("r");
    repo.current = snapshot(3, [2, 0, 1]);
    await hub.tick();
    expect(toResults()).toEqual([
      {
        room: "round:r",
        event: "leaderboard:updated",
        payload: {
          roundId: "r",
          epoch: 1,
          prevSeq: joined.board.seq,
          seq: 3,
          status: "open",
          totalBallots: 3,
          // #2's rank changed but not its votes: the client ranks again.
          changes: [
            ["1", 2],
            ["3", 1],
          ],
        },
      },
    ]);
    // Viewers who may not see results get the same seq chain without the changes.
    expect(sent.filter((m) => m.room === "round:r:hidden")).toEqual([
      {
        room: "round:r:hidden",
        event: "leaderboard:updated",
        payload: { ...(toResults()[0]?.payload as object), changes: [] },
      },
    ]);
    await hub.tick();
    expect(sent.filter((m) => m.event !== "regroup")).toHaveLength(2);
  });

  it("gives a joining client the room's base, not a fresher read", async () => {
    const { repo, hub } = setup();
    await hub.snapshotForJoin("r");
    repo.current = snapshot(5, [1, 1, 0]);
    expect((await hub.snapshotForJoin("r")).board.seq).toBe(0);
    await hub.tick();
    expect((await hub.snapshotForJoin("r")).board.seq).toBe(5);
  });

  it("reads afresh for a join into a round that has no watchers left", async () => {
    const { repo, hub, watchers } = setup();
    await hub.snapshotForJoin("r");
    watchers.count = 0;
    repo.current = snapshot(5, [1, 1, 0]);
    expect((await hub.snapshotForJoin("r")).board.seq).toBe(5);
  });

  it("announces status changes and resets", async () => {
    const { repo, toResults, hub } = setup();
    await hub.snapshotForJoin("r");
    repo.current = snapshot(1, [0, 0, 0], { status: "closed" });
    await hub.tick();
    expect(toResults().map((m) => m.event)).toEqual(["leaderboard:updated", "round:updated"]);
    repo.current = snapshot(0, [0, 0, 0], { epoch: 2, status: "draft", revision: 2 });
    await hub.tick();
    expect(toResults().slice(2)).toEqual([
      { room: "round:r", event: "round:reset", payload: { roundId: "r", epoch: 2 } },
      { room: "round:r", event: "round:updated", payload: repo.current.summary },
    ]);
  });

  it("announces a voting window that ends, though nothing was written to Redis", async () => {
    const { repo, toResults, hub } = setup();
    const closesAt = "2026-01-01T12:00:00Z";
    repo.current = snapshot(2, [1, 0, 0], { rules: { closesAt } });
    await hub.snapshotForJoin("r");
    await hub.tick(Date.parse("2026-01-01T11:59:00Z"));
    expect(toResults()).toEqual([]);
    repo.current = snapshot(2, [1, 0, 0], { rules: { closesAt }, ended: true });
    await hub.tick(Date.parse("2026-01-01T12:00:00Z"));
    expect(toResults().map((m) => m.event)).toEqual(["round:updated"]);
  });

  it("drops a tick's read when a join replaced the base meanwhile", async () => {
    const { repo, sent, hub } = setup();
    await hub.snapshotForJoin("r");
    repo.current = snapshot(2, [1, 0, 0]);
    // The tick's read is in flight; the board leaves and a new join loads a newer base.
    repo.duringRead = async () => {
      const internals = hub as unknown as { snapshots: Map<string, RoundSnapshot> };
      internals.snapshots.delete("r");
      repo.current = snapshot(4, [2, 0, 0]);
      await hub.snapshotForJoin("r");
    };
    await hub.tick();
    expect(sent).toEqual([]);
    expect((await hub.snapshotForJoin("r")).board.seq).toBe(4);
  });

  it("reports this backend's sockets per page for the rounds it watches", async () => {
    const { hub, presence } = setup();
    await hub.snapshotForJoin("r");
    await hub.tick(10_000);
    await hub.tick(10_001);
    expect(presence).toEqual([{ roundId: "r", counts: { vote: 0, board: 0, screen: 1, console: 0 } }]);
  });
});

describe("LiveHub access changes", () => {
  it("judges the sockets again before the update of a tick that changed the rules", async () => {
    const { repo, sent, hub, regroups } = setup();
    await hub.snapshotForJoin("r");
    await hub.tick(); // learns the screen key: judges every socket once against it
    expect(regroups.map((r) => r.notify)).toEqual([true]);
    sent.length = 0;
    repo.current = snapshot(2, [1, 0, 0], { revision: 2, rules: { resultsVisibility: "never" } });
    await hub.tick();
    // round:updated goes to everyone on a rules change, so the regroup itself need not tell the movers.
    expect(regroups[1]).toEqual({ base: repo.current, screenKey: "key-1", notify: false });
    expect(sent.map((m) => m.event)[0]).toBe("regroup");
  });

  it("judges them again on status, epoch and window changes, and not on a mere ballot", async () => {
    const { repo, sent, hub, regroups } = setup();
    await hub.snapshotForJoin("r");
    await hub.tick();
    repo.current = snapshot(1, [1, 0, 0]);
    await hub.tick();
    expect(regroups).toHaveLength(1);
    repo.current = snapshot(2, [1, 0, 0], { status: "closed" });
    sent.length = 0;
    await hub.tick();
    expect(regroups).toHaveLength(2);
    expect(sent.map((m) => m.event)).toEqual([
      "regroup",
      "leaderboard:updated",
      "leaderboard:updated",
      "round:updated",
      "round:updated",
    ]);
    repo.current = snapshot(0, [0, 0, 0], { epoch: 2, status: "draft", revision: 2 });
    await hub.tick();
    expect(regroups).toHaveLength(3);
    const closesAt = "2026-01-01T12:00:00Z";
    repo.current = snapshot(1, [0, 0, 0], { epoch: 2, revision: 3, rules: { closesAt } });
    await hub.tick(Date.parse("2026-01-01T11:00:00Z"));
    expect(regroups).toHaveLength(4);
    repo.current = snapshot(1, [0, 0, 0], { epoch: 2, revision: 3, rules: { closesAt }, ended: true });
    await hub.tick(Date.parse("2026-01-01T12:00:00Z"));
    expect(regroups).toHaveLength(5);
  });

  it("a replaced screen key alone regroups without reading the round, and tells the sockets that move", async () => {
    const { repo, hub, regroups } = setup();
    const base = await hub.snapshotForJoin("r");
    await hub.tick();
    expect(hub.screenKeyOf("r")).toBe("key-1");
    let reads = 0;
    repo.duringRead = async () => {
      reads++;
    };
    repo.screenKey = "key-2";
    await hub.tick();
    expect(reads).toBe(0);
    expect(regroups[1]).toEqual({ base, screenKey: "key-2", notify: true });
    expect(hub.screenKeyOf("r")).toBe("key-2");
    await hub.tick();
    expect(regroups).toHaveLength(2);
  });
});

describe("LiveHub phones", () => {
  const updates = (sent: { room: string; event: string; payload: unknown }[], room: string) =>
    sent.filter((m) => m.room === room && m.event === "leaderboard:updated").map((m) => m.payload as LeaderboardUpdate);

  it("sends phones one update per phoneUpdateMs with every change since their last, screens one per tick", async () => {
    const { repo, sent, hub, watchers } = setup();
    watchers.phones = 1;
    const phoneBase = await hub.snapshotForJoin("r", "phone");
    const t0 = 100_000;
    await hub.tick(t0);
    for (const [i, votes] of [
      [1, 0, 0],
      [1, 1, 0],
      [1, 1, 2],
    ].entries()) {
      repo.current = snapshot(i + 1, votes as number[]);
      await hub.tick(t0 + (i + 1) * 1000);
    }
    expect(updates(sent, "round:r").map((u) => [u.prevSeq, u.seq])).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
    ]);
    // The first change reaches the phones at once; the next two wait for their next update, 3 s later.
    expect(updates(sent, "round:r:phone").map((u) => [u.prevSeq, u.seq])).toEqual([[0, 1]]);
    // A phone joining now builds on what phones were last sent, a screen on the screens' base.
    expect((await hub.snapshotForJoin("r", "phone")).board.seq).toBe(1);
    expect((await hub.snapshotForJoin("r", "screen")).board.seq).toBe(3);
    repo.current = snapshot(4, [2, 1, 2]);
    await hub.tick(t0 + 4000);
    const phone = updates(sent, "round:r:phone")[1] as LeaderboardUpdate;
    expect(phone).toMatchObject({ prevSeq: 1, seq: 4, totalBallots: 5 });
    expect(applyLeaderboardUpdate(snapshot(1, [1, 0, 0]).board, phone)).toEqual(repo.current.board);
    expect(phoneBase.board.seq).toBe(0);
    // Nothing new is written after this change, yet the phones get it once they are due.
    repo.current = snapshot(5, [2, 2, 2]);
    await hub.tick(t0 + 5000);
    await hub.tick(t0 + 6000);
    expect(updates(sent, "round:r:phone")).toHaveLength(2);
    await hub.tick(t0 + 7000);
    expect(updates(sent, "round:r:phone").map((u) => [u.prevSeq, u.seq])).toEqual([
      [0, 1],
      [1, 4],
      [4, 5],
    ]);
  });

  it("tells phones of a status change at once, not when their next update is due", async () => {
    const { repo, sent, hub, watchers } = setup();
    watchers.phones = 1;
    await hub.snapshotForJoin("r", "phone");
    await hub.tick(100_000);
    repo.current = snapshot(1, [1, 0, 0]);
    await hub.tick(101_000);
    repo.current = snapshot(2, [2, 0, 0]);
    await hub.tick(102_000);
    repo.current = snapshot(3, [2, 0, 0], { status: "closed" });
    await hub.tick(103_000);
    const toPhones = sent.filter((m) => m.room === "round:r:phone");
    expect(toPhones.map((m) => m.event)).toEqual(["leaderboard:updated", "leaderboard:updated", "round:updated"]);
    expect(toPhones[1]?.payload).toMatchObject({ prevSeq: 1, seq: 3, status: "closed" });
  });

  it("keeps no phone backlog while no phone watches: a phone joining later starts from the screens' base", async () => {
    const { repo, sent, hub, watchers } = setup();
    await hub.snapshotForJoin("r");
    repo.current = snapshot(1, [1, 0, 0]);
    await hub.tick(100_000);
    watchers.phones = 1;
    expect((await hub.snapshotForJoin("r", "phone")).board.seq).toBe(1);
    expect(sent.filter((m) => m.room.endsWith(":phone"))).toEqual([]);
  });
});

describe("diffEntries", () => {
  it("lists the options whose votes changed, packed as [optionId, votes]", () => {
    const before = snapshot(1, [1, 1, 0]).board;
    const after = snapshot(2, [1, 2, 0]).board;
    expect(diffEntries(before, after)).toEqual([["2", 2]]);
    expect(applyLeaderboardUpdate(before, { ...after, prevSeq: 1, changes: diffEntries(before, after) })).toEqual(
      after,
    );
  });

  it("lets a deleted round go instead of failing to read it on every tick", async () => {
    const { repo, hub, sent } = setup();
    await hub.snapshotForJoin("r");
    const readsBefore = repo.reads;
    repo.deleted = true;
    await hub.tick();
    await hub.tick();
    expect(repo.reads).toBe(readsBefore);
    expect(sent).toEqual([]);
  });
});

describe("board:join beside a tick, over Socket.IO", () => {
  /**
   * One Redis reply can resume both a join and a tick in the same run of microtasks: the join has read the base,
   * then the tick moves the base on and sends the room its update, then the join enters the room. This hub runs
   * a whole tick at exactly that point, every time.
   */
  class TickBetweenJoinAndRoom extends LiveHub {
    duringJoin: (() => Promise<void>) | undefined;
    override async snapshotForJoin(roundId: string, lane?: Lane): Promise<RoundSnapshot> {
      const base = await super.snapshotForJoin(roundId, lane);
      const during = this.duringJoin;
      this.duringJoin = undefined;
      await during?.();
      return base;
    }
  }

  it("a socket that joins while a tick sends an update gets a base that the room's next update builds on", async () => {
    const repo = new FakeRepository();
    const { io, connect, close } = await startTestIo();
    const hub = new TickBetweenJoinAndRoom(
      repo as unknown as LeaderboardRepository,
      roomEmitter(io, 100, () => {}),
      { tickMs: 60_000, backendId: "b1", presence: { reportPresence: async () => {} }, log: () => {} },
    );
    const grant: Grant = { viewer: { kind: "admin" }, epoch: 1 };
    registerRealtime(io, {
      hub,
      access: { grant: async () => grant } as unknown as BoardAccess,
      voterSecret: "s".repeat(32),
      trustProxy: false,
      limits: { maxRounds: 5, joinsPerMinute: 100 },
      log: () => {},
    });
    const join = (client: ClientSocket) =>
      client.timeout(5_000).emitWithAck("board:join", { roundId: "r" }) as Promise<{ ok: Leaderboard }>;
    try {
      // Someone already watches, so the hub answers joins from the base it holds.
      await join(connect());
      const late = connect();
      const { received: updates, first: next } = collect(late, "leaderboard:updated");
      // A tick runs between the join's read of the base and its entry into the room.
      repo.current = snapshot(1, [1, 0, 0]);
      hub.duringJoin = () => hub.tick();
      const joined = (await join(late)).ok;
      // The next change reaches the late socket on top of what it joined with.
      repo.current = snapshot(2, [2, 0, 0]);
      await hub.tick();
      await next;
      expect(updates.map((update) => [update.prevSeq, update.seq])).toEqual([[joined.seq, 2]]);
      expect(joined.seq).toBe(1);
    } finally {
      await close();
    }
  });
});
