import { z } from "zod";
import type { ErrorCode } from "./errors.js";
import { LIMITS } from "./limits.js";
import { type OptionId, OptionIdSchema, type RoundId } from "./schemas.js";

/**
 * The integrity view and reversible exclusions: what the organiser sees of how a round was voted, and how
 * ballots are taken out of the live tally (and put back) without losing them from the audit log.
 */

/** A keyed hash of a client IP or network as the audit log keeps it (never the raw address). */
export const AddressHashSchema = z.string().regex(/^[0-9a-f]{16}$/, "must be a 16-hex-digit network hash");

/** Ballot ids are the server's UUIDs. */
export const BallotIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be a ballot id");

export const ExclusionIdSchema = z.string().regex(/^[0-9a-f]{16}$/, "must be an exclusion id");

/** `POST /api/rounds/:id/exclusions`: a reason and exactly one selector. */
export const ExclusionRequestSchema = z
  .strictObject({
    reason: z.string().trim().min(1).max(LIMITS.exclusionReasonMaxLength),
    ballotIds: z.array(BallotIdSchema).min(1).max(LIMITS.exclusionMaxBallots).optional(),
    network: AddressHashSchema.optional(),
    pickSet: z.array(OptionIdSchema).min(1).max(LIMITS.maxOptions).optional(),
  })
  .refine(
    (body) => [body.ballotIds, body.network, body.pickSet].filter((selector) => selector !== undefined).length === 1,
    { message: "give exactly one of ballotIds, network, pickSet" },
  );
export type ExclusionRequest = z.infer<typeof ExclusionRequestSchema>;

/** What an exclusion matched: the ballots named, those of one network, or those with exactly one set of picks. */
export type ExclusionSelector = { ballotIds: string[] } | { network: string } | { pickSet: OptionId[] };

export interface Exclusion {
  id: string;
  reason: string;
  selector: ExclusionSelector;
  /** Ballots this exclusion took out of the tally (ballots already excluded by another one are not counted). */
  ballots: number;
  createdAt: string;
  /** Set once undone: its ballots are back in the tally. */
  undoneAt?: string;
}

/** What the public board and the results CSV say about excluded ballots (omitted from a board when none). */
export interface ExcludedSummary {
  ballots: number;
  /** The reasons of the exclusions in force, most ballots first (at most `LIMITS.excludedReasonsShown`). */
  reasons: { reason: string; ballots: number }[];
}

/** `?top=N&epoch=N` of `GET /api/rounds/:id/integrity`. */
export const IntegrityQuerySchema = z.strictObject({
  epoch: z
    .string()
    .regex(/^[1-9][0-9]{0,8}$/, "must be a positive whole number")
    .transform(Number)
    .optional(),
  top: z
    .string()
    .regex(/^[1-9][0-9]{0,2}$/, "must be a whole number from 1")
    .transform(Number)
    .refine((top) => top <= LIMITS.integrityTopMax, `must be at most ${LIMITS.integrityTopMax}`)
    .optional(),
});

export interface NetworkRow {
  /** Keyed hash of the /24 (IPv4) or /64 (IPv6) network. */
  network: string;
  /** Ballots of this network still counted. */
  ballots: number;
  /** Ballots of this network taken out by exclusions. */
  excluded: number;
  /** Distinct credentials (voter-token hashes or ticket batches) and IP hashes behind those ballots. */
  credentials: number;
  ips: number;
  /**
   * Coefficient of variation (standard deviation / mean) of the gaps between this network's ballots, when it
   * has at least `INTEGRITY_MIN_BALLOTS_FOR_CV`; people vote irregularly (CV near 1 or above), scripts on a clock.
   */
  gapCv: number | null;
  /** `gapCv` is below `INTEGRITY_REGULAR_CV`: the ballots came like clockwork. */
  regular: boolean;
  /** Median time from page load to ballot, over the ballots whose page said so. */
  medianSinceLoadMs: number | null;
  /** New voter tokens handed to this network by pages of this round (this epoch), whatever they did next. */
  minted: number;
}

export interface PickSetRow {
  /** Option ids, sorted: the exact set of picks. */
  choices: OptionId[];
  ballots: number;
  /** Share of the scanned counted ballots. */
  share: number;
}

/** A minute in which an option took a much larger share of ballots than over the whole round. */
export interface SurgeRow {
  minute: string;
  optionId: OptionId;
  votes: number;
  minuteBallots: number;
  /** The option's share of that minute's ballots, and of all scanned ballots. */
  share: number;
  overallShare: number;
}

/** `GET /api/rounds/:id/integrity`: computed from the newest audit entries (see `scan`) and the epoch's counters. */
export interface IntegrityReport {
  roundId: RoundId;
  epoch: number;
  /** The live board's `seq` the report was computed at. */
  seq: number;
  generatedAt: string;
  scan: {
    /** Audit entries read (ballots and exclusion records), newest first, at most `limit`. */
    entries: number;
    limit: number;
    /** The log is longer than `limit`: older entries were not read. */
    truncated: boolean;
    /** Ballots among them, still counted and excluded. */
    ballots: number;
    excluded: number;
  };
  networks: NetworkRow[];
  /** Distinct networks among the scanned ballots. */
  networkCount: number;
  pickSets: PickSetRow[];
  singleOption: { ballots: number; share: number };
  surges: SurgeRow[];
  challenges: { issued: number; solved: number };
  /** New voter tokens handed out by pages of this round in this epoch, over all networks. */
  tokensMinted: number;
  /** Refused ballots of the epoch by code (the same counters as the live panel). */
  refusals: Partial<Record<ErrorCode, number>>;
}
