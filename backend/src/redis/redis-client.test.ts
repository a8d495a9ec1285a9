import { ReplyError } from "ioredis";
import { describe, expect, it } from "vitest";
import { isRetryableRedisError } from "./redis-client.js";

describe("isRetryableRedisError", () => {
  it("says yes to a Redis away or a cluster moving (the request gets 503, the client retries)", () => {
    for (const message of [
      "CLUSTERDOWN The cluster is down",
      "TRYAGAIN Multiple keys request during rehashing of slot",
      "MOVED 3999 127.0.0.1:6381",
      "LOADING Redis is loading the dataset in memory",
      "READONLY You can't write against a read only replica.",
    ]) {
      expect(isRetryableRedisError(new ReplyError(message)), message).toBe(true);
    }
    expect(isRetryableRedisError(new Error("Connection is closed."))).toBe(true);
    expect(
      isRetryableRedisError(new Error("Too many Cluster redirections. Last error: Error: Connection is closed.")),
    ).toBe(true);
    expect(isRetryableRedisError(Object.assign(new Error("x"), { name: "MaxRetriesPerRequestError" }))).toBe(true);
    // What ioredis rejects a pipelined command with when its connection closes after part of the pipeline was
    // answered (a master killed during a failover).
    expect(
      isRetryableRedisError(
        Object.assign(new Error("Command aborted due to connection close"), { name: "AbortError" }),
      ),
    ).toBe(true);
  });

  it("says no to our own bugs and to anything that is not an Error", () => {
    expect(isRetryableRedisError(new ReplyError("ERR wrong number of arguments for 'hget' command"))).toBe(false);
    expect(isRetryableRedisError(new ReplyError("CROSSSLOT Keys in request don't hash to the same slot"))).toBe(false);
    expect(isRetryableRedisError(new TypeError("x is undefined"))).toBe(false);
    expect(isRetryableRedisError("CLUSTERDOWN")).toBe(false);
  });
});
