import { describe, expect, it } from "vitest";
import { Batcher } from "./ballot-batcher.js";

/** A batcher whose runs are recorded, answering each item with its key and value. */
function recording(max: number) {
  const runs: { key: string; items: number[] }[] = [];
  const batcher = new Batcher<number, string>(max, async (key, items) => {
    runs.push({ key, items });
    return items.map((item) => `${key}:${item}`);
  });
  return { runs, batcher };
}

describe("Batcher", () => {
  it("runs the items of one key submitted in the same turn once, each with its own answer", async () => {
    const { runs, batcher } = recording(64);
    const answers = await Promise.all([batcher.submit("r1", 1), batcher.submit("r2", 2), batcher.submit("r1", 3)]);
    expect(answers).toEqual(["r1:1", "r2:2", "r1:3"]);
    expect(runs).toEqual([
      { key: "r1", items: [1, 3] },
      { key: "r2", items: [2] },
    ]);
  });

  it("sends a full batch at once and the rest at the end of the turn", async () => {
    const { runs, batcher } = recording(2);
    const answers = Promise.all([1, 2, 3, 4, 5].map((item) => batcher.submit("r", item)));
    // The first two full batches left before the turn ended.
    expect(runs.map((run) => run.items)).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(await answers).toEqual(["r:1", "r:2", "r:3", "r:4", "r:5"]);
    expect(runs.map((run) => run.items)).toEqual([[1, 2], [3, 4], [5]]);
  });

  it("items of a later turn go in a later batch", async () => {
    const { runs, batcher } = recording(64);
    await batcher.submit("r", 1);
    await batcher.submit("r", 2);
    expect(runs.map((run) => run.items)).toEqual([[1], [2]]);
  });

  it("a batch that fails fails each of its items with the same error, and only them", async () => {
    const outage = new Error("connection lost");
    let calls = 0;
    const batcher = new Batcher<number, number>(64, async (_key, items) => {
      calls += 1;
      if (calls === 1) throw outage;
      return items;
    });
    const failed = await Promise.allSettled([batcher.submit("r", 1), batcher.submit("r", 2)]);
    expect(failed).toEqual([
      { status: "rejected", reason: outage },
      { status: "rejected", reason: outage },
    ]);
    expect(await batcher.submit("r", 3)).toBe(3);
  });
});
