/**
 * The audit stream's entry format, the one place that knows it (keys.ts `audit`). Every reader goes through
 * these functions; the Lua scripts that write or read ballot entries mirror it with a comment pointing here
 * (cast-ballot.lua writes, exclude-ballots.lua and restore-ballots.lua read `ballot` and `choices`).
 *
 * A counted ballot is ONE field, `e`, whose value is the ballot's values joined by `|` in BALLOT_ENTRY_FIELDS
 * order: Redis then sends 2 strings per entry instead of 18, which is most of what a recount of a million
 * ballots costs Node (decoding replies). `|` cannot occur in any value: ballot ids are UUIDs, the voter a hex
 * hash or `t:<hex>`, choices option ids (`[A-Za-z0-9_-]`) joined by `,`, at and sinceLoad digits (sinceLoad ''
 * when not given), ip and net hex, cred `token` or `ticket:<batch name>` (letters, digits, spaces and `_.-`:
 * TicketBatchNameSchema), and the chain value hex. The chain value stays the last field.
 *
 * Entries written before the packed form (one stream field per value) are still read, so a Redis holding a
 * round from before the upgrade keeps working. Exclusions and their undos (rare) keep that field form:
 * exclusion, action (exclude|restore), reason, ballots (ids joined by ','), at.
 */

/** The stream field of a packed ballot entry. */
export const PACKED_BALLOT_FIELD = "e";
/** Between the values of a packed ballot entry. */
export const PACKED_SEPARATOR = "|";
/** The values of a packed ballot entry, in order (the chain value last). */
export const BALLOT_ENTRY_FIELDS = [
  "ballot",
  "voter",
  "choices",
  "at",
  "ip",
  "net",
  "cred",
  "sinceLoad",
  "hash",
] as const;
export type BallotEntryField = (typeof BALLOT_ENTRY_FIELDS)[number];

const CHOICES_INDEX = BALLOT_ENTRY_FIELDS.indexOf("choices");

/** A ballot entry's packed value, as cast-ballot.lua writes it (benchmarks and tests write entries with it). */
export function packBallotEntry(values: Partial<Record<BallotEntryField, string>>): string {
  return BALLOT_ENTRY_FIELDS.map((name) => {
    const value = values[name] ?? "";
    if (value.includes(PACKED_SEPARATOR)) throw new Error(`audit entry ${name} holds the separator: ${value}`);
    return value;
  }).join(PACKED_SEPARATOR);
}

const isPacked = (fields: string[]) => fields[0] === PACKED_BALLOT_FIELD;

/** The start of the `index`th value of a packed entry (values before it are skipped by their separators). */
function valueStart(packed: string, index: number): number {
  let start = 0;
  for (let i = 0; i < index; i++) start = packed.indexOf(PACKED_SEPARATOR, start) + 1;
  return start;
}

function packedValue(packed: string, index: number): string {
  const start = valueStart(packed, index);
  const end = packed.indexOf(PACKED_SEPARATOR, start);
  return end < 0 ? packed.slice(start) : packed.slice(start, end);
}

/** An entry's fields as a record, whichever form it was written in (a packed ballot as its named values). */
export function auditEntryRecord(fields: string[]): Record<string, string> {
  const record: Record<string, string> = {};
  if (isPacked(fields)) {
    const values = (fields[1] ?? "").split(PACKED_SEPARATOR);
    for (const [i, name] of BALLOT_ENTRY_FIELDS.entries()) record[name] = values[i] ?? "";
    return record;
  }
  for (let i = 0; i + 1 < fields.length; i += 2) record[fields[i] as string] = fields[i + 1] as string;
  return record;
}

/**
 * The `choices` of a ballot entry straight from its fields, undefined for an exclusion or undo: the fast read
 * for scans of a whole log (no object per entry). Any entry that is not an exclusion is a ballot.
 */
export function auditEntryChoices(fields: string[]): string | undefined {
  if (isPacked(fields)) return packedValue(fields[1] ?? "", CHOICES_INDEX);
  let choices = "";
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === "exclusion") return undefined;
    if (fields[i] === "choices") choices = fields[i + 1] as string;
  }
  return choices;
}

/** The ballot id of a ballot entry ('' when it has none). */
export function auditEntryBallotId(fields: string[]): string {
  if (isPacked(fields)) return packedValue(fields[1] ?? "", 0);
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === "ballot") return fields[i + 1] as string;
  return "";
}
