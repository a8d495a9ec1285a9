import { createHmac, randomBytes } from "node:crypto";
import { formatTicketCode, TICKET_ALPHABET, TICKET_CODE_LENGTH, TicketCodeSchema } from "@lb/common";

/**
 * A new ticket code, printed form (XXXX-XXXX-XXXX). The alphabet has 32 symbols, so `byte & 31` picks each one
 * without bias; 12 symbols are 60 random bits.
 */
export function newTicketCode(): string {
  const bytes = randomBytes(TICKET_CODE_LENGTH);
  let code = "";
  for (const byte of bytes) code += TICKET_ALPHABET[byte & 31];
  return formatTicketCode(code);
}

/**
 * What Redis keeps of a ticket: an HMAC of the round id and the normalised code under VOTER_TOKEN_SECRET,
 * truncated to 128 bits. Without the secret a copy of Redis does not lead back to a code (a plain hash of a
 * 60-bit code could be searched), and the same code in another round is another ticket. Rotating the secret
 * voids every ticket issued under the old one.
 */
export function ticketHash(secret: string, roundId: string, normalizedCode: string): string {
  return createHmac("sha256", secret).update(`ticket:v1:${roundId}:${normalizedCode}`).digest("base64url").slice(0, 22);
}

/** A ticket a client presented (the X-Ticket header, a socket's handshake), normalised; null when absent or not a code. */
export function presentedTicket(value: unknown): string | null {
  const parsed = TicketCodeSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}
