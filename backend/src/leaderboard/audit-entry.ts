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
 * TicketBatchNameSchema), and the link of the hash chain's step that counted the ballot, hex (the last field;
 * cast-ballot.lua adds it once the step is known).
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
  "link",
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

// Reading raw entries (xrangeBuffer): the recount of a whole log counts picks straight from Redis's bytes, with no
// UTF-8 decoding of the entry and no string per pick (measured: about 40% less Node CPU per entry than strings).

const SEPARATOR_BYTE = PACKED_SEPARATOR.charCodeAt(0);
const COMMA_BYTE = 0x2c;
const PACKED_FIELD_BYTE = PACKED_BALLOT_FIELD.charCodeAt(0);
/** Option ids of up to this many bytes are counted under a number (6 bytes stay below 2^53: exact). */
const NUMERIC_KEY_MAX_BYTES = 6;

/** An option id as the raw readers count it: see optionKey. */
export type OptionKey = number | string;

function keyOfBytes(bytes: Buffer, start: number, end: number): OptionKey {
  if (end - start > NUMERIC_KEY_MAX_BYTES) return bytes.toString("utf8", start, end);
  let key = 0;
  for (let i = start; i < end; i++) key = key * 256 + (bytes[i] as number);
  return key;
}

/**
 * The key an option id is counted under by the raw readers: a short id as the number its bytes make in base 256
 * (bytes are never 0 in an id, so the number tells the bytes back), a longer one as itself.
 */
export function optionKey(id: string): OptionKey {
  const bytes = Buffer.from(id, "utf8");
  return keyOfBytes(bytes, 0, bytes.length);
}

/** The option id an OptionKey stands for. */
export function optionIdOfKey(key: OptionKey): string {
  if (typeof key === "string") return key;
  const bytes: number[] = [];
  for (let rest = key; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from(bytes).toString("utf8");
}

const isPackedRaw = (fields: Buffer[]) => fields[0]?.length === 1 && fields[0][0] === PACKED_FIELD_BYTE;
const asStrings = (fields: Buffer[]) => fields.map((field) => field.toString("utf8"));

/**
 * Adds `delta` to `votes` for every pick of a raw ballot entry (an empty pick counts as the id '', as splitting
 * the string would); false, counting nothing, for an exclusion or undo.
 */
export function countRawEntryChoices(fields: Buffer[], votes: Map<OptionKey, number>, delta: number): boolean {
  if (!isPackedRaw(fields)) {
    const choices = auditEntryChoices(asStrings(fields));
    if (choices === undefined) return false;
    for (const id of choices.split(",")) {
      const key = optionKey(id);
      votes.set(key, (votes.get(key) ?? 0) + delta);
    }
    return true;
  }
  const value = fields[1] as Buffer;
  let start = 0;
  for (let i = 0; i < CHOICES_INDEX; i++) start = value.indexOf(SEPARATOR_BYTE, start) + 1;
  let end = value.indexOf(SEPARATOR_BYTE, start);
  if (end < 0) end = value.length;
  // A plain loop over the picks' bytes (a call to indexOf per pick costs more than it saves).
  let key = 0;
  for (let i = start; i <= end; i++) {
    const byte = i === end ? COMMA_BYTE : (value[i] as number);
    if (byte !== COMMA_BYTE) {
      key = key * 256 + byte;
      continue;
    }
    const counted = i - start > NUMERIC_KEY_MAX_BYTES ? value.toString("utf8", start, i) : key;
    votes.set(counted, (votes.get(counted) ?? 0) + delta);
    key = 0;
    start = i + 1;
  }
  return true;
}

/** The ballot id of a raw entry ('' for an exclusion or undo). */
export function rawEntryBallotId(fields: Buffer[]): string {
  if (!isPackedRaw(fields)) return auditEntryBallotId(asStrings(fields));
  const value = fields[1] as Buffer;
  const end = value.indexOf(SEPARATOR_BYTE);
  return value.toString("utf8", 0, end < 0 ? value.length : end);
}

/** A raw entry's fields as strings, for parseAuditEntry. */
export const rawEntryFields = asStrings;
