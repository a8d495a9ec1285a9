/**
 * Idle sockets benchmark: how much memory one backend process holds per watcher that joined a round and waits.
 *
 *   npm run bench:sockets -- [--watchers 10000] [--json]
 *
 * The real backend process (`node backend/dist/main.js`, HTTP_MAX_CONNECTIONS raised above the watcher count) and
 * a round from the demo data; W Socket.IO clients (WebSocket, from this process) connect and `board:join` it, 200
 * at a time. The backend's resident memory (VmRSS from /proc, Linux only) is read before the first and after the
 * last join, once the process has been idle for 2 s; the figure is the difference over W. A benchmark, not a
 * test: bounded in count and time, traffic to 127.0.0.1 only (or REDIS_URL), every child stopped on every way out.
 */

import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import type { ClientToServerEvents, ServerToClientEvents } from "@lb/common";
import { io, type Socket } from "socket.io-client";
import {
  newAgent,
  onCleanup,
  openDemoRound,
  parsingFlags,
  pool,
  progress,
  runMain,
  sourceRevision,
  startBackend,
  startRedis,
  startTimeLimit,
  throwIfAborted,
  wholeNumber,
} from "./bench-support.js";

const usage = `Usage: npm run bench:sockets -- [--watchers 10000] [--time-limit 300] [--json]
Environment: REDIS_URL (default: a private redis-server from PATH, in a temp dir).`;

const JOIN_CONCURRENCY = 200;
/** How long the backend is left alone before its memory is read (timers, GC after the joins). */
const SETTLE_MS = 2000;

function residentBytes(pid: number): number {
  const line = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!line) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(line[1]) * 1024;
}

async function main(): Promise<number> {
  const flags = parsingFlags(() =>
    parseArgs({
      options: {
        watchers: { type: "string", default: "10000" },
        "time-limit": { type: "string", default: "300" },
        json: { type: "boolean", default: false },
      },
    }),
  );
  const watchers = wholeNumber("watchers", flags.values.watchers, 1, 15_000);
  startTimeLimit(wholeNumber("time-limit", flags.values["time-limit"], 10, 3600));
  const redis = await startRedis("everysec");
  const backend = await startBackend(redis.url, { HTTP_MAX_CONNECTIONS: String(watchers + 1000) });
  const pid = backend.server.child.pid;
  if (pid === undefined) throw new Error("backend has no pid");
  const agent = newAgent(4);
  const roundId = `sockets-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
  await openDemoRound(agent, backend, roundId);
  await sleep(SETTLE_MS);
  const before = residentBytes(pid);

  const sockets: Socket<ServerToClientEvents, ClientToServerEvents>[] = [];
  onCleanup(() => {
    for (const socket of sockets) socket.disconnect();
  });
  let failed = 0;
  const started = performance.now();
  await pool(watchers, JOIN_CONCURRENCY, async () => {
    throwIfAborted();
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(`http://127.0.0.1:${backend.port}`, {
      transports: ["websocket"],
      reconnection: false,
      forceNew: true,
    });
    sockets.push(socket);
    const ack = await socket.timeout(30_000).emitWithAck("board:join", { roundId, view: "board" });
    if ("error" in ack) failed++;
  });
  const joinSeconds = (performance.now() - started) / 1000;
  progress(`${watchers} watchers joined in ${joinSeconds.toFixed(1)} s (${failed} failed)`);
  await sleep(SETTLE_MS);
  const after = residentBytes(pid);
  const connected = sockets.filter((socket) => socket.connected).length;
  const perWatcherKiB = (after - before) / watchers / 1024;
  const report = {
    source: sourceRevision(),
    watchers,
    connected,
    failed,
    joinSeconds: Math.round(joinSeconds * 10) / 10,
    rssBeforeMiB: Math.round(before / 2 ** 20),
    rssAfterMiB: Math.round(after / 2 ** 20),
    perWatcherKiB: Math.round(perWatcherKiB * 10) / 10,
  };
  const ok = failed === 0 && connected === watchers;
  if (flags.values.json) console.log(JSON.stringify(report));
  else {
    console.log(
      `idle sockets, source ${report.source}: ${connected} of ${watchers} watchers joined (${failed} refused) in ` +
        `${report.joinSeconds} s; backend RSS ${report.rssBeforeMiB} → ${report.rssAfterMiB} MiB = ` +
        `${report.perWatcherKiB} KiB per watcher`,
    );
  }
  return ok ? 0 : 1;
}

void runMain(main, usage);
