import type { IssuedTicket } from "@lb/common";

/** Tickets to an A4 page: 8 (2 x 4, large QR codes) or 16 (4 x 4, to save paper). */
export const TICKETS_PER_PAGE = [8, 16] as const;
export type TicketsPerPage = (typeof TICKETS_PER_PAGE)[number];

/** The tickets cut into pages. */
export function ticketPages<T>(tickets: readonly T[], perPage: TicketsPerPage): T[][] {
  const pages: T[][] = [];
  for (let i = 0; i < tickets.length; i += perPage) pages.push(tickets.slice(i, i + perPage));
  return pages;
}

const csvField = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);

/**
 * The CSV of a batch (`batch,code,url`, UTF-8 with a BOM so spreadsheet programs read Chinese batch names), made
 * in the browser from the creation answer: the server never shows the codes again.
 */
export function ticketsCsv(batch: string, tickets: readonly IssuedTicket[]): string {
  const lines = [
    "batch,code,url",
    ...tickets.map((ticket) => [batch, ticket.code, ticket.url].map(csvField).join(",")),
  ];
  return `\uFEFF${lines.join("\r\n")}\r\n`;
}
