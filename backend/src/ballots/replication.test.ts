import { describe, expect, it } from "vitest";
import { AppError } from "../http/app-error.js";
import type { RedisClient } from "../redis/redis-client.js";
import { confirmReplicated } from "./replication.js";

type Reply = [Error | null, unknown][];

/** A client whose pipelines (marker SET + WAIT) are answered by hand, in the order they were sent. */
function fakeClient(cluster = false) {
  const sent: { key: string; resolve: (replies: Reply) => void }[] = [];
  let refreshed = 0;
  const client = {
    isCluster: cluster,
    refreshSlotsCache(callback: () => void) {
      refreshed += 1;
      callback();
    },
    pipeline() {
      let key = "";
      const chain = {
        set(name: string) {
          key = name;
          return chain;
        },
        wait() {
          return chain;
        },
        exec: () => new Promise<Reply>((resolve) => sent.push({ key, resolve })),
      };
      return chain;
    },
  };
  return { redis: client as unknown as RedisClient, sent, refreshed: () => refreshed };
}

const replicated = { mode: "replicated", timeoutMs: 100 } as const;
const acked = (replicas: number): Reply => [
  [null, "OK"],
  [null, replicas],
];
/** Lets the promise chains of confirmReplicated run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("confirmReplicated", () => {
  it("does nothing for BALLOT_DURABILITY=local", async () => {
    const { redis, sent } = fakeClient();
    await confirmReplicated(redis, "r1", { mode: "local" });
    expect(sent).toHaveLength(0);
  });

  it("writes the round's marker and WAITs; one replica is enough", async () => {
    const { redis, sent } = fakeClient();
    const done = confirmReplicated(redis, "r1", replicated);
    expect(sent.map((call) => call.key)).toEqual(["lb:{round:r1}:replicated"]);
    sent[0]?.resolve(acked(1));
    await expect(done).resolves.toBeUndefined();
  });

  it("answers 503 UNAVAILABLE with Retry-After when no replica confirms in time", async () => {
    const { redis, sent } = fakeClient();
    const done = confirmReplicated(redis, "r1", replicated);
    sent[0]?.resolve(acked(0));
    const error = await done.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: "UNAVAILABLE", status: 503, headers: { "Retry-After": "1" } });
  });

  it("ballots arriving while a WAIT is in flight share the next one, sent after the first returns", async () => {
    const { redis, sent } = fakeClient();
    const first = confirmReplicated(redis, "r1", replicated);
    // These replies came after the first marker was sent: the first WAIT does not cover them.
    const second = confirmReplicated(redis, "r1", replicated);
    const third = confirmReplicated(redis, "r1", replicated);
    const otherRound = confirmReplicated(redis, "r2", replicated);
    expect(sent.map((call) => call.key)).toEqual(["lb:{round:r1}:replicated", "lb:{round:r2}:replicated"]);
    let secondDone = false;
    void second.then(() => {
      secondDone = true;
    });
    sent[0]?.resolve(acked(1));
    await first;
    await settle();
    expect(secondDone).toBe(false);
    expect(sent).toHaveLength(3);
    sent[2]?.resolve(acked(1));
    await Promise.all([second, third]);
    sent[1]?.resolve(acked(1));
    await otherRound;
    expect(sent).toHaveLength(3);
  });

  it("after MOVED (a failover left the client's slot map stale), reads the slots again and tries once more", async () => {
    const { redis, sent, refreshed } = fakeClient(true);
    const done = confirmReplicated(redis, "r1", replicated);
    sent[0]?.resolve([
      [new Error("MOVED 1234 127.0.0.1:7001"), null],
      [new Error("ERR WAIT cannot be used with replica instances"), null],
    ]);
    await settle();
    expect(refreshed()).toBe(1);
    expect(sent).toHaveLength(2);
    sent[1]?.resolve(acked(1));
    await expect(done).resolves.toBeUndefined();
  });
});
