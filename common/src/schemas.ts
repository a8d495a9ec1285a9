import { z } from "zod";
import type { ErrorCode } from "./errors.js";
import type { ExcludedSummary } from "./integrity.js";
import { LIMITS } from "./limits.js";
import type { ShowState } from "./show.js";
import { TicketCodeSchema } from "./tickets.js";

/** URL-safe slug: lower-case letters, digits and dashes, starting with a letter or digit. */
export const ROUND_ID_PATTERN = /^[a-z0-9][a-z0-9-]*$/;
export const RoundIdSchema = z
  .string()
  .regex(ROUND_ID_PATTERN, "must be a slug: a-z, 0-9 and '-', starting with a letter or digit")
  .max(LIMITS.roundIdMaxLength);
export type RoundId = z.infer<typeof RoundIdSchema>;

/** An option id's characters (also checked by hand on the ballot fast path: backend/src/ballots/ballot-request.ts). */
export const OPTION_ID_PATTERN = /^[A-Za-z0-9_-]+$/;
export const OptionIdSchema = z
  .string()
  .regex(OPTION_ID_PATTERN, "must use only A-Z, a-z, 0-9, '_' and '-'")
  .max(LIMITS.optionIdMaxLength);
export type OptionId = z.infer<typeof OptionIdSchema>;

export const RoundStatusSchema = z.enum(["draft", "open", "paused", "closed"]);
export type RoundStatus = z.infer<typeof RoundStatusSchema>;

/**
 * When voters (and anyone without a screen key or the admin token) may see votes and ranks. "Closed" means
 * the round's status is closed or its voting window has ended.
 */
export const ResultsVisibilitySchema = z.enum(["always", "afterVote", "afterClose", "never"]);
export type ResultsVisibility = z.infer<typeof ResultsVisibilitySchema>;

/** When the projector screen (with the round's screen key) may show votes and ranks. */
export const ScreenVisibilitySchema = z.enum(["always", "afterClose"]);
export type ScreenVisibility = z.infer<typeof ScreenVisibilitySchema>;

/** Who may vote: anyone with a voter token (`open`), or one ballot per printed ticket (`tickets`). */
export const ElectorateSchema = z.enum(["open", "tickets"]);
export type Electorate = z.infer<typeof ElectorateSchema>;

/** One ballot per voter (or ticket) per epoch (`once`), or per calendar day in the round's time zone (`daily`). */
export const BallotsPerVoterSchema = z.enum(["once", "daily"]);
export type BallotsPerVoter = z.infer<typeof BallotsPerVoterSchema>;

export const DEFAULT_TIME_ZONE = "Asia/Shanghai";

/** Whether this runtime knows the IANA time zone (Node and browsers ship the same ICU data). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** An IANA time zone name such as "Asia/Shanghai" or "UTC": what "a day" means for `daily` rounds. */
export const TimeZoneSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_+/-]+$/, "must be an IANA time zone name, e.g. Asia/Shanghai")
  .refine(isTimeZone, "must be an IANA time zone name, e.g. Asia/Shanghai");
/**
 * One network of `rules.allowedNetworks`: an IPv4 or IPv6 CIDR (`192.168.10.0/24`, `2001:db8:5::/48`), or a
 * single address (one host).
 */
export const NetworkSchema = z.union([z.cidrv4(), z.cidrv6(), z.ipv4(), z.ipv6()], {
  error: "must be an IPv4 or IPv6 network in CIDR notation, e.g. 192.168.10.0/24",
});

const instant = z.iso.datetime({ offset: true, message: "must be an ISO 8601 date-time, e.g. 2026-11-27T09:00:00Z" });

const ruleFields = {
  minChoices: z.int().min(1).max(LIMITS.maxOptions),
  maxChoices: z.int().min(1).max(LIMITS.maxOptions),
  resultsVisibility: ResultsVisibilitySchema,
  screenVisibility: ScreenVisibilitySchema,
  /** Optional voting window: outside it a ballot gets 409 ROUND_NOT_OPEN even when the round is open. */
  opensAt: instant.nullable(),
  closesAt: instant.nullable(),
  electorate: ElectorateSchema,
  ballotsPerVoter: BallotsPerVoterSchema,
  timeZone: TimeZoneSchema,
  /** Ballots and new voter tokens only from these networks (403 NETWORK_NOT_ALLOWED otherwise); empty: any. */
  allowedNetworks: z.array(NetworkSchema).max(LIMITS.allowedNetworksMax),
};

