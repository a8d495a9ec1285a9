import { z } from "zod";
import { TICKET_LIMITS } from "./limits.js";

/**
 * Ticket codes: 12 symbols of a 32-symbol alphabet without 0/O and 1/I, printed as XXXX-XXXX-XXXX. Each
 * symbol carries 5 bits, a code 60 bits (the README gives what that means for guessing). Voters may type them
 * in any case, with or without dashes and spaces; every edge normalises before anything else looks at them.
 */
export const TICKET_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
export const TICKET_CODE_LENGTH = 12;
const CODE_PATTERN = new RegExp(`^[${TICKET_ALPHABET}]{${TICKET_CODE_LENGTH}}$`);

/** Upper-cases and drops dashes and white space: "abcd-efgh jkmn" -> "ABCDEFGHJKMN". */
export function normalizeTicketCode(input: string): string {
  return input.toUpperCase().replace(/[\s-]+/g, "");
}

/** Whether a normalised code has the shape of a ticket (it may still not be one of the round's tickets). */
export function isTicketCode(code: string): boolean {
  return CODE_PATTERN.test(code);
}

/** The printed form: groups of four joined by dashes. */
export function formatTicketCode(code: string): string {
  return normalizeTicketCode(code).replace(/(.{4})(?=.)/g, "$1-");
}

/** A ticket as a voter sends it: bounded before normalising, then checked for the alphabet and length. */
export const TicketCodeSchema = z
  .string()
  .max(TICKET_LIMITS.codeInputMaxLength)
  .transform(normalizeTicketCode)
  .pipe(z.string().regex(CODE_PATTERN, `must be a ticket code: ${TICKET_CODE_LENGTH} of ${TICKET_ALPHABET}`));

/** Batch names: letters (any script), digits, spaces and `_.-`; they show in the console, CSVs and the audit. */
export const TicketBatchNameSchema = z
  .string()
  .trim()
  .min(1)
  .max(TICKET_LIMITS.batchNameMaxLength)
  .regex(/^[\p{L}\p{N} _.-]+$/u, "must use only letters, digits, spaces and '_.-'");

/** `POST /api/rounds/:id/tickets`. */
export const TicketBatchCreateSchema = z.strictObject({
  batch: TicketBatchNameSchema,
  count: z.int().min(1).max(TICKET_LIMITS.perRequest),
});
export type TicketBatchCreate = z.infer<typeof TicketBatchCreateSchema>;

export interface IssuedTicket {
  /** Printed form, XXXX-XXXX-XXXX. */
  code: string;
  /** The vote page with the ticket: `<origin>/r/<id>?ticket=<code>`. */
  url: string;
}

/** 201 answer of `POST /api/rounds/:id/tickets`: the only time the codes are ever shown. */
export interface TicketBatchCreated {
  roundId: string;
  batch: string;
  tickets: IssuedTicket[];
}

export interface TicketBatchSummary {
  batch: string;
  /** Tickets made in this batch, over every call. */
  issued: number;
  /** Tickets of this batch that voted in the current epoch. */
  used: number;
}

/** `GET /api/rounds/:id/tickets`. */
export interface TicketBatchList {
  roundId: string;
  epoch: number;
  issued: number;
  used: number;
  batches: TicketBatchSummary[];
}

/** The request header that carries a ticket to `GET /api/rounds/:id/my-ballot`. */
export const TICKET_HEADER = "X-Ticket";
