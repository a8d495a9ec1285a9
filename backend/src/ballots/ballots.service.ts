import { randomUUID } from "node:crypto";
import { type BallotReceipt, type BallotRequest, DEFAULT_TIME_ZONE, type ErrorCode } from "@lb/common";
import type { BallotDurability } from "../config.js";
import { ballotHash, receiptHash, stepDigest } from "../history/chain.js";
import { AppError } from "../http/app-error.js";
import { type LocalDay, localDay } from "../integrity/local-day.js";
import { ticketHash } from "../integrity/ticket-code.js";
import { castBallotKeys, roundKeys } from "../redis/keys.js";
import { scripts } from "../redis/lua-script.js";
import type { RedisClient } from "../redis/redis-client.js";
import { type RoundsRepository, scriptError } from "../rounds/rounds.repository.js";
import type { StatsRepository } from "../stats/stats.repository.js";
import { voterHash } from "../voters/voter-token.js";
import { Batcher } from "./ballot-batcher.js";
import { confirmReplicated } from "./replication.js";

/**
 * A credential record in an epoch, as cast-ballot.lua writes it: "ballotId|idempotencyKey|choices|atMs|day||link"
 * (`link`: the link of the hash chain's step that counted the ballot, common/src/history.ts; records written before
 * steps have the ballot's own hash sixth and no seventh field).
 */
function parseRecord(roundId: string, epoch: number, record: string): { receipt: BallotReceipt; day: string } {
  const [ballotId = "", , choices = "", atMs = "0", day = "", hash, link] = record.split("|");
  const receipt = {
    ballotId,
    roundId,
    epoch,
    choices: choices.split(","),
    receivedAt: new Date(Number(atMs)).toISOString(),
    hash: receiptHash(ballotId, link, hash),
  };
  return { receipt, day };
}

/** What a counted ballot's audit entry records besides the ballot (integrity view); never the raw address. */
export interface AuditExtras {
  /** Keyed hashes of the client's IP and network (integrity/address-hash.ts). */
  ip: string;
  network: string;
}

const sameChoices = (a: string[], b: string[]) =>
  a.length === b.length && [...a].sort().join(",") === [...b].sort().join(",");

/** One ballot of a batch: its field in the script's ARGV, and what the step's digest is made of. */
interface BatchBallot {
  field: string;
  ballotId: string;
  choices: string;
}

/**
 * One ballot's field in the batched script's ARGV (cast-ballot.lua): voter hash, ballot id, idempotency key,
 * choices, ticket hash, IP hash, network hash and time since the page loaded, joined by '|'. None of them can hold
 * a '|': hashes are hex, the ballot id a UUID, the key and the option ids match the shared schema's patterns
 * (checked before a ballot gets here), the time is a number. One field instead of eight per ballot: ioredis
 * encodes and Redis parses an eighth of the arguments (issue 8).
 */
export function packBallot(
  parts: readonly [string, string, string, string, string, string, string, number | ""],
): string {
  return parts.join("|");
}
/** The script's reply: one `{'OK'|'PRIOR'|'ERR', ...}` per ballot, or a flat `{'EPOCH'|'ZONE'|'ERR', ...}`. */
type BatchReply = (string | string[])[];
/** One ballot's answer from its batch: the epoch it was run in and its own reply. */
interface BallotAnswer {
  epoch: number;
  reply: string[];
}

/** Who casts a ballot: a verified voter id (or null), whether a token was presented at all, and a ticket code. */
export interface BallotCredential {
  voterId: string | null;
  /** A token was sent but did not verify (says "not valid" rather than "needed" when the round wants one). */
  tokenPresented?: boolean;
  /** Normalised ticket code (tickets rounds); open rounds ignore it. */
  ticket?: string | undefined;
}