function rulesAreConsistent(rules: z.infer<z.ZodObject<typeof ruleFields>>, ctx: z.RefinementCtx) {
  if (rules.minChoices > rules.maxChoices) {
    ctx.addIssue({ code: "custom", message: "minChoices must not exceed maxChoices", path: ["minChoices"] });
  }
  if (rules.opensAt && rules.closesAt && Date.parse(rules.opensAt) >= Date.parse(rules.closesAt)) {
    ctx.addIssue({ code: "custom", message: "opensAt must be before closesAt", path: ["closesAt"] });
  }
}

/** A round's rules. Only the pick counts are required (the shared data file's shape); the rest have defaults. */
export const RoundRulesSchema = z
  .strictObject({
    ...ruleFields,
    resultsVisibility: ruleFields.resultsVisibility.default("always"),
    screenVisibility: ruleFields.screenVisibility.default("always"),
    opensAt: ruleFields.opensAt.default(null),
    closesAt: ruleFields.closesAt.default(null),
    electorate: ruleFields.electorate.default("open"),
    ballotsPerVoter: ruleFields.ballotsPerVoter.default("once"),
    timeZone: ruleFields.timeZone.default(DEFAULT_TIME_ZONE),
    allowedNetworks: ruleFields.allowedNetworks.default([]),
  })
  .superRefine(rulesAreConsistent);
export type RoundRules = z.infer<typeof RoundRulesSchema>;
export type RoundRulesInput = z.input<typeof RoundRulesSchema>;

/** `PATCH` rules: any subset, merged over the current rules and then checked as a whole. */
export const RoundRulesPatchSchema = z.strictObject(ruleFields).partial();
export type RoundRulesPatch = z.infer<typeof RoundRulesPatchSchema>;

/** Merges a rules patch over the current rules; `null` when the result is inconsistent (with the reason). */
export function mergeRules(current: RoundRules, patch: RoundRulesPatch | undefined): RoundRules | string {
  const result = RoundRulesSchema.safeParse({ ...current, ...patch });
  return result.success ? result.data : (result.error.issues[0]?.message ?? "invalid rules");
}

/** An option as organisers send it: `id` is optional and defaults to the option's number. */
export const OptionInputSchema = z.strictObject({
  id: OptionIdSchema.optional(),
  number: z.int().min(1).max(1_000_000),
  title: z.string().trim().min(1).max(LIMITS.optionTitleMaxLength),
  description: z.string().max(LIMITS.optionDescriptionMaxLength).default(""),
});
export type OptionInput = z.input<typeof OptionInputSchema>;

export const OptionSchema = z.strictObject({
  id: OptionIdSchema,
  number: z.int(),
  title: z.string(),
  description: z.string(),
});
export type Option = z.infer<typeof OptionSchema>;

/** Options with their ids filled in, checked for unique numbers and ids. */
const OptionListSchema = z
  .array(OptionInputSchema)
  .min(1)
  .max(LIMITS.maxOptions)
  .transform((options, ctx): Option[] => {
    const withIds = options.map((option) => ({ ...option, id: option.id ?? String(option.number) }));
    const seenNumbers = new Set<number>();
    const seenIds = new Set<string>();
    withIds.forEach((option, index) => {
      if (seenNumbers.has(option.number)) {
        ctx.addIssue({ code: "custom", message: `duplicate option number ${option.number}`, path: [index, "number"] });
      }
      if (seenIds.has(option.id)) {
        ctx.addIssue({ code: "custom", message: `duplicate option id "${option.id}"`, path: [index, "id"] });
      }
      seenNumbers.add(option.number);
      seenIds.add(option.id);
    });
    return withIds;
  });

const roundTitle = z.string().trim().min(1).max(LIMITS.roundTitleMaxLength);
const roundDescription = z.string().max(LIMITS.roundDescriptionMaxLength);

function maxChoicesFitOptions(round: { rules: RoundRules; options: Option[] }, ctx: z.RefinementCtx) {
  if (round.rules.minChoices > round.options.length) {
    ctx.addIssue({
      code: "custom",
      message: `minChoices (${round.rules.minChoices}) exceeds the number of options (${round.options.length})`,
      path: ["rules", "minChoices"],
    });
  }
}

