import { isTicketCode, normalizeTicketCode } from "@lb/common";
import { readStored, writeStored } from "../../lib/storage";

/**
 * The ticket of a tickets round on this device. It arrives in the QR code's URL (`?ticket=CODE`) or is typed,
 * and is kept per round in local storage so that a reload, a retry or the next visit uses it again; the code
 * leaves the address bar at once so that a screenshot or a shared link does not pass the ballot on.
 */
const storageKey = (roundId: string) => `lb.ticket.${roundId}`;

export function storedTicket(roundId: string): string | null {
  const stored = readStored("localStorage", storageKey(roundId));
  return stored && isTicketCode(stored) ? stored : null;
}

export function rememberTicket(roundId: string, ticket: string | null): void {
  writeStored("localStorage", storageKey(roundId), ticket);
}

/** Takes `?ticket=` out of the address (remembering it); returns the normalised code, or null when none. */
export function takeTicketFromUrl(roundId: string): string | null {
  const url = new URL(window.location.href);
  const raw = url.searchParams.get("ticket");
  if (raw === null) return null;
  url.searchParams.delete("ticket");
  window.history.replaceState(window.history.state, "", `${url.pathname}${url.search}${url.hash}`);
  const ticket = normalizeTicketCode(raw).slice(0, 32);
  // A mangled code is kept as typed so the voter sees it refused and can correct it.
  rememberTicket(roundId, ticket);
  return ticket;
}