export interface BallotsOptions {
  /** Keys ticket hashes (VOTER_TOKEN_SECRET). */
  voterSecret: string;
  /** Test-only shift of the clock deciding daily rounds' days (ServerConfig.testClockOffsetMs); 0 in production. */
  clockOffsetMs?: number;
  /** Ballots of one round sent to Redis in one script run at most (BALLOT_BATCH_MAX). */
  batchMax: number;
  /** BALLOT_DURABILITY (default local) and, when replicated, the connection its WAITs block (ballots/replication.ts). */
  durability?: BallotDurability;
  replicaConnection?: RedisClient;
}

export class BallotsService {
  /** Last epoch seen per round: saves a read per ballot. Only a hint: the script checks it. */
  private readonly epochHints = new Map<string, number>();
  /** Last time zone seen per round (daily rounds): a hint as well, the script answers ZONE when it is stale. */
  private readonly zoneHints = new Map<string, string>();
  /** The current local day per zone, worked out again once the clock passes its end. */
  private readonly days = new Map<string, LocalDay>();
  private readonly clockOffsetMs: number;
  /** Every ballot, from the fast path and the Express route alike, goes through here. */
  private readonly batcher: Batcher<BatchBallot, BallotAnswer>;
  private readonly durability: BallotDurability;

  constructor(
    private readonly redis: RedisClient,
    private readonly rounds: RoundsRepository,
    private readonly stats: StatsRepository,
    private readonly options: BallotsOptions,
  ) {
    this.clockOffsetMs = options.clockOffsetMs ?? 0;
    this.batcher = new Batcher(options.batchMax, (roundId, ballots) => this.castBatch(roundId, ballots));
    this.durability = options.durability ?? { mode: "local" };
  }

  /** Now, as daily rounds count days (the test-only offset included). */
  private now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  private day(zone: string): LocalDay {
    const now = this.now();
    let day = this.days.get(zone);
    if (!day || now < day.startMs || now >= day.endMs) {
      day = localDay(zone, now);
      this.days.set(zone, day);
    }
    return day;
  }

  /** Counts a ballot, or replays the receipt of the credential's earlier ballot with the same idempotency key. */
  async cast(
    roundId: string,
    credential: BallotCredential,
    ballot: BallotRequest,
    extras: AuditExtras,
  ): Promise<BallotReceipt> {
    // Checks that need no Redis state come first.
    if (new Set(ballot.choices).size !== ballot.choices.length) {
      throw new AppError("DUPLICATE_OPTION", "An option is picked more than once.");
    }
    // Fixed before the first attempt: if ioredis resends the script after a reconnect, the script sees its own
    // ballot id and answers with the ballot it already counted instead of counting it twice.
    const ballotId = randomUUID();
    const choices = ballot.choices.join(",");
    const field = packBallot([
      credential.voterId ? voterHash(credential.voterId) : "",
      ballotId,
      ballot.idempotencyKey ?? "",
      choices,
      credential.ticket ? ticketHash(this.options.voterSecret, roundId, credential.ticket) : "",
      // Audit extras for the integrity view.
      extras.ip,
      extras.network,
      ballot.sinceLoadMs ?? "",
    ]);
    const { epoch, reply } = await this.batcher.submit(roundId, { field, ballotId, choices });
    if (reply[0] === "ERR") {
      // The script cannot tell a token that was never sent from one that failed to verify; the route can.
      if (reply[1] === "INVALID_VOTER_TOKEN" && credential.tokenPresented) {
        throw new AppError("INVALID_VOTER_TOKEN", "The voter token is not valid.");
      }
      throw scriptError(reply);
    }
    if (reply[0] === "OK") {
      return {
        ballotId,
        roundId,
        epoch,
        choices: ballot.choices,
        receivedAt: new Date(Number(reply[1])).toISOString(),
        hash: ballotHash(reply[2] ?? "", ballotId),
      };
    }
    const prior = parseRecord(roundId, epoch, reply[1] ?? "").receipt;
    if (!sameChoices(prior.choices, ballot.choices)) {
      throw new AppError("IDEMPOTENCY_MISMATCH", "This idempotency key was used for a ballot with other choices.");
    }
    return prior;
  }

