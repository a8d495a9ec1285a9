/**
 * Every error a client can see. HTTP answers `{ error: { code, message } }` with the status below; socket
 * acks answer `{ error: { code, message } }`. Clients branch on `code`, never on `message`.
 */
export const ERROR_STATUS = {
  INVALID_BODY: 400,
  /** The request itself is broken: bad percent-encoding in the path, a body that does not match its encoding. */
  MALFORMED_REQUEST: 400,
  INVALID_QUERY: 400,
  UNKNOWN_OPTION: 400,
  DUPLICATE_OPTION: 400,
  TOO_FEW_CHOICES: 400,
  TOO_MANY_CHOICES: 400,
  UNAUTHORIZED: 401,
  INVALID_VOTER_TOKEN: 401,
  INVALID_SCREEN_KEY: 401,
  /** Tickets electorate: a ballot without a ticket. */
  TICKET_REQUIRED: 401,
  /** Tickets electorate: a code that is not one of the round's tickets. */
  TICKET_INVALID: 403,
  /** The round's `allowedNetworks` do not include the client's address. */
  NETWORK_NOT_ALLOWED: 403,
  /** A proof-of-work challenge solution that is wrong, expired or already used. */
  CHALLENGE_FAILED: 403,
  /** A state-changing request or a socket from a page of another site. */
  ORIGIN_NOT_ALLOWED: 403,
  ROUND_NOT_FOUND: 404,
  EPOCH_NOT_FOUND: 404,
  NOT_FOUND: 404,
  /** No event has this id (events of many rounds). */
  EVENT_NOT_FOUND: 404,
  ROUND_NOT_OPEN: 409,
  ALREADY_VOTED: 409,
  IDEMPOTENCY_MISMATCH: 409,
  ROUND_EXISTS: 409,
  EVENT_EXISTS: 409,
  ROUND_LOCKED: 409,
  INVALID_TRANSITION: 409,
  CONFIRMATION_MISMATCH: 409,
  /** Tickets electorate: this ticket has voted in the current epoch (or today, for daily rounds). */
  TICKET_USED: 409,
  /** An archived round is read-only. */
  ROUND_ARCHIVED: 409,
  /** Undo reset: there is no reset to undo, the new epoch has a ballot, or the round moved on (the detail says). */
  RESET_NOT_UNDOABLE: 409,
  /** Past the soft limit: solve the proof-of-work challenge in the error's `challenge` and send it again. */
  CHALLENGE_REQUIRED: 428,
  /** Past the hard limit; the `Retry-After` header says when to try again. */
  RATE_LIMITED: 429,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INTERNAL: 500,
  UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

export interface ApiError {
  code: ErrorCode;
  message: string;
}

export interface ApiErrorBody {
  error: ApiError;
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && Object.hasOwn(ERROR_STATUS, value);
}
