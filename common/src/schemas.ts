import { z } from "zod";
import { LIMITS } from "./limits.js";

/** URL-safe slug: lower-case letters, digits and dashes, starting with a letter or digit. */
export const RoundIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]*$/, "must be a slug: a-z, 0-9 and '-', starting with a letter or digit")
  .max(LIMITS.roundIdMaxLength);
export type RoundId = z.infer<typeof RoundIdSchema>;

export const OptionIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]+$/, "must use only A-Z, a-z, 0-9, '_' and '-'")
  .max(LIMITS.optionIdMaxLength);
export type OptionId = z.infer<typeof OptionIdSchema>;

export const RoundStatusSchema = z.enum(["draft", "open", "paused", "closed"]);
export type RoundStatus = z.infer<typeof RoundStatusSchema>;

export const RoundRulesSchema = z
  .strictObject({
    minChoices: z.int().min(1).max(LIMITS.maxOptions),
    maxChoices: z.int().min(1).max(LIMITS.maxOptions),
  })
  .refine((rules) => rules.minChoices <= rules.maxChoices, {
    message: "minChoices must not exceed maxChoices",
    path: ["minChoices"],
  });
export type RoundRules = z.infer<typeof RoundRulesSchema>;

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

function maxChoicesFitOptions(round: { rules?: RoundRules; options?: Option[] }, ctx: z.RefinementCtx) {
  if (round.rules && round.options && round.rules.minChoices > round.options.length) {
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
    rules: RoundRulesSchema.optional(),
    options: OptionListSchema.optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, { message: "nothing to change" })
  .superRefine(maxChoicesFitOptions);
export type RoundPatch = z.infer<typeof RoundPatchSchema>;

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
  createdAt: string;
  updatedAt: string;
}

/** The round view without option descriptions: what lists and socket notices carry. */
export type RoundSummary = Omit<RoundView, "options"> & { optionCount: number };

export const ResetRequestSchema = z.strictObject({ confirm: z.string().max(LIMITS.roundIdMaxLength) });
export type ResetRequest = z.infer<typeof ResetRequestSchema>;

export const IdempotencyKeySchema = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]+$/, "must use only A-Z, a-z, 0-9 and '_.:-'")
  .min(1)
  .max(LIMITS.idempotencyKeyMaxLength);

/** `POST /api/rounds/:id/ballots`. Rules that need the round (known options, counts) are checked in Redis. */
export const BallotRequestSchema = z.strictObject({
  choices: z.array(OptionIdSchema).min(1).max(LIMITS.maxOptions),
  idempotencyKey: IdempotencyKeySchema.optional(),
});
export type BallotRequest = z.infer<typeof BallotRequestSchema>;

export interface BallotReceipt {
  ballotId: string;
  roundId: RoundId;
  epoch: number;
  choices: OptionId[];
  /** ISO 8601, from Redis's clock so that every backend agrees. */
  receivedAt: string;
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
  entries: LeaderboardEntry[];
}

export interface LeaderboardChange {
  optionId: OptionId;
  votes: number;
  rank: number;
}

/** A coalesced live update: apply it only to a board whose `seq` equals `prevSeq`; otherwise rejoin. */
export interface LeaderboardUpdate {
  roundId: RoundId;
  epoch: number;
  prevSeq: number;
  seq: number;
  status: RoundStatus;
  totalBallots: number;
  changes: LeaderboardChange[];
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
  /** Ballots the live counters say were counted. */
  liveBallots: number;
  matches: boolean;
  /** Options whose live votes differ from the recount (empty when `matches`). */
  differences: { optionId: OptionId; live: number; recounted: number }[];
}

/** One line of the audit NDJSON export. */
export interface AuditEntry {
  ballotId: string;
  /** SHA-256 of the voter's id: the raw token is never stored. */
  voter: string;
  choices: OptionId[];
  receivedAt: string;
}

export const BoardJoinSchema = z.strictObject({ roundId: RoundIdSchema });
export type BoardJoin = z.infer<typeof BoardJoinSchema>;

export const EpochQuerySchema = z.strictObject({
  epoch: z
    .string()
    .regex(/^[1-9][0-9]{0,8}$/, "must be a positive whole number")
    .transform(Number)
    .optional(),
});
