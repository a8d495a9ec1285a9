import { describe, expect, it } from "vitest";
import { parseGcLine, summariseGc } from "./gc-trace.js";

// Shortened lines as node --trace-gc-nvp prints them (Node 20, V8 11.3).
const scavenge = (pause: number, survived: number, promoted: number) =>
  `[1:0x1]    15909 ms: pause=${pause} mutator=74.0 gc=s reduce_memory=0 scavenge=7.55 allocated=10853944 ` +
  `promoted=${promoted} new_space_survived=${survived} nodes_died_in_new=544 promotion_ratio=18.9%`;
const full =
  "[1:0x1]    16143 ms: pause=7.4 mutator=20.4 gc=mc reduce_memory=0 mark=2.1 promoted=349928 new_space_survived=0";

describe("gc trace", () => {
  it("reads scavenges and full collections, and nothing else", () => {
    expect(parseGcLine(scavenge(8, 2_798_192, 2_648_936))).toEqual({
      kind: "s",
      pauseMs: 8,
      survivedBytes: 2_798_192,
      promotedBytes: 2_648_936,
    });
    expect(parseGcLine(full)?.kind).toBe("mc");
    expect(parseGcLine('{"level":30,"msg":"listening on http://127.0.0.1:1"}')).toBeNull();
  });

  it("summarises medians over scavenges and pauses over every collection", () => {
    const events = [scavenge(2, 1024, 0), scavenge(4, 3072, 2048), scavenge(9, 2048, 1024), full]
      .map(parseGcLine)
      .filter((event) => event !== null);
    expect(summariseGc(events)).toEqual({
      scavenges: 3,
      fullCollections: 1,
      survivedKiB: 2,
      promotedKiB: 1,
      pauseP50Ms: 4,
      pauseMaxMs: 9,
      pauseTotalMs: 22.4,
    });
  });
});
