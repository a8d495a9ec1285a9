/**
 * Hard limits on what the service accepts. They bound memory, Redis writes and request sizes; the README's
 * "Limits" table documents each one. Body-size limits are in the backend config (they are deployment knobs).
 */
export const LIMITS = {
  /** Round ids are URL slugs. */
  roundIdMaxLength: 64,
  /** Option ids are short stable strings (the option number when not given). */
  optionIdMaxLength: 64,
  /** Options per round; the demo round has 64. */
  maxOptions: 500,
  roundTitleMaxLength: 200,
  roundDescriptionMaxLength: 10_000,
  optionTitleMaxLength: 200,
  /** The demo round's longest description is about 2,200 characters. */
  optionDescriptionMaxLength: 20_000,
  idempotencyKeyMaxLength: 128,
  /** How far back the organiser's ballots-per-minute chart reaches. */
  statsWindowMinutes: 60,
  /** CIDRs in a round's `rules.allowedNetworks` (a venue has a few address ranges, not hundreds). */
  allowedNetworksMax: 32,
  /** Longest proof-of-work challenge salt a client may send back (ours are about 40 characters). */
  challengeSaltMaxLength: 200,
} as const;

/** Tickets electorate (`rules.electorate: "tickets"`): how many, how they are named. */
export const TICKET_LIMITS = {
  /** Tickets one `POST /api/rounds/:id/tickets` may create (the figure). */
  perRequest: 10_000,
  /** Tickets a round may hold over all its batches: bounds Redis memory (about 100 bytes a ticket). */
  perRound: 100_000,
  /** Named batches per round (a table, a floor, a class). */
  batchesPerRound: 200,
  batchNameMaxLength: 40,
  /** What a ticket field may carry before normalising (12 symbols, dashes and spaces a voter may type). */
  codeInputMaxLength: 32,
} as const;
