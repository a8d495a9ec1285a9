import { type BallotReceipt, IdempotencyKeySchema } from "@lb/common";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiRequestError } from "../../lib/api";
import {
  BallotOutbox,
  isRetryable,
  newIdempotencyKey,
  type OutboxState,
  outboxStorageKey,
  parsePending,
  RETRY,
  retryDelay,
} from "./ballot-outbox";

const receipt = (choices: string[], ballotId = "b-1"): BallotReceipt => ({
  ballotId,
  roundId: "r",
  epoch: 1,
  choices,
  receivedAt: "2026-11-27T09:00:00.000Z",
  hash: "",
});

const offline = () => new ApiRequestError(0, "UNAVAILABLE", "Failed to fetch");
const refusal = (code: "TOO_MANY_CHOICES" | "ROUND_NOT_OPEN" | "ALREADY_VOTED" | "TICKET_USED", status = 400) =>
  new ApiRequestError(status, code, code);

/** A server stand-in that answers each send with the next scripted outcome and records what it was sent. */
function setup(options: { stored?: string | null; myBallot?: () => Promise<BallotReceipt | null> } = {}) {
  let stored: string | null = options.stored ?? null;
  const outcomes: (BallotReceipt | Error | "hang")[] = [];
  const sent: { choices: string[]; idempotencyKey: string }[] = [];
  const states: OutboxState[] = [];
  let keys = 0;
  const outbox = new BallotOutbox({
    read: () => stored,
    write: (value) => {
      stored = value;
    },
    send: (ballot) => {
      sent.push(ballot);
      const outcome = outcomes.shift() ?? "hang";
      if (outcome === "hang") return new Promise(() => {});
      return outcome instanceof Error ? Promise.reject(outcome) : Promise.resolve(outcome);
    },
    fetchReceipt: options.myBallot ?? (() => Promise.resolve(null)),
    newKey: () => `key-${++keys}`,
    now: () => Date.now(),
    setTimer: (callback, ms) => {
      const timer = setTimeout(callback, ms);
      return () => clearTimeout(timer);
    },
    random: () => 0.5,
    onChange: (state) => states.push(state),
  });
  return {
    outbox,
    sent,
    states,
    outcomes,
    stored: () => stored,
    kinds: () => states.map((state) => state.kind),
  };
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date("2026-11-27T09:00:00Z"));
});
afterEach(() => {
  vi.useRealTimers();
});

describe("retryDelay", () => {
  it("doubles from the base delay up to the cap, with half of it jittered", () => {
    expect(retryDelay(1, () => 0)).toBe(RETRY.baseDelayMs / 2);
    expect(retryDelay(1, () => 1)).toBe(RETRY.baseDelayMs);
    expect(retryDelay(2, () => 1)).toBe(RETRY.baseDelayMs * 2);
    expect(retryDelay(4, () => 1)).toBe(RETRY.baseDelayMs * 8);
    expect(retryDelay(50, () => 1)).toBe(RETRY.maxDelayMs);
    expect(retryDelay(50, () => 0)).toBe(RETRY.maxDelayMs / 2);
  });
});

describe("isRetryable", () => {
  it("retries network failures, timeouts, 408, 429 and 5xx, and nothing else", () => {
    expect(isRetryable(offline())).toBe(true);
    expect(isRetryable(new DOMException("signal timed out", "TimeoutError"))).toBe(true);
    expect(isRetryable(new ApiRequestError(503, "UNAVAILABLE", ""))).toBe(true);
    expect(isRetryable(new ApiRequestError(500, "INTERNAL", ""))).toBe(true);
    expect(isRetryable(new ApiRequestError(429, "INTERNAL", ""))).toBe(true);
    // A challenge the page could not solve this time: the ballot stays queued.
    expect(isRetryable(new ApiRequestError(428, "CHALLENGE_REQUIRED", ""))).toBe(true);
    expect(isRetryable(refusal("TOO_MANY_CHOICES"))).toBe(false);
    expect(isRetryable(refusal("ROUND_NOT_OPEN", 409))).toBe(false);
    expect(isRetryable(new ApiRequestError(401, "INVALID_VOTER_TOKEN", ""))).toBe(false);
  });
});

