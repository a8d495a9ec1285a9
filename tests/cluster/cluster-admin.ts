import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { RedisTarget } from "@lb/backend";
import type { BallotReceipt } from "@lb/common";
import { Redis } from "ioredis";
import { sendLikeAPhone } from "../faults/ballot-ledger.js";
import type { Api } from "../support/http.js";
import { uniqueRoundId } from "../support/rounds.js";

const run = promisify(execFile);

/** A node of the test cluster as CLUSTER NODES describes it. */
export interface NodeInfo {
  id: string;
  port: number;
  role: "master" | "replica";
  /** A replica's master id. */
  masterId: string | null;
  failed: boolean;
}

/** Plain (non-cluster) connections to single nodes, for the cluster's own admin commands. */
export class ClusterAdmin {
  private readonly clients = new Map<number, Redis>();

  constructor(private readonly ports: readonly number[]) {}

  static of(target: RedisTarget): ClusterAdmin {
    if (!("cluster" in target)) throw new Error("these tests need the cluster project (LB_TEST_REDIS=cluster)");
    return new ClusterAdmin(target.cluster.nodes.map((node) => node.port));
  }

  node(port: number): Redis {
    let client = this.clients.get(port);
    if (!client) {
      client = new Redis({ host: "127.0.0.1", port, maxRetriesPerRequest: 1, retryStrategy: () => null });
      client.on("error", () => {});
      this.clients.set(port, client);
    }
    return client;
  }

  /** The first node that answers (a test may have killed some). */
  async live(): Promise<Redis> {
    for (const port of this.ports) {
      const client = this.node(port);
      if (
        await client.ping().then(
          () => true,
          () => false,
        )
      )
        return client;
    }
    throw new Error("no cluster node answers");
  }

  async nodes(): Promise<NodeInfo[]> {
    const text = (await (await this.live()).cluster("NODES")) as string;
    return text
      .trim()
      .split("\n")
      .map((line) => {
        const [id = "", address = "", flags = "", master = "-"] = line.split(" ");
        return {
          id,
          port: Number(/:(\d+)@/.exec(address)?.[1]),
          role: flags.includes("master") ? "master" : "replica",
          masterId: master === "-" ? null : master,
          failed: /fail/.test(flags),
        };
      });
  }

  /** The port of the master that serves `slot` now. */
  async masterOfSlot(slot: number): Promise<number> {
    const slots = (await (await this.live()).cluster("SLOTS")) as unknown as [number, number, [string, number]][];
    const range = slots.find(([from, to]) => slot >= from && slot <= to);
    if (!range) throw new Error(`no master serves slot ${slot}`);
    return range[2][1];
  }

  /** A fresh round id whose slot the master on `port` serves now. */
  async roundIdOnMaster(port: number, prefix = "on"): Promise<string> {
    for (let attempt = 0; attempt < 100; attempt++) {
      const id = uniqueRoundId(prefix);
      if ((await this.masterOfSlot(await this.slotOfRound(id))) === port) return id;
    }
    throw new Error(`no round id found on master ${port}`);
  }

  async slotOfRound(roundId: string): Promise<number> {
    return (await (await this.live()).cluster("KEYSLOT", `lb:{round:${roundId}}:meta`)) as number;
  }

  /**
   * A fresh round id whose keys live in `slot`, found by asking Redis for the slot of candidates (CLUSTER KEYSLOT,
   * pipelined): about 16384 candidates for one slot.
   */
  async roundIdInSlot(slot: number, prefix = "sl"): Promise<string> {
    const node = await this.live();
    for (let batch = 0; batch < 20; batch++) {
      const candidates = Array.from({ length: 4096 }, () => uniqueRoundId(prefix));
      const pipeline = node.pipeline();
      for (const id of candidates) pipeline.cluster("KEYSLOT", `lb:{round:${id}}:meta`);
      const replies = (await pipeline.exec()) ?? [];
      const index = replies.findIndex(([, value]) => value === slot);
      if (index >= 0) return candidates[index] as string;
    }
    throw new Error(`no round id found for slot ${slot}`);
  }

  /**
   * `redis-cli --cluster reshard` of `count` slots from one master to another: redis-cli moves the source's lowest
   * slots, key by key (MIGRATE), while clients keep writing (ASK and TRYAGAIN redirections).
   */
  async reshard(fromPort: number, toPort: number, count = 1): Promise<void> {
    const nodes = await this.nodes();
    const id = (port: number) => nodes.find((node) => node.port === port)?.id ?? "";
    await run(
      "redis-cli",
      [
        "--cluster",
        "reshard",
        `127.0.0.1:${fromPort}`,
        "--cluster-from",
        id(fromPort),
        "--cluster-to",
        id(toPort),
        "--cluster-slots",
        String(count),
        "--cluster-yes",
      ],
      { timeout: 60_000 },
    );
  }

  close(): void {
    for (const client of this.clients.values()) client.disconnect();
  }
}

/** Phones voting in a round until stopped or out of voters (each voter once, retrying like the voter page). */
export interface BallotLoad {
  receipts: BallotReceipt[];
  /** Every answer of the ballots that got no receipt after all their tries. */
  unacknowledged: string[][];
  /** Resolves once `count` ballots are acknowledged, or the load has ended. */
  until(count: number): Promise<void>;
  /** Lets each phone finish the ballot it is sending, then resolves. */
  stop(): Promise<void>;
}

export function startBallotLoad(
  apis: readonly Api[],
  roundId: string,
  voters: readonly string[],
  options: { phones?: number; options?: number; maxAttempts?: number } = {},
): BallotLoad {
  const receipts: BallotReceipt[] = [];
  const unacknowledged: string[][] = [];
  const waiting: { count: number; resolve: () => void }[] = [];
  let next = 0;
  let stopped = false;
  const wake = (all = false) => {
    for (const waiter of [...waiting]) {
      if (!all && receipts.length < waiter.count) continue;
      waiting.splice(waiting.indexOf(waiter), 1);
      waiter.resolve();
    }
  };
  const phone = async () => {
    while (!stopped && next < voters.length) {
      const index = next++;
      const choice = String((index % (options.options ?? 4)) + 1);
      const result = await sendLikeAPhone(apis, roundId, voters[index] as string, [choice], `k-${index}`, {
        maxAttempts: options.maxAttempts ?? 40,
        firstApi: index,
      });
      if (result.receipt) receipts.push(result.receipt);
      else unacknowledged.push(result.attempts);
      wake();
    }
  };
  const done = Promise.all(Array.from({ length: options.phones ?? 6 }, phone)).finally(() => wake(true));
  return {
    receipts,
    unacknowledged,
    until(count) {
      if (receipts.length >= count || next >= voters.length) return Promise.resolve();
      return new Promise((resolve) => waiting.push({ count, resolve }));
    },
    async stop() {
      stopped = true;
      await done;
    },
  };
}
