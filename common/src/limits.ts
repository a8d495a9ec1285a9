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
