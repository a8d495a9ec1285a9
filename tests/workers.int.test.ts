import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { Agent } from "node:http";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isAlive, startMain, type WatchedProcess, waitForExit } from "./faults/redis-support.js";
import { mainRedisEnv } from "./support/backend.js";
import { Api, expectStatus } from "./support/http.js";
import { smallRound } from "./support/rounds.js";

/** `node backend/dist/main.js` with WORKERS=2: a cluster primary and two workers on one port (issue 8). */

const dirs: string[] = [];
const started: WatchedProcess[] = [];

afterAll(() => {
  for (const main of started) main.kill();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** The node processes whose parent is `pid` (the cluster's workers; the managed redis-server is not node). */
function nodeChildren(pid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[1]) === pid && stat.includes("(node)")) found.push(Number(entry));
    } catch {
      // Ended while we looked.
    }
  }
  return found;
}

describe.runIf(process.platform === "linux")("WORKERS=2", () => {
  it("starts two workers on one port, counts every ballot once, replaces a dead worker, stops on SIGTERM", async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "lb-workers-"));
    dirs.push(dataDir);
    // On the cluster project the workers get the cluster's seeds from their primary (LB_WORKER_REDIS_TARGET).
    const main = startMain({ DATA_DIR: dataDir, WORKERS: "2", VOTER_LIMITS: "off", ...mainRedisEnv() });
    started.push(main);
    const listening = await main.waitForLine(/^listening on (http:\/\/\S+) \(2 worker processes\)$/);
    const token = (await main.waitForLine(/admin token: +(\S+)/))[1] as string;
    const pid = main.child.pid as number;
    const workers = nodeChildren(pid);
    expect(workers).toHaveLength(2);

    // A new connection per request: the primary hands connections to the workers in turn.
    const api = new Api(listening[1] as string, token, new Agent({ keepAlive: false }));
    const round = await api.createOpenRound(smallRound(4, { minChoices: 1, maxChoices: 2 }));
    const ballots = await Promise.all(
      Array.from({ length: 20 }, async (_, index) => {
        const voter = await api.newVoter();
        const res = await api.request("POST", `/api/rounds/${round.id}/ballots`, {
          json: { choices: [String((index % 4) + 1)], idempotencyKey: `k-${index}` },
          headers: { "x-voter-token": voter },
        });
        // The same ballot again, maybe through the other worker: its receipt again, not a second count.
        const again = await api.request("POST", `/api/rounds/${round.id}/ballots`, {
          json: { choices: [String((index % 4) + 1)], idempotencyKey: `k-${index}` },
          headers: { "x-voter-token": voter },
        });
        expect(again.body).toEqual(res.body);
        return res;
      }),
    );
    for (const res of ballots) expectStatus(res, 201);
    expect((await api.leaderboard(round.id)).totalBallots).toBe(20);
    expect((await api.recount(round.id)).matches).toBe(true);

    // One worker dies: the other keeps serving the port, and the primary starts a replacement.
    const [victim] = workers as [number, number];
    process.kill(victim, "SIGKILL");
    await main.waitForLine(new RegExp(`^worker ${victim} exited \\(signal SIGKILL\\): starting another$`));
    expect((await api.get("/healthz")).status).toBe(200);
    await expect.poll(() => nodeChildren(pid).length, { timeout: 20_000 }).toBe(2);
    const replaced = nodeChildren(pid);
    expect(replaced).not.toContain(victim);

    main.child.kill("SIGTERM");
    const exit = await main.exited;
    expect(exit.code).toBe(0);
    for (const worker of replaced) await waitForExit(worker);
    expect(replaced.some(isAlive)).toBe(false);
  }, 90_000);
});
