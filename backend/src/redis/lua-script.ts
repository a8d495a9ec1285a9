import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Redis } from "ioredis";

/**
 * A Lua script run by EVALSHA, falling back to EVAL once when Redis does not know it yet (after a restart or
 * SCRIPT FLUSH). Keys are always declared, so the scripts run on Redis Cluster too.
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
  async run<Reply = string[]>(redis: Redis, keys: string[], args: (string | number)[]): Promise<Reply> {
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