/** `POST /api/rounds`: accepts the shared data file's shape as it is, plus an optional slug `id`. */
export const RoundCreateSchema = z
  .strictObject({
    id: RoundIdSchema.optional(),
    title: roundTitle,
    description: roundDescription.default(""),
    rules: RoundRulesSchema,
    options: OptionListSchema,
  })
  .superRefine(maxChoicesFitOptions);
export type RoundCreate = z.infer<typeof RoundCreateSchema>;
export type RoundCreateInput = z.input<typeof RoundCreateSchema>;

/** `PATCH /api/rounds/:id`: any of the editable fields. */
export const RoundPatchSchema = z
  .strictObject({
    title: roundTitle.optional(),
    description: roundDescription.optional(),
    rules: RoundRulesPatchSchema.optional(),
    options: OptionListSchema.optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, { message: "nothing to change" });
export type RoundPatch = z.infer<typeof RoundPatchSchema>;
export type RoundPatchInput = z.input<typeof RoundPatchSchema>;

/** What a round is, as stored per epoch: editing one epoch never rewrites an earlier one. */
export const RoundDefinitionSchema = z.strictObject({
  title: z.string(),
  description: z.string(),
  rules: RoundRulesSchema,
  options: z.array(OptionSchema),
});
export type RoundDefinition = z.infer<typeof RoundDefinitionSchema>;

/** `GET /api/rounds/:id`: the public view of a round's current epoch. */
export interface RoundView extends RoundDefinition {
  id: RoundId;
  status: RoundStatus;
  epoch: number;
  /** Grows with every edit of the definition; a client holding an older one refetches the round. */
  revision: number;
  totalBallots: number;
  /** The round is open and `serverTime` lies inside its voting window: a ballot would be accepted now. */
  votingOpen: boolean;
  /** The round is closed or its voting window has ended: what "afterClose" results wait for. */
  votingEnded: boolean;
  /** When the server built this view; clients compare it with their clock to show the window correctly. */
  serverTime: string;
  createdAt: string;
  updatedAt: string;
  /** Archived by the organiser: read-only, left out of the public list, still readable by its links. */
  archived: boolean;
  /**
   * This epoch was started by a reset that can still be undone (`POST /api/rounds/:id/undo-reset`): it has no
   * ballot yet. Absent in views built before undo existed.
   */
  resetUndoable?: boolean;
  /** Long option descriptions are cut to their preview (`?descriptions=preview`, see option-preview.ts). */
  descriptionsCut?: boolean;
}

/** The round view without option descriptions: what lists and socket notices carry. */
export type RoundSummary = Omit<RoundView, "options"> & { optionCount: number };

export const ResetRequestSchema = z.strictObject({ confirm: z.string().max(LIMITS.roundIdMaxLength) });
export type ResetRequest = z.infer<typeof ResetRequestSchema>;

/**
 * `POST /api/rounds/:id/undo-reset`: optionally the epoch the caller means to undo (the one the reset started),
 * so that a console never undoes a later reset it has not seen.
 */
export const UndoResetRequestSchema = z.strictObject({ epoch: z.number().int().positive().optional() });
export type UndoResetRequest = z.infer<typeof UndoResetRequestSchema>;

/** `DELETE /api/rounds/:id`: the round's id typed again, as for a reset. */
export const DeleteRoundRequestSchema = ResetRequestSchema;
export type DeleteRoundRequest = ResetRequest;

/** An idempotency key's characters (also checked by hand on the ballot fast path). */
export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9_.:-]+$/;
export const IdempotencyKeySchema = z
  .string()
  .regex(IDEMPOTENCY_KEY_PATTERN, "must use only A-Z, a-z, 0-9 and '_.:-'")
  .min(1)
  .max(LIMITS.idempotencyKeyMaxLength);

/**
 * A proof-of-work challenge as the server hands it out (ALTCHA v1: find `number` <= `maxnumber` such that
 * SHA-256(salt + number) = `challenge`), in the body of a 428 CHALLENGE_REQUIRED answer.
 */
