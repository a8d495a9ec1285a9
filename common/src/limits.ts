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
  /** Time from page load to ballot that a client may report (`sinceLoadMs`): a week; longer is clamped by the page. */
  sinceLoadMaxMs: 7 * 24 * 3_600_000,
  /** An exclusion's reason, shown on the public board and in the results CSV. */
  exclusionReasonMaxLength: 200,
  /** Ballots one exclusion may name or match: bounds the request and the time its Lua script holds Redis. */
  exclusionMaxBallots: 10_000,
  /** Reasons of exclusions listed on the board and in the CSV (the total counts them all). */
  excludedReasonsShown: 10,
  /** Rows per section of the integrity report: `?top=N` up to this, 10 by default. */
  integrityTopMax: 100,
  integrityTopDefault: 10,
  /** A network's arrival regularity is judged from this many ballots on. */
  integrityMinBallotsForCv: 5,
  /** Gaps between a network's ballots with a coefficient of variation below this look machine-made (people: ~1). */
  integrityRegularCv: 0.5,
  /** Rounds in one event (初赛, 复赛, 决赛, or one per award category); bounds the import and the public view. */
  eventRoundsMax: 50,
  /** A minute's share of an option counts as a surge from this many ballots in the minute ... */
  integritySurgeMinBallots: 10,
  /** ... when it is at least this many times the option's share over the whole scan. */
  integritySurgeRatio: 2,
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
