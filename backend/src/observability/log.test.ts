import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { requestIdFor } from "./http.js";
import { createLogger, errorFields, errorLog } from "./log.js";

/** A logger writing into an array of parsed lines. */
function capture(level: Parameters<typeof createLogger>[0] = "info") {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n")) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: createLogger(level, sink), lines };
}

/** What ioredis throws when a script fails: the command with its arguments rides along. */
function redisError(): Error {
  return Object.assign(new Error("ERR Error running script"), {
    name: "ReplyError",
    command: { name: "evalsha", args: ["sha", "3", "v:voter-hash-abc", "t:ticket-hash", "ip:203.0.113.9"] },
  });
}

describe("JSON logs", () => {
  it("writes one JSON object per line with the level's name, time, message and context", () => {
    const { logger, lines } = capture();
    logger.info({ reqId: "r-1" }, "hello");
    logger.debug("not at info");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: "info", msg: "hello", reqId: "r-1" });
    expect(typeof lines[0]?.time).toBe("string");
  });

  it("an error is logged by class, message, code and stack only: no Redis command arguments (voter hashes)", () => {
    const { logger, lines } = capture();
    errorLog(logger)("unhandled error", redisError(), { reqId: "r-2" });
    const text = JSON.stringify(lines);
    expect(lines[0]).toMatchObject({
      level: "error",
      msg: "unhandled error",
      reqId: "r-2",
      err: { type: "ReplyError" },
    });
    expect(text).not.toMatch(/voter-hash|ticket-hash|203\.0\.113\.9|evalsha/);
    expect(errorFields("plain")).toEqual({ message: "plain" });
  });

  it("redacts identity fields passed by mistake", () => {
    const { logger, lines } = capture();
    logger.info({ voterToken: "tok", voter: { voterId: "v1", ip: "203.0.113.9" }, cookie: "lb_voter=x" }, "oops");
    expect(JSON.stringify(lines)).not.toMatch(/tok"|v1|203\.0\.113\.9|lb_voter/);
  });

  it("keeps a short plain X-Request-Id and replaces anything else", () => {
    expect(requestIdFor("abc-123.x:y_z")).toBe("abc-123.x:y_z");
    for (const bad of [undefined, "", "a b", "a\nb", "x".repeat(65), ["a", "b"]]) {
      expect(requestIdFor(bad)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    }
  });
});