describe("BallotOutbox", () => {
  it("sends once and drops the ballot from storage when it is recorded", async () => {
    const box = setup();
    box.outcomes.push(receipt(["1", "2"]));
    box.outbox.submit(["1", "2"]);
    expect(box.kinds()).toEqual(["sending"]);
    expect(JSON.parse(box.stored() ?? "")).toEqual({ choices: ["1", "2"], idempotencyKey: "key-1", attempts: 1 });
    await vi.runAllTimersAsync();
    expect(box.kinds()).toEqual(["sending", "recorded"]);
    expect(box.sent).toEqual([{ choices: ["1", "2"], idempotencyKey: "key-1" }]);
    expect(box.stored()).toBeNull();
  });

  it("waits at least the Retry-After of a 429 before sending again, under the same key", async () => {
    const box = setup();
    box.outcomes.push(new ApiRequestError(429, "RATE_LIMITED", "slow down", undefined, 7_000), receipt(["1"]));
    box.outbox.submit(["1"]);
    await vi.advanceTimersByTimeAsync(0);
    expect(box.kinds()).toEqual(["sending", "waiting"]);
    await vi.advanceTimersByTimeAsync(6_999);
    expect(box.sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(box.kinds()).toEqual(["sending", "waiting", "sending", "recorded"]);
    expect(box.sent.map((ballot) => ballot.idempotencyKey)).toEqual(["key-1", "key-1"]);
  });

  it("retries with backoff under the same key until the server answers", async () => {
    const box = setup();
    box.outcomes.push(offline(), new ApiRequestError(503, "UNAVAILABLE", ""), receipt(["3"]));
    box.outbox.submit(["3"]);
    await vi.advanceTimersByTimeAsync(0);
    expect(box.outbox.current).toMatchObject({ kind: "waiting", retryAt: Date.now() + retryDelay(1, () => 0.5) });
    expect(box.sent).toHaveLength(1);

    await vi.advanceTimersByTimeAsync(retryDelay(1, () => 0.5) - 1);
    expect(box.sent).toHaveLength(1); // not a millisecond early
    await vi.advanceTimersByTimeAsync(1);
    expect(box.sent).toHaveLength(2);
    expect(box.outbox.current.kind).toBe("waiting");

    await vi.advanceTimersByTimeAsync(retryDelay(2, () => 0.5));
    expect(box.outbox.current).toEqual({ kind: "recorded", receipt: receipt(["3"]) });
    expect(new Set(box.sent.map((ballot) => ballot.idempotencyKey))).toEqual(new Set(["key-1"]));
    expect(box.stored()).toBeNull();
  });

  it("keeps retrying while offline, each wait longer up to the cap", async () => {
    const box = setup();
    box.outcomes.push(...Array.from({ length: 8 }, offline));
    box.outbox.submit(["1"]);
    const waits: number[] = [];
    for (let attempt = 1; attempt <= 8; attempt++) {
      await vi.advanceTimersByTimeAsync(0);
      const state = box.outbox.current;
      if (state.kind !== "waiting") throw new Error(`expected waiting, got ${state.kind}`);
      waits.push(state.retryAt - Date.now());
      await vi.advanceTimersByTimeAsync(state.retryAt - Date.now());
    }
    expect(waits).toEqual([750, 1500, 3000, 6000, 12000, 22500, 22500, 22500]);
    expect(box.sent).toHaveLength(9);
    expect(JSON.parse(box.stored() ?? "").attempts).toBe(9);
  });

  it("sends at once on retryNow (back online, socket reconnected) instead of waiting", async () => {
    const box = setup();
    box.outcomes.push(offline(), receipt(["1"]));
    box.outbox.submit(["1"]);
    await vi.advanceTimersByTimeAsync(0);
    expect(box.outbox.current.kind).toBe("waiting");
    box.outbox.retryNow();
    await vi.advanceTimersByTimeAsync(0);
    expect(box.outbox.current.kind).toBe("recorded");
    // The cancelled backoff timer does not send a third time.
    await vi.runAllTimersAsync();
    expect(box.sent).toHaveLength(2);
  });

  it("ignores retryNow and a second submit while a send is in flight", async () => {
    const box = setup();
    box.outbox.submit(["1"]);
    box.outbox.retryNow();
    box.outbox.submit(["2"]);
    await vi.runAllTimersAsync();
    expect(box.sent).toEqual([{ choices: ["1"], idempotencyKey: "key-1" }]);
  });

  it("keeps the pending ballot and its key when submit is called again before an answer", async () => {
    const box = setup();
    box.outcomes.push(offline(), receipt(["1"]));
    box.outbox.submit(["1"]);
    await vi.advanceTimersByTimeAsync(0);
    expect(box.outbox.current.kind).toBe("waiting");
    box.outbox.submit(["2"]); // e.g. a second tab's page; the first ballot may already be counted
    await vi.runAllTimersAsync();
    expect(box.sent).toEqual([
      { choices: ["1"], idempotencyKey: "key-1" },
      { choices: ["1"], idempotencyKey: "key-1" },
    ]);
  });

  it("resumes a ballot kept by an earlier visit, with its key", async () => {
    const kept = JSON.stringify({ choices: ["5", "6"], idempotencyKey: "old-key", attempts: 3 });
    const box = setup({ stored: kept });
    box.outcomes.push(receipt(["5", "6"]));
    expect(box.outbox.resume()).toBe(true);
    await vi.runAllTimersAsync();
    expect(box.sent).toEqual([{ choices: ["5", "6"], idempotencyKey: "old-key" }]);
    expect(box.outbox.current.kind).toBe("recorded");
    expect(setup().outbox.resume()).toBe(false);
  });

  it("stops on a refusal, drops the ballot, and the next submit gets a new key", async () => {
    const box = setup();
    box.outcomes.push(refusal("TOO_MANY_CHOICES"), receipt(["1"]));
    box.outbox.submit(["1", "2", "3"]);
    await vi.runAllTimersAsync();
    expect(box.outbox.current).toMatchObject({ kind: "refused", choices: ["1", "2", "3"] });
    expect(box.stored()).toBeNull();
    expect(box.sent).toHaveLength(1); // no retry after a definitive answer

    box.outbox.submit(["1"]);
    await vi.runAllTimersAsync();
    expect(box.sent.map((ballot) => ballot.idempotencyKey)).toEqual(["key-1", "key-2"]);
    expect(box.outbox.current.kind).toBe("recorded");
  });

  it("on ALREADY_VOTED shows the receipt the server has for this voter", async () => {
    const mine = receipt(["9"], "b-earlier");
    const box = setup({ myBallot: () => Promise.resolve(mine) });
    box.outcomes.push(refusal("ALREADY_VOTED", 409));
    box.outbox.submit(["1"]);
    await vi.runAllTimersAsync();
    expect(box.outbox.current).toEqual({ kind: "recorded", receipt: mine });
    expect(box.stored()).toBeNull();
  });

  it("on TICKET_USED shows the ballot the ticket cast; with none to show it is refused with TICKET_USED", async () => {
    const theirs = receipt(["4"], "b-other-phone");
    const box = setup({ myBallot: () => Promise.resolve(theirs) });
    box.outcomes.push(refusal("TICKET_USED", 409));
    box.outbox.submit(["1"]);
    await vi.runAllTimersAsync();
    expect(box.outbox.current).toEqual({ kind: "recorded", receipt: theirs });

    const none = setup({ myBallot: () => Promise.resolve(null) });
    none.outcomes.push(refusal("TICKET_USED", 409));
    none.outbox.submit(["1"]);
    await vi.runAllTimersAsync();
    expect(none.outbox.current).toMatchObject({ kind: "refused", error: { code: "TICKET_USED" } });
    expect(none.stored()).toBeNull();
  });

  it("retries the receipt lookup of ALREADY_VOTED when it fails on the network", async () => {
    const mine = receipt(["9"], "b-earlier");
    const lookups = [Promise.reject(offline()), Promise.resolve(mine)];
    const box = setup({ myBallot: () => lookups.shift() ?? Promise.resolve(null) });
    box.outcomes.push(refusal("ALREADY_VOTED", 409), refusal("ALREADY_VOTED", 409));
    box.outbox.submit(["1"]);
    await vi.advanceTimersByTimeAsync(0);
    expect(box.outbox.current.kind).toBe("waiting");
    await vi.runAllTimersAsync();
    expect(box.outbox.current).toEqual({ kind: "recorded", receipt: mine });
  });

  it("after dispose neither retries nor reports, and keeps the ballot for the next visit", async () => {
    const box = setup();
    box.outcomes.push(offline());
    box.outbox.submit(["1"]);
    await vi.advanceTimersByTimeAsync(0);
    box.outbox.dispose();
    await vi.runAllTimersAsync();
    expect(box.sent).toHaveLength(1);
    expect(box.kinds()).toEqual(["sending", "waiting"]);
    expect(parsePending(box.stored())).toEqual({ choices: ["1"], idempotencyKey: "key-1", attempts: 1 });
  });
});

describe("storage", () => {
  it("keys the slot by round, epoch and voter without storing the token", () => {
    const key = outboxStorageKey("demo", 2, "secret-token");
    expect(key).toMatch(/^lb\.outbox\.demo\.2\.[0-9a-z]+$/);
    expect(key).not.toContain("secret");
    expect(outboxStorageKey("demo", 2, "other-token")).not.toBe(key);
    expect(outboxStorageKey("demo", 3, "secret-token")).not.toBe(key);
  });

  it("ignores what it cannot read", () => {
    expect(parsePending(null)).toBeNull();
    expect(parsePending("{not json")).toBeNull();
    expect(parsePending(JSON.stringify({ choices: [1], idempotencyKey: "k", attempts: 0 }))).toBeNull();
  });
});

describe("newIdempotencyKey", () => {
  it("makes distinct keys the server accepts", () => {
    const keys = new Set(Array.from({ length: 50 }, newIdempotencyKey));
    expect(keys.size).toBe(50);
    for (const key of keys) expect(IdempotencyKeySchema.safeParse(key).success).toBe(true);
  });
});
