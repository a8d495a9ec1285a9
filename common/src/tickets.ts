import { z } from "zod";
import { TICKET_LIMITS } from "./limits.js";
import { normalizeTicketCode, TICKET_ALPHABET, TICKET_CODE_LENGTH, TICKET_CODE_PATTERN } from "./ticket-code.js";

/** A ticket as a voter sends it: bounded before normalising, then checked for the alphabet and length. */
export const TicketCodeSchema = z
  .string()
  .max(TICKET_LIMITS.codeInputMaxLength)
  .transform(normalizeTicketCode)
  .pipe(z.string().regex(TICKET_CODE_PATTERN, `must be a ticket code: ${TICKET_CODE_LENGTH} of ${TICKET_ALPHABET}`));

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
