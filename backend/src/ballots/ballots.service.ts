import { randomUUID } from "node:crypto";
import type { BallotReceipt, BallotRequest, ErrorCode } from "@lb/common";
import type { Redis } from "ioredis";
import { AppError } from "../http/app-error.js";
import { roundKeys } from "../redis/keys.js";
import { scripts } from "../redis/lua-script.js";
import type { RoundsRepository } from "../rounds/rounds.repository.js";
import type { StatsRepository } from "../stats/stats.repository.js";
import { voterHash } from "../voters/voter-token.js";

/** A voter's record in an epoch, as cast-ballot.lua writes it: "ballotId|idempotencyKey|choices|atMs". */
function receiptFromRecord(roundId: string, epoch: number, record: string): BallotReceipt {
  const [ballotId = "", , choices = "", atMs = "0"] = record.split("|");
  return { ballotId, roundId, epoch, choices: choices.split(","), receivedAt: new Date(Number(atMs)).toISOString() };
}

/** What a counted ballot's audit entry records besides the ballot (integrity view); never the raw address. */
export interface AuditExtras {
  /** Keyed hashes of the client's IP and network (integrity/address-hash.ts). */
  ip: string;
  network: string;
  /** The credential: `token` for a voter token (the entry's `voter` is its hash), or a ticket batch. */
  cred: string;
}

const sameChoices = (a: string[], b: string[]) =>
  a.length === b.length && [...a].sort().join(",") === [...b].sort().join(",");

export class BallotsService {
  /** Last epoch seen per round: saves a read per ballot. Only a hint: the script checks it. */
  private readonly epochHints = new Map<string, number>();

  constructor(
    private readonly redis: Redis,
    private readonly rounds: RoundsRepository,
    private readonly stats: StatsRepository,
  ) {}

  /** Counts a ballot, or replays the receipt of the voter's earlier ballot with the same idempotency key. */
  async cast(roundId: string, voterId: string, ballot: BallotRequest, extras: AuditExtras): Promise<BallotReceipt> {
    // Checks that need no Redis state come first.
    if (new Set(ballot.choices).size !== ballot.choices.length) {
      throw new AppError("DUPLICATE_OPTION", "An option is picked more than once.");
    }
    const voter = voterHash(voterId);
    // Fixed before the first attempt: if ioredis resends the script after a reconnect, the script sees its own
    // ballot id and answers with the ballot it already counted instead of counting it twice.
    const ballotId = randomUUID();
    const keys = roundKeys(roundId);
    const { epoch, result } = await this.rounds.onCurrentEpoch(
      roundId,
      (epoch) => {
        const epochKeys = keys.epoch(epoch);
        return scripts.castBallot.run(
          this.redis,
          [keys.meta, epochKeys.state, epochKeys.tally, epochKeys.voters, epochKeys.audit, epochKeys.minutes],
          [
            epoch,
            voter,
            ballotId,
            ballot.idempotencyKey ?? "",
            ballot.choices.join(","),
            // Audit extras for the integrity view (appended ARGV 6-9).
            extras.ip,
            extras.network,
            extras.cred,
            ballot.sinceLoadMs ?? "",
          ],
        );
      },
      this.epochHints.get(roundId),
    );
    this.epochHints.set(roundId, epoch);
    if (result[0] === "OK") {
      return {
        ballotId,
        roundId,
        epoch,
        choices: ballot.choices,
        receivedAt: new Date(Number(result[1])).toISOString(),
      };
    }
    const prior = receiptFromRecord(roundId, epoch, result[1] ?? "");
    if (!sameChoices(prior.choices, ballot.choices)) {
      throw new AppError("IDEMPOTENCY_MISMATCH", "This idempotency key was used for a ballot with other choices.");
    }
    return prior;
  }

  /** Counts a refused ballot by reason in the round's current epoch (nothing for a round that does not exist). */
  async recordRejection(roundId: string, code: ErrorCode): Promise<void> {
    const epoch = this.epochHints.get(roundId) ?? (await this.rounds.currentEpoch(roundId));
    if (epoch !== null) await this.stats.recordRejection(roundId, epoch, code);
  }

  /** The voter's ballot in the round's current epoch, if any. */
  async mine(roundId: string, voterId: string): Promise<BallotReceipt | null> {
    const epoch = await this.rounds.requireCurrentEpoch(roundId);
    const record = await this.redis.hget(roundKeys(roundId).epoch(epoch).voters, voterHash(voterId));
    return record ? receiptFromRecord(roundId, epoch, record) : null;
  }
}