  /**
   * One run of cast-ballot.lua for the ballots of one round that arrived in the same event-loop turn: the epoch
   * and time zone worked out once for all of them, one reply per ballot. Whatever fails the batch as a whole
   * (Redis unreachable, the round gone, an epoch that keeps changing) fails each of its ballots the same way.
   */
  private async castBatch(roundId: string, ballots: BatchBallot[]): Promise<BallotAnswer[]> {
    const fields = ballots.map((ballot) => ballot.field);
    // The step's digest if every ballot counts: the script then hashes only the step's link (history/chain.ts).
    const digest = stepDigest(ballots);
    const run = async (epoch: number): Promise<BatchReply> => {
      for (let attempt = 0; ; attempt++) {
        const zone = this.zoneHints.get(roundId) ?? DEFAULT_TIME_ZONE;
        const day = this.day(zone);
        const result = await scripts.castBallot.run<BatchReply>(this.redis, castBallotKeys(roundId, epoch), [
          epoch,
          zone,
          day.startMs,
          day.endMs,
          day.label,
          day.prevLabel,
          day.nextLabel,
          this.clockOffsetMs,
          digest,
          ...fields,
        ]);
        // A daily round in another zone than the hint: work its day out and run again (once per zone edit).
        if (result[0] !== "ZONE") return result;
        const zoneNow = result[1];
        if (attempt >= 2 || typeof zoneNow !== "string" || !zoneNow) {
          throw new AppError("UNAVAILABLE", "The round's time zone kept changing.");
        }
        this.zoneHints.set(roundId, zoneNow);
      }
    };
    const { epoch, result } = await this.rounds.onCurrentEpoch(roundId, run, this.epochHints.get(roundId));
    this.epochHints.set(roundId, epoch);
    // Counted or replayed: acknowledged only once a replica has them too, when BALLOT_DURABILITY says so (one
    // WAIT per batch, before any ballot of the batch is answered).
    await confirmReplicated(this.options.replicaConnection ?? this.redis, roundId, this.durability);
    return result.map((reply) => ({ epoch, reply: reply as string[] }));
  }

  /** Counts a refused ballot by reason in the round's current epoch (nothing for a round that does not exist). */
  async recordRejection(roundId: string, code: ErrorCode): Promise<void> {
    const epoch = this.epochHints.get(roundId) ?? (await this.rounds.currentEpoch(roundId));
    if (epoch !== null) await this.stats.recordRejection(roundId, epoch, code);
  }

  /**
   * The ballot of a voter or a ticket in the round's current epoch, if any; in daily rounds only today's.
   * A ticket that is not one of the round's is 403 TICKET_INVALID, so the voter page can check a typed code.
   */
  async mine(roundId: string, who: { voterId: string } | { ticket: string }): Promise<BallotReceipt | null> {
    const epoch = await this.rounds.requireCurrentEpoch(roundId);
    const keys = roundKeys(roundId);
    let credential: string;
    if ("ticket" in who) {
      const hash = ticketHash(this.options.voterSecret, roundId, who.ticket);
      if ((await this.redis.hexists(keys.tickets, hash)) === 0) {
        throw new AppError("TICKET_INVALID", "This code is not one of the round's tickets.");
      }
      credential = `t:${hash}`;
    } else {
      credential = voterHash(who.voterId);
    }
    const [record, perVoter, zone] = await Promise.all([
      this.redis.hget(keys.epoch(epoch).voters, credential),
      this.redis.hget(keys.epoch(epoch).state, "perVoter"),
      this.redis.hget(keys.epoch(epoch).state, "timeZone"),
    ]);
    if (!record) return null;
    const { receipt, day } = parseRecord(roundId, epoch, record);
    // Daily rounds: yesterday's ballot is history, today the voter may vote again.
    if (perVoter === "daily" && day !== this.day(zone || DEFAULT_TIME_ZONE).label) return null;
    return receipt;
  }
}
