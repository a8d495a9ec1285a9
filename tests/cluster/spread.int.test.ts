import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectCountedExactlyOnce } from "../faults/ballot-ledger.js";
import { type Backends, redisTarget, startBackends } from "../support/backend.js";
import { smallRound } from "../support/rounds.js";
import { ClusterAdmin, startBallotLoad } from "./cluster-admin.js";

/** Rounds on the run's Redis Cluster (3 masters, 3 replicas): where they live, and a slot moved under load. */

let backends: Backends;
let admin: ClusterAdmin;

beforeAll(async () => {
  admin = ClusterAdmin.of(redisTarget());
  backends = await startBackends(2);
});

afterAll(async () => {
  await backends?.close();
  admin?.close();
});

describe("rounds on a Redis Cluster", () => {
  it("spread over all three masters, each round whole on its own master and counted there", async () => {
    const { api } = backends;
    const masters = new Set((await admin.nodes()).filter((node) => node.role === "master").map((node) => node.port));
    expect(masters.size).toBe(3);
    const byMaster = new Map<number, string[]>();
    // Random ids land on a master each with a chance of 1/3: create rounds until every master has one (bounded).
    for (let attempt = 0; attempt < 40 && byMaster.size < 3; attempt++) {
      const round = await api.createOpenRound(smallRound(3), "sp");
      const master = await admin.masterOfSlot(await admin.slotOfRound(round.id));
      byMaster.set(master, [...(byMaster.get(master) ?? []), round.id]);
    }
    expect([...byMaster.keys()].sort()).toEqual([...masters].sort());

    const voters = await api.newVoters(6);
    for (const [master, roundIds] of byMaster) {
      for (const roundId of roundIds) {
        // The round's keys are on its master: that node answers EXISTS itself, without a redirection.
        expect(await admin.node(master).exists(`lb:{round:${roundId}}:meta`)).toBe(1);
        for (const [index, voter] of voters.entries()) await api.vote(roundId, voter, [String((index % 3) + 1)]);
        const board = await api.leaderboard(roundId);
        expect(board.totalBallots).toBe(voters.length);
        expect(await api.recount(roundId)).toMatchObject({ matches: true, ballots: voters.length });
      }
    }
  });

  it("moves a live round's slot to another master and back under ballot load: nothing lost, nothing counted twice", async () => {
    const { api } = backends;
    const apis = backends.backends.map((backend) => backend.api);
    // redis-cli reshard moves a master's lowest slots: a round in slot 0 moves with the first slot each time.
    const roundId = await admin.roundIdInSlot(0, "rs");
    const round = await api.createOpenRound({ ...smallRound(4), id: roundId });
    const home = await admin.masterOfSlot(0);
    const away = (await admin.nodes()).find((node) => node.role === "master" && node.port !== home)?.port;
    if (away === undefined) throw new Error("no other master");

    const voters = await api.newVoters(400);
    const load = startBallotLoad(apis, round.id, voters);
    // Start moving once ballots flow, so that the migration meets writes; then 50 more after it is back.
    await load.until(30);
    await admin.reshard(home, away);
    expect(await admin.masterOfSlot(0)).toBe(away);
    const duringFirst = load.receipts.length;
    await admin.reshard(away, home);
    expect(await admin.masterOfSlot(0)).toBe(home);
    await load.until(load.receipts.length + 50);
    await load.stop();
    const { receipts, unacknowledged } = load;

    console.log(
      `[cluster] slot 0 moved ${home} -> ${away} -> ${home} under load: ${receipts.length} ballots acknowledged ` +
        `(${duringFirst} before the move back), ${unacknowledged.length} without a receipt`,
    );
    expect(unacknowledged).toEqual([]);
    await expectCountedExactlyOnce(api, round.id, round.epoch, receipts);
  });
});
