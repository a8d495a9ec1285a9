// Kept apart from the zod schemas in tickets.ts: the voter page uses these, and importing a module with schemas
// would pull zod into the voter's bundle.

/**
 * Ticket codes: 12 symbols of a 32-symbol alphabet without 0/O and 1/I, printed as XXXX-XXXX-XXXX. Each
 * symbol carries 5 bits, a code 60 bits (the README gives what that means for guessing). Voters may type them
 * in any case, with or without dashes and spaces; every edge normalises before anything else looks at them.
 */
export const TICKET_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
export const TICKET_CODE_LENGTH = 12;
export const TICKET_CODE_PATTERN = new RegExp(`^[${TICKET_ALPHABET}]{${TICKET_CODE_LENGTH}}$`);

/** Upper-cases and drops dashes and white space: "abcd-efgh jkmn" -> "ABCDEFGHJKMN". */
export function normalizeTicketCode(input: string): string {
  return input.toUpperCase().replace(/[\s-]+/g, "");
}

/** Whether a normalised code has the shape of a ticket (it may still not be one of the round's tickets). */
export function isTicketCode(code: string): boolean {
  return TICKET_CODE_PATTERN.test(code);
}

/** The printed form: groups of four joined by dashes. */
export function formatTicketCode(code: string): string {
  return normalizeTicketCode(code).replace(/(.{4})(?=.)/g, "$1-");
}

/** The request header that carries a ticket to `GET /api/rounds/:id/my-ballot`. */
export const TICKET_HEADER = "X-Ticket";
