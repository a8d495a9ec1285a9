/**
 * Recount benchmark: how long `GET /api/rounds/:id/recount` and the audit export take on a round of a million
 * ballots, and how much Redis memory a ballot costs.
 *
 *   npm run bench:recount -- [--ballots 1000000] [--seed 1] [--runs 3] [--json]
 *
 * A benchmark, not a test. The round is the demo data (64 options, 1–15 picks) created and opened through the real
 * backend process; its ballots are then written straight into Redis, bench-only, exactly as cast-ballot.lua writes
 * them (the packed audit entry with the same values and value sizes, the voters record, the minute counter, the
 * tally and the state's counters), because a million ballot scripts would take minutes. The recount must say `matches: true`
 * with every ballot counted, which also checks the fill. Traffic goes to 127.0.0.1 (or REDIS_URL, where the
 * round's keys are deleted at the end).
 */
import { createHash, randomUUID } from "node:crypto";
import { get } from "node:http";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { createRedisClient, PACKED_BALLOT_FIELD, packBallotEntry, parseAuditEntry, roundKeys } from "@lb/backend";
import type { RecountResult } from "@lb/common";
import {
  abortable,
  checkQuietMachine,
  cpuSnapshot,
  makeChoices,
  newAgent,
  onCleanup,
  openDemoRound,
  parsingFlags,
  progress,
  runMain,
  sourceRevision,
  startBackend,
  startRedis,
  startTimeLimit,
  throwIfAborted,
  wholeNumber,
} from "./bench-support.js";
import { collectGcEvents, GC_TRACE_FLAG, summariseGc } from "./gc-trace.js";

const usage = `Usage: npm run bench:recount -- [options]
  --ballots N       ballots in the round (default 1000000)
  --runs N          recounts and exports timed (default 3; the median is reported)
  --seed N          seed of the picks (default 1)
  --time-limit S    abort after S seconds (default 600)
  --gc              start the backend with node --trace-gc-nvp and report each recount's collections
  --field-form      write the audit entries as before the packed form (a stream field per value), to compare
  --json            one JSON line on stdout
Environment: REDIS_URL (default: a private redis-server from PATH, append-only file on, in a temp dir).`;

const FILL_BATCH = 5000;

interface Download {
  ms: number;
  bytes: number;
  encoding: string;
}

/** Streams a GET and counts its bytes as sent (not decompressed). */
function download(port: number, path: string, headers: Record<string, string>): Promise<Download> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    get({ host: "127.0.0.1", port, path, headers }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`GET ${path}: HTTP ${res.statusCode}`));
      let bytes = 0;
      res.on("data", (chunk: Buffer) => {
        bytes += chunk.length;
      });
      res.on("end", () =>
        resolve({
          ms: performance.now() - started,
          bytes,
          encoding: String(res.headers["content-encoding"] ?? "none"),
        }),
      );
      res.on("error", reject);
    }).on("error", reject);
  });
}

/**
 * The reference, alternated with each recount in the same run: the log read as the recount read it before
 * (2026-12-01), one XRANGE of 1000 entries after another, each entry parsed into an AuditLine, the ballots' picks
 * counted. It runs in this process, which is as busy as the backend's; the ratio resists a busy machine better
 * than the milliseconds do.
 */
