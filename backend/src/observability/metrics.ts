import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** Seconds: from a cached answer on loopback (about 1 ms) to a Redis stall. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** Pages a socket serves (`ClientView`), and `none` for a socket that watches nothing yet. */
export type SocketCounts = Record<string, number>;

/** Who limits: the voter limits on minting tokens and on ballots (integrity/voter-limits.ts), the auth throttle. */
export type Limiter = "mint" | "ballot" | "auth";
/**
 * What a limiter did to a request: `challenged` (428, past the soft limit), `solved` (past it, with a valid
 * solution), `failed` (a wrong or reused solution), `refused` (429, past the hard limit or throttled).
 */
export type LimiterOutcome = "challenged" | "solved" | "failed" | "refused";

/**
 * One backend's Prometheus metrics, in a registry of its own (tests run several backends in one process).
 * Names and meanings are listed in the README ("Operating it"); infra/grafana/ plots them.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly ballotsAccepted: Counter;
  readonly ballotsRefused: Counter<"code">;
  readonly ballotDuration: Histogram<"outcome">;
  readonly tickDuration: Histogram;
  readonly tickDrift: Histogram;
  readonly redisCommandDuration: Histogram<"command">;
  readonly redisReconnects: Counter;
  readonly limiterHits: Counter<"limiter" | "outcome">;
  private socketSource: () => SocketCounts = () => ({});

  /** `processMetrics`: prom-client's process and Node.js metrics too (CPU, memory, event-loop lag, GC). */
  constructor(options: { processMetrics: boolean }) {
    const registers = [this.registry];
    this.ballotsAccepted = new Counter({
      name: "lb_ballots_accepted_total",
      help: "Ballots answered 201 (counted, or an idempotent replay of a counted one).",
      registers,
    });
    this.ballotsRefused = new Counter({
      name: "lb_ballots_refused_total",
      help: "Ballots answered with an error, by error code (HTTP_<status> when the answer had none).",
      labelNames: ["code"],
      registers,
    });
    this.ballotDuration = new Histogram({
      name: "lb_ballot_duration_seconds",
      help: "Time from a ballot request's arrival to the end of its answer, by outcome (accepted, refused).",
      labelNames: ["outcome"],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.tickDuration = new Histogram({
      name: "lb_live_tick_duration_seconds",
      help: "Time one live tick takes: reading what changed in Redis and writing the updates to sockets.",
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.tickDrift = new Histogram({
      name: "lb_live_tick_drift_seconds",
      help: "How late a live tick started after its planned time (a busy event loop or a tick longer than the period).",
      buckets: LATENCY_BUCKETS,
      registers,
    });
    const source = () => this.socketSource();
    new Gauge({
      name: "lb_sockets",
      help: "Socket.IO connections on this backend by the page they serve (vote, board, screen, console; none before a join).",
      labelNames: ["page"],
      registers,
      collect() {
        this.reset();
        for (const [page, count] of Object.entries(source())) this.set({ page }, count);
      },
    });
    this.redisCommandDuration = new Histogram({
      name: "lb_redis_command_duration_seconds",
      help: "Time from sending a Redis command to its reply, by command (pipelined commands each count).",
      labelNames: ["command"],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.redisReconnects = new Counter({
      name: "lb_redis_reconnects_total",
      help: "Times this backend's Redis client lost its connection and began reconnecting.",
      registers,
    });
    this.limiterHits = new Counter({
      name: "lb_limiter_hits_total",
      help: "Requests a limiter acted on: voter limits (mint, ballot) and the admin/screen-key throttle (auth), by outcome.",
      labelNames: ["limiter", "outcome"],
      registers,
    });
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** Where `lb_sockets` is read from at each scrape (the Socket.IO server's sockets). */
  countSocketsWith(source: () => SocketCounts): void {
    this.socketSource = source;
  }

  /** One call per ballot answer: 201 is accepted, anything else refused with its code. */
  ballotAnswered(status: number, code: string | undefined, seconds: number): void {
    if (status === 201) {
      this.ballotsAccepted.inc();
      this.ballotDuration.observe({ outcome: "accepted" }, seconds);
    } else {
      this.ballotsRefused.inc({ code: code ?? `HTTP_${status}` });
      this.ballotDuration.observe({ outcome: "refused" }, seconds);
    }
  }

  /** The live hub's report of one tick (milliseconds). */
  liveTick(durationMs: number, driftMs: number): void {
    this.tickDuration.observe(durationMs / 1000);
    this.tickDrift.observe(Math.max(0, driftMs) / 1000);
  }

  limiterHit(limiter: Limiter, outcome: LimiterOutcome): void {
    this.limiterHits.inc({ limiter, outcome });
  }
}

/** A hook for limiters: what they call when they act on a request (nothing when metrics are not wanted). */
export type LimiterHook = (limiter: Limiter, outcome: LimiterOutcome) => void;