export interface Challenge {
  algorithm: "SHA-256";
  challenge: string;
  maxnumber: number;
  salt: string;
  signature: string;
}

/** A solved challenge, sent back as the `challenge` field of the request that was refused with 428. */
export const ChallengeSolutionSchema = z.strictObject({
  algorithm: z.literal("SHA-256"),
  challenge: z.string().regex(/^[0-9a-f]{64}$/, "must be 64 hex digits"),
  number: z.int().min(0).max(Number.MAX_SAFE_INTEGER),
  salt: z.string().min(1).max(LIMITS.challengeSaltMaxLength),
  signature: z.string().regex(/^[0-9a-f]{64}$/, "must be 64 hex digits"),
});
export type ChallengeSolution = z.infer<typeof ChallengeSolutionSchema>;

/** The body of 428 CHALLENGE_REQUIRED: the usual error and the challenge to solve. */
export interface ChallengeRequiredBody {
  error: { code: "CHALLENGE_REQUIRED"; message: string };
  challenge: Challenge;
}

/** `POST /api/voters`: the round the page is for (its `allowedNetworks` apply), a solved challenge when asked. */
export const VoterRequestSchema = z.strictObject({
  roundId: RoundIdSchema.optional(),
  challenge: ChallengeSolutionSchema.optional(),
});
export type VoterRequest = z.infer<typeof VoterRequestSchema>;

/**
 * `POST /api/rounds/:id/ballots`. Rules that need the round (known options, counts) are checked in Redis.
 * `ticket` is the credential of a `tickets` round (normalised: upper case, no dashes); open rounds ignore it.
 */
export const BallotRequestSchema = z.strictObject({
  choices: z.array(OptionIdSchema).min(1).max(LIMITS.maxOptions),
  idempotencyKey: IdempotencyKeySchema.optional(),
  ticket: TicketCodeSchema.optional(),
  /** A solved challenge, when the server answered 428 CHALLENGE_REQUIRED. */
  challenge: ChallengeSolutionSchema.optional(),
  /** Integrity view: ms from the page's load to this send, when the page says so (audit only, never trusted). */
  sinceLoadMs: z.int().min(0).max(LIMITS.sinceLoadMaxMs).optional(),
});
export type BallotRequest = z.infer<typeof BallotRequestSchema>;

export interface BallotReceipt {
  ballotId: string;
  roundId: RoundId;
  epoch: number;
  choices: OptionId[];
  /** ISO 8601, from Redis's clock so that every backend agrees. */
  receivedAt: string;
  /**
   * The ballot's hash in the epoch's hash chain: lowercase hex SHA-256 of "link\nballotId", `link` being that of
   * the chain's step that counted it (common/src/history.ts, README "Replay, time travel and verifiable
   * receipts"); the voter finds it in the published log.
   */
  hash: string;
}

export interface VoterTokenResponse {
  token: string;
}

export interface LeaderboardEntry {
  optionId: OptionId;
  number: number;
  title: string;
  votes: number;
  /** Competition ranking: ties share a rank (1, 2, 2, 4). */
  rank: number;
}

export interface Leaderboard {
  roundId: RoundId;
  epoch: number;
  /** Grows with every counted ballot and every status change in this epoch. */
  seq: number;
  status: RoundStatus;
  totalBallots: number;
  /** The round's visibility rules hide votes and ranks from this viewer: `entries` is empty. */
  resultsHidden: boolean;
  entries: LeaderboardEntry[];
  /** Ballots the organiser excluded, and why; omitted when none is (`totalBallots` already leaves them out). */
  excluded?: ExcludedSummary;
  /** The show (hide switch, freeze, reveal, countdown marks); omitted while the round has none set. */
  show?: ShowState;
}

/**
 * One option whose votes changed, packed as `[optionId, votes]` (about a third of the bytes of an object with
 * keys: a busy round changes most options every tick). Ranks are not sent: the client ranks the board again from
 * the votes exactly as the server does (`rankEntries`).
 */
export type LeaderboardChange = [optionId: OptionId, votes: number];

/** A coalesced live update: apply it only to a board whose `seq` equals `prevSeq`; otherwise rejoin. */
export interface LeaderboardUpdate {
  roundId: RoundId;
  epoch: number;
  prevSeq: number;
  seq: number;
  status: RoundStatus;
  totalBallots: number;
  /** The options whose votes changed since `prevSeq`; empty for viewers who may not see results. */
  changes: LeaderboardChange[];
  /** Sent when the excluded ballots changed (`ballots: 0` once every exclusion is undone). */
  excluded?: ExcludedSummary;
}

