import { LIMITS, type Option, type RoundCreate, RoundCreateSchema } from "@lb/common";
import { parseCsv } from "./parse-csv";

/** What went wrong in an imported file; the console translates `code` and shows where (`line` or `option`). */
export interface ImportIssue {
  /** 1-based line in the file (CSV, and JSON syntax errors). */
  line?: number;
  /** 1-based position in the options list (JSON). */
  option?: number;
  code: ImportIssueCode;
  values?: Record<string, string | number>;
}

export type ImportIssueCode =
  | "emptyFile"
  | "unknownFormat"
  | "badJson"
  | "unclosedQuote"
  | "columns"
  | "fieldCount"
  | "badNumber"
  | "emptyTitle"
  | "duplicateNumber"
  | "tooMany"
  | "noOptions"
  | "invalid";

/** A JSON file is a whole round; a CSV file is its options (the console's form supplies title and rules). */
export type ImportResult =
  | { ok: true; kind: "json"; round: RoundCreate }
  | { ok: true; kind: "csv"; options: Option[] }
  | { ok: false; issues: ImportIssue[] };

/** The CSV columns, in order; `description` may be left out. */
export const CSV_COLUMNS = ["number", "title", "description"] as const;

/** Parses an organiser's file by its name (`.json` / `.csv`), or by its first character when the name says nothing. */
export function parseRoundFile(fileName: string, text: string): ImportResult {
  if (text.replace(/^\uFEFF/, "").trim() === "") return fail({ code: "emptyFile" });
  const extension = fileName.toLowerCase().match(/\.([a-z]+)$/)?.[1];
  if (extension === "json") return parseRoundJson(text);
  if (extension === "csv" || extension === "txt") return parseOptionsCsv(text);
  if (
    text
      .trimStart()
      .replace(/^\uFEFF/, "")
      .startsWith("{")
  )
    return parseRoundJson(text);
  if (extension === undefined) return parseOptionsCsv(text);
  return fail({ code: "unknownFormat", values: { name: fileName } });
}

/** A round in the shared data file's shape (`{ title, description, rules, options: [{ number, title, description }] }`). */
export function parseRoundJson(text: string): ImportResult {
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return fail({ code: "badJson", line: jsonErrorLine(text, message), values: { message } });
  }
  const options = (data as { options?: unknown } | null)?.options;
  if (Array.isArray(options)) {
    const issues = checkOptions(
      options.map((option, index) => ({
        ...(option as { number?: unknown; title?: unknown }),
        at: { option: index + 1 },
      })),
    );
    if (issues.length > 0) return { ok: false, issues };
  }
  const result = RoundCreateSchema.safeParse(data);
  if (result.success) return { ok: true, kind: "json", round: result.data };
  return { ok: false, issues: result.error.issues.map((issue) => schemaIssue(issue.path, issue.message)) };
}

/** Options as CSV with the header `number,title,description`. */
export function parseOptionsCsv(text: string): ImportResult {
  const parsed = parseCsv(text);
  if (!parsed.ok) return fail({ code: "unclosedQuote", line: parsed.unclosedQuoteLine });
  const [header, ...rows] = parsed.records;
  if (!header) return fail({ code: "emptyFile" });
  const columns = header.fields.map((name) => name.trim().toLowerCase());
  const expected = columns.length === 2 ? CSV_COLUMNS.slice(0, 2) : CSV_COLUMNS;
  if (columns.join(",") !== expected.join(",")) {
    return fail({ code: "columns", line: header.line, values: { found: header.fields.join(",") } });
  }
  if (rows.length === 0) return fail({ code: "noOptions" });
  if (rows.length > LIMITS.maxOptions) {
    return fail({ code: "tooMany", values: { count: rows.length, max: LIMITS.maxOptions } });
  }

  const issues: ImportIssue[] = [];
  const candidates: { number: unknown; title: unknown; at: { line: number } }[] = [];
  for (const row of rows) {
    if (row.fields.length !== columns.length) {
      issues.push({
        code: "fieldCount",
        line: row.line,
        values: { count: row.fields.length, expected: columns.length },
      });
      continue;
    }
    const [numberText = "", title = ""] = row.fields;
    const number = /^\s*\d+\s*$/.test(numberText) ? Number(numberText) : Number.NaN;
    candidates.push({ number: Number.isSafeInteger(number) ? number : numberText, title, at: { line: row.line } });
  }
  issues.push(...checkOptions(candidates));
  if (issues.length > 0) return { ok: false, issues: sortIssues(issues) };

  const options = rows.map(({ fields: [numberText = "", title = "", description = ""] }) => ({
    number: Number(numberText),
    title: title.trim(),
    description: description.trim(),
  }));
  // The schema has the final word (lengths, limits); a placeholder title and rules stand in for the form's.
  const result = RoundCreateSchema.safeParse({ title: "-", rules: { minChoices: 1, maxChoices: 1 }, options });
  if (result.success) return { ok: true, kind: "csv", options: result.data.options };
  return {
    ok: false,
    issues: result.error.issues.map((issue) => {
      const index = issue.path[1];
      const line = typeof index === "number" ? rows[index]?.line : undefined;
      return { ...schemaIssue(issue.path.slice(2), issue.message), option: undefined, line };
    }),
  };
}

/** The checks that deserve a clear message of their own: numbers, empty titles, duplicates, count. */
function checkOptions(
  options: readonly { number?: unknown; title?: unknown; at: { line?: number; option?: number } }[],
): ImportIssue[] {
  if (options.length === 0) return [{ code: "noOptions" }];
  if (options.length > LIMITS.maxOptions) {
    return [{ code: "tooMany", values: { count: options.length, max: LIMITS.maxOptions } }];
  }
  const issues: ImportIssue[] = [];
  const firstSeen = new Map<number, { line?: number; option?: number }>();
  for (const { number, title, at } of options) {
    if (typeof number !== "number" || !Number.isInteger(number) || number < 1) {
      issues.push({ ...at, code: "badNumber", values: { value: String(number ?? "") } });
    } else {
      const earlier = firstSeen.get(number);
      if (earlier) {
        const where = earlier.line ?? earlier.option ?? 0;
        issues.push({ ...at, code: "duplicateNumber", values: { number, first: where } });
      } else {
        firstSeen.set(number, at);
      }
    }
    if (typeof title !== "string" || title.trim() === "") issues.push({ ...at, code: "emptyTitle" });
  }
  return issues;
}

/** A schema complaint, placed on the option it concerns when there is one. */
function schemaIssue(path: readonly PropertyKey[], message: string): ImportIssue {
  const option = path[0] === "options" && typeof path[1] === "number" ? path[1] + 1 : undefined;
  const field = (option === undefined ? path : path.slice(2)).map(String).join(".") || "-";
  return { code: "invalid", option, values: { field, message } };
}

function sortIssues(issues: ImportIssue[]): ImportIssue[] {
  return issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

function fail(issue: ImportIssue): ImportResult {
  return { ok: false, issues: [issue] };
}

/** The line of a JSON syntax error, from the engine's message ("line 3 column 5" or "at position 42"). */
function jsonErrorLine(text: string, message: string): number | undefined {
  const line = message.match(/line (\d+)/);
  if (line) return Number(line[1]);
  const position = message.match(/position (\d+)/);
  if (position) return text.slice(0, Number(position[1])).split("\n").length;
  return undefined;
}