async function sequentialParse(redis: ReturnType<typeof createRedisClient>, audit: string): Promise<number> {
  const started = performance.now();
  const votes = new Map<string, number>();
  let start = "-";
  for (;;) {
    const batch = await redis.xrange(audit, start, "+", "COUNT", 1000);
    for (const [, fields] of batch) {
      const line = parseAuditEntry(fields);
      if (line.kind === "ballot") for (const choice of line.choices) votes.set(choice, (votes.get(choice) ?? 0) + 1);
    }
    if (batch.length < 1000) break;
    start = `(${batch[batch.length - 1]?.[0]}`;
  }
  return performance.now() - started;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

async function main(): Promise<number> {
  const flags = parsingFlags(() =>
    parseArgs({
      options: {
        ballots: { type: "string", default: "1000000" },
        runs: { type: "string", default: "3" },
        seed: { type: "string", default: "1" },
        "time-limit": { type: "string", default: "600" },
        "field-form": { type: "boolean", default: false },
        gc: { type: "boolean", default: false },
        json: { type: "boolean", default: false },
      },
    }),
  );
  const ballots = wholeNumber("ballots", flags.values.ballots, 1, 20_000_000);
  const runs = wholeNumber("runs", flags.values.runs, 1, 20);
  const seed = wholeNumber("seed", flags.values.seed, 0, 2 ** 31);
  startTimeLimit(wholeNumber("time-limit", flags.values["time-limit"], 1, 86_400));
  const fieldForm = flags.values["field-form"];
  // Read now: a run takes minutes, and the tree may move on meanwhile.
  const source = sourceRevision();

  // everysec: the fill is not what is measured, and fsyncing each of its pipelines would take minutes.
  const redisInfo = await startRedis("everysec");
  const backend = await startBackend(redisInfo.url, {}, flags.values.gc ? [GC_TRACE_FLAG] : []);
  const gcEvents = flags.values.gc ? collectGcEvents(backend.server) : [];
  const agent = newAgent(4);
  const id = `bench-recount-${Date.now()}-${randomUUID().slice(0, 8)}`;
  const round = await openDemoRound(agent, backend, id);
  const optionIds = round.options.map((option) => option.id);
  const redis = createRedisClient(redisInfo.url);
  onCleanup(() => redis.disconnect());
  await redis.connect();
  onCleanup(async () => {
    if (redisInfo.own) return;
    // Someone's Redis: leave nothing of the bench behind.
    const stream = redis.scanStream({ match: `lb:{round:${id}}:*`, count: 1000 });
    for await (const keys of stream) if ((keys as string[]).length > 0) await redis.unlink(...(keys as string[]));
  });

  // The fill, as cast-ballot.lua writes a ballot (see it for each field).
  const keys = roundKeys(id).epoch(1);
  const memoryBefore = Number(/used_memory:(\d+)/.exec(await redis.info("memory"))?.[1]);
  const fillStarted = performance.now();
  const tally = new Map<string, number>();
  const startMs = Date.now() - ballots;
  for (let done = 0; done < ballots; done += FILL_BATCH) {
    throwIfAborted();
    const count = Math.min(FILL_BATCH, ballots - done);
    const choices = makeChoices(count, optionIds, 1, 15, seed + done);
    const pipeline = redis.pipeline();
    for (const [index, picks] of choices.entries()) {
      const i = done + index;
      const joined = picks.join(",");
      for (const pick of picks) tally.set(pick, (tally.get(pick) ?? 0) + 1);
      const voter = createHash("sha256").update(`voter-${i}`).digest("base64url");
      const at = String(startMs + i);
      const ballotId = randomUUID();
      // The chain value (the step's link): a SHA-256 in hex, as long as the real one (the recount does not check
      // the chain).
      const link = createHash("sha256").update(ballotId).digest("hex");
      const values = {
        ballot: ballotId,
        voter,
        choices: joined,
        at,
        ip: (i * 2654435761).toString(16).padStart(16, "0").slice(-16),
        net: (i >> 8).toString(16).padStart(16, "0"),
        cred: "token",
        sinceLoad: String(2000 + (i % 50_000)),
        link,
      };
      if (fieldForm) pipeline.xadd(keys.audit, "*", ...Object.entries(values).flat());
      else pipeline.xadd(keys.audit, "*", PACKED_BALLOT_FIELD, packBallotEntry(values));
      pipeline.hset(keys.voters, voter, `${ballotId}|${randomUUID()}|${joined}|${at}|||${link}`);
      pipeline.hincrby(keys.minutes, String(Math.floor((startMs + i) / 60_000)), 1);
    }
    await pipeline.exec();
    if (done % 100_000 === 0) progress(`fill: ${done + count} of ${ballots} ballots`);
  }
  const fillSeconds = (performance.now() - fillStarted) / 1000;
  const finish = redis.multi();
  for (const [option, votes] of tally) finish.zincrby(keys.tally, votes, option);
  finish.hincrby(keys.state, "ballots", ballots).hincrby(keys.state, "seq", ballots);
  await finish.exec();
  progress(`fill: ${ballots} ballots in ${fillSeconds.toFixed(1)} s`);

  // Memory: every key of the round's epoch (MEMORY USAGE, all nested values sampled), per ballot.
  const memoryAfter = Number(/used_memory:(\d+)/.exec(await redis.info("memory"))?.[1]);
  const usage: Record<string, number> = {};
  for (const [name, key] of Object.entries(keys)) {
    if (typeof key !== "string") continue;
    const bytes = Number(await redis.call("MEMORY", "USAGE", key, "SAMPLES", "0"));
    if (bytes > 0) usage[name] = bytes;
  }
  const roundBytes = Object.values(usage).reduce((sum, bytes) => sum + bytes, 0);

  // Redis's own CPU (INFO: the server's threads, not the children an AOF rewrite forks), in ms.
  const redisCpuMs = async () => {
    const info = await redis.info("cpu");
    const seconds = (name: string) => Number(new RegExp(`^${name}:([0-9.]+)`, "m").exec(info)?.[1] ?? Number.NaN);
    return (seconds("used_cpu_user") + seconds("used_cpu_sys")) * 1000;
  };
  // The fill grows the append-only file past Redis's rewrite threshold: a rewrite (a forked child writing the whole
  // data set) then runs for seconds and takes a core of this two-core machine. The recounts wait for it to end,
  // so that they time the recount; each one also notes whether a rewrite ran when it started.
  const rewriting = async () => /^aof_rewrite_(?:in_progress|scheduled):1/m.test(await redis.info("persistence"));
  const waitStarted = performance.now();
  while (await rewriting()) await abortable(new Promise((resolve) => setTimeout(resolve, 200)));
  const rewriteWaitSeconds = (performance.now() - waitStarted) / 1000;
  if (rewriteWaitSeconds > 0.1) progress(`waited ${rewriteWaitSeconds.toFixed(1)} s for Redis's AOF rewrite to end`);

  // How busy the machine is before the timed part (the fill is over): wall times on a shared machine mean little.
  const warnings: string[] = [];
  const background = await checkQuietMachine(warnings);
  const recounts: number[] = [];
  const references: number[] = [];
  const recountCpu: { backend: number[]; redis: number[] } = { backend: [], redis: [] };
  let recount: RecountResult | undefined;
  for (let run = 0; run < runs; run++) {
    // Not httpRequest: its 30 s timeout is shorter than a recount of millions on a busy machine (--time-limit bounds it).
    // CPU spent by the backend and Redis: steadier than the wall time when the machine is shared.
    if (await rewriting()) warnings.push(`recount ${run + 1} started while Redis rewrote its append-only file`);
    const cpuBefore = { backend: cpuSnapshot(backend.server.child.pid, undefined).server, redis: await redisCpuMs() };
    const gcFrom = gcEvents.length;
    const started = performance.now();
    recount = await new Promise<RecountResult>((resolve, reject) => {
      get(
        { host: "127.0.0.1", port: backend.port, path: `/api/rounds/${id}/recount`, headers: backend.auth },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            if (res.statusCode === 200) resolve(JSON.parse(text) as RecountResult);
            else reject(new Error(`GET recount: HTTP ${res.statusCode}: ${text.slice(0, 300)}`));
          });
          res.on("error", reject);
        },
      ).on("error", reject);
    });
    recounts.push(performance.now() - started);
    const backendAfter = cpuSnapshot(backend.server.child.pid, undefined).server;
    if (cpuBefore.backend !== undefined && backendAfter !== undefined)
      recountCpu.backend.push(backendAfter - cpuBefore.backend);
    recountCpu.redis.push((await redisCpuMs()) - cpuBefore.redis);
    const gc = flags.values.gc ? summariseGc(gcEvents.slice(gcFrom)) : null;
    references.push(await sequentialParse(redis, keys.audit));
    progress(
      `recount ${run + 1}: ${recounts.at(-1)?.toFixed(0)} ms (CPU: backend ${recountCpu.backend.at(-1)} ms, redis ${recountCpu.redis.at(-1)?.toFixed(0)} ms), matches ${recount.matches}; ` +
        `reference (sequential XRANGE + parseAuditEntry) ${references.at(-1)?.toFixed(0)} ms` +
        (gc
          ? `; backend GC: ${gc.scavenges} scavenges, ${gc.fullCollections} full collections, ` +
            `${gc.pauseTotalMs.toFixed(0)} ms of pauses (longest ${gc.pauseMaxMs.toFixed(0)} ms)`
          : ""),
    );
  }
  const exports: { raw: Download[]; gzip: Download[] } = { raw: [], gzip: [] };
  for (let run = 0; run < runs; run++) {
    for (const kind of ["raw", "gzip"] as const) {
      const headers = { ...backend.auth, "accept-encoding": kind === "gzip" ? "gzip" : "identity" };
      const result = await download(backend.port, `/api/rounds/${id}/audit`, headers);
      exports[kind].push(result);
      progress(`export ${kind} ${run + 1}: ${result.ms.toFixed(0)} ms, ${result.bytes} bytes (${result.encoding})`);
    }
  }
  const ok = recount?.matches === true && recount.ballots === ballots && recount.auditEntries === ballots;
  const report = {
    source,
    redis: redisInfo.label,
    ballots,
    backgroundCores: Math.round(background * 100) / 100,
    warnings,
    entryForm: fieldForm ? "fields" : "packed",
    fillSeconds: Math.round(fillSeconds * 10) / 10,
    rewriteWaitSeconds: Math.round(rewriteWaitSeconds * 10) / 10,
    recountMs: Math.round(median(recounts)),
    recountRunsMs: recounts.map(Math.round),
    recountBackendCpuMs: recountCpu.backend.length > 0 ? Math.round(median(recountCpu.backend)) : null,
    recountRedisCpuMs: recountCpu.redis.length > 0 ? Math.round(median(recountCpu.redis)) : null,
    sequentialParseMs: Math.round(median(references)),
    recountToSequential: Math.round((median(recounts) / median(references)) * 100) / 100,
    exportRawMs: Math.round(median(exports.raw.map((d) => d.ms))),
    exportRawBytes: exports.raw[0]?.bytes,
    exportGzipMs: Math.round(median(exports.gzip.map((d) => d.ms))),
    exportGzipBytes: exports.gzip[0]?.bytes,
    exportGzipEncoding: exports.gzip[0]?.encoding,
    memoryKeysBytes: usage,
    memoryPerBallot: Math.round(roundBytes / ballots),
    usedMemoryDeltaPerBallot: Math.round((memoryAfter - memoryBefore) / ballots),
    tenMillionGiB: Math.round((((roundBytes / ballots) * 10_000_000) / 2 ** 30) * 100) / 100,
    recount: recount && { matches: recount.matches, ballots: recount.ballots, auditEntries: recount.auditEntries },
    ok,
  };
  if (flags.values.json) {
    console.log(JSON.stringify(report));
  } else {
    const mb = (bytes = 0) => `${(bytes / 1e6).toFixed(1)} MB`;
    console.log(`Recount benchmark, ${new Date().toISOString()}, source ${report.source}, ${report.redis}`);
    console.log(
      `round: ${ballots} ballots (demo data, 1-15 picks, ${report.entryForm} audit entries), filled in ${report.fillSeconds} s; ` +
        `then ${report.rewriteWaitSeconds} s waiting for Redis's AOF rewrite to end`,
    );
    console.log(
      `recount: median ${report.recountMs} ms of ${runs} (${report.recountRunsMs.join(", ")} ms); CPU per recount ` +
        `(median): backend ${report.recountBackendCpuMs} ms, redis ${report.recountRedisCpuMs} ms`,
    );
    console.log(
      `reference, the log read as before (sequential XRANGE + parseAuditEntry, in this process): median ` +
        `${report.sequentialParseMs} ms; recount / reference ${report.recountToSequential}`,
    );
    console.log(
      `audit export: raw ${mb(report.exportRawBytes)} in ${report.exportRawMs} ms; gzip ${mb(report.exportGzipBytes)} in ${report.exportGzipMs} ms (content-encoding ${report.exportGzipEncoding})`,
    );
    console.log(
      `redis memory: ${report.memoryPerBallot} B per ballot over the round's keys (${Object.entries(usage)
        .map(([k, b]) => `${k} ${mb(b)}`)
        .join(
          ", ",
        )}); used_memory grew ${report.usedMemoryDeltaPerBallot} B per ballot; 10M ballots: ${report.tenMillionGiB} GiB`,
    );
    for (const warning of warnings) console.log(`warning: ${warning}`);
    console.log(
      `result: ${ok ? "ok (recount matches, every ballot counted)" : `FAILED ${JSON.stringify(report.recount)}`}`,
    );
  }
  return ok ? 0 : 1;
}

void runMain(main, usage);