export interface RoundResetNotice {
  roundId: RoundId;
  epoch: number;
}

export interface RecountResult {
  roundId: RoundId;
  epoch: number;
  /** Ballots in the audit log. */
  ballots: number;
  /** Ballots the live counters say were counted (excluded ones included: they were counted, then taken out). */
  liveBallots: number;
  /** Ballots excluded after replaying the log's exclusions and undos, and as the live counter says. */
  excluded: number;
  liveExcluded: number;
  /** Entries the replay read, and the audit stream's length: they differ when the log or its reading is broken. */
  auditEntries: number;
  auditLength: number;
  /** Every live counter equals its recount: votes per option, ballots, excluded, the log's length. */
  matches: boolean;
  /** Options whose live votes differ from the recount (empty when `matches`). */
  differences: { optionId: OptionId; live: number; recounted: number }[];
}

/** One counted ballot in the audit NDJSON export. */
export interface AuditEntry {
  kind: "ballot";
  ballotId: string;
  /** SHA-256 of the voter's id, or `t:` and a keyed hash of the ticket: neither token nor code is stored. */
  voter: string;
  choices: OptionId[];
  receivedAt: string;
  /** Keyed hashes (HMAC, 16 hex digits) of the client's IP and of its /24 or /64 network; never the raw address. */
  ip: string;
  network: string;
  /** The credential the ballot was cast with: `token` (a voter token, `voter` is its hash) or `ticket:<batch>` (never the code). */
  cred: string;
  /** What the page reported: ms from its load to the send. */
  sinceLoadMs?: number;
  /** The ballot's receipt hash and its step's link in the epoch's hash chain (common/src/history.ts). */
  hash?: string;
  link?: string;
}

/** An exclusion (or its undo) in the audit NDJSON export: recount replays it. */
export interface AuditExclusionEntry {
  kind: "exclude" | "restore";
  exclusionId: string;
  reason: string;
  /** The ballots it took out (or put back): only those not already out (or still out under this exclusion). */
  ballotIds: string[];
  at: string;
}

export type AuditLine = AuditEntry | AuditExclusionEntry;

/** Which page a socket serves; only counted for the organiser's live panel, it grants nothing. */
export const ClientViewSchema = z.enum(["vote", "board", "screen", "console"]);
export type ClientView = z.infer<typeof ClientViewSchema>;

/**
 * `board:join`. What the client may see follows from who it is: the admin token or the round's screen key
 * given here, or the voter token of the socket's handshake (the `lb_voter` cookie or `auth.voterToken`).
 */
export const BoardJoinSchema = z.strictObject({
  roundId: RoundIdSchema,
  view: ClientViewSchema.optional(),
  screenKey: z.string().max(128).optional(),
  adminToken: z.string().max(512).optional(),
});
export type BoardJoin = z.infer<typeof BoardJoinSchema>;

export const BoardLeaveSchema = z.strictObject({ roundId: RoundIdSchema });
export type BoardLeave = z.infer<typeof BoardLeaveSchema>;

export interface ScreenKeyResponse {
  screenKey: string;
}

/** `GET /api/rounds/:id/stats`: the organiser's live panel. */
export interface RoundStats {
  roundId: RoundId;
  epoch: number;
  totalBallots: number;
  /** Voters (or tickets) with a counted ballot in this epoch: ballots less repeat ballots of daily rounds. */
  voters: number;
  /** Counted ballots per minute over the last `LIMITS.statsWindowMinutes`, oldest first, minutes without ballots as 0. */
  ballotsPerMinute: { minute: string; ballots: number }[];
  /** Refused ballots of this epoch by error code. */
  rejected: Partial<Record<ErrorCode, number>>;
  /** Sockets on this round's boards right now, over every backend, by page. */
  connected: Record<ClientView, number>;
}

export const EpochQuerySchema = z.strictObject({
  epoch: z
    .string()
    .regex(/^[1-9][0-9]{0,8}$/, "must be a positive whole number")
    .transform(Number)
    .optional(),
});
