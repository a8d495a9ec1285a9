import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { RedisClient } from "./redis-client.js";

/**
 * A Lua script run by EVALSHA, falling back to EVAL once when Redis does not know it yet (after a restart, a SCRIPT
 * FLUSH, or on a cluster a failover or a slot moved to a node that never ran it: each node has its own script
 * cache). NOSCRIPT means the script did not run, so the EVAL cannot count anything twice. Keys are always declared
 * and share their round's hash tag, so ioredis sends the script to the master of that slot and follows MOVED/ASK
 * during a migration (tests/cluster/). No script is sent inside a pipeline or MULTI: ioredis does not retry a
 * pipelined EVALSHA on NOSCRIPT (it keeps the pipeline's order), and this fallback would not see it.
 */
export class LuaScript {
  private readonly sha: string;

  constructor(
    readonly name: string,
    private readonly source: string,
  ) {
    this.sha = createHash("sha1").update(source).digest("hex");
  }

  static load(name: string): LuaScript {
    // src/lua when run from source (tsx, vitest), dist/lua when built (the build copies them).
    return new LuaScript(name, readFileSync(new URL(`../lua/${name}.lua`, import.meta.url), "utf8"));
  }

  /** `Reply`: the script's reply shape (most answer a flat list of strings). */
  async run<Reply = string[]>(redis: RedisClient, keys: string[], args: (string | number)[]): Promise<Reply> {
    try {
      return (await redis.evalsha(this.sha, keys.length, ...keys, ...args)) as Reply;
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
      return (await redis.eval(this.source, keys.length, ...keys, ...args)) as Reply;
    }
  }
}

export const scripts = {
  castBallot: LuaScript.load("cast-ballot"),
  createRound: LuaScript.load("create-round"),
  updateRound: LuaScript.load("update-round"),
  setStatus: LuaScript.load("set-status"),
  resetRound: LuaScript.load("reset-round"),
  undoReset: LuaScript.load("undo-reset"),
  archiveRound: LuaScript.load("archive-round"),
  deleteRound: LuaScript.load("delete-round"),
  createTickets: LuaScript.load("create-tickets"),
  excludeBallots: LuaScript.load("exclude-ballots"),
  restoreBallots: LuaScript.load("restore-ballots"),
};
