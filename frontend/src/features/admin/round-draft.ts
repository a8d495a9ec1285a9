import {
  type BallotsPerVoter,
  DEFAULT_TIME_ZONE,
  type Electorate,
  type Option,
  type ResultsVisibility,
  type RoundCreate,
  RoundCreateSchema,
  type RoundRules,
  type RoundView,
  type ScreenVisibility,
} from "@lb/common";
import type { RoundPatchInput } from "../../lib/api";

/** One option row of the form; every field is the input's text. `id` is kept so that editing never renames options. */
export interface OptionDraft {
  /** React key of the row; rows have no other stable identity while their number is being typed. */
  key: string;
  id?: string;
  number: string;
  title: string;
  description: string;
}

/** The round form's state: text as typed, turned into the API's shape only on submit. */
export interface RoundDraft {
  id: string;
  title: string;
  description: string;
  minChoices: string;
  maxChoices: string;
  resultsVisibility: ResultsVisibility;
  screenVisibility: ScreenVisibility;
  /** `datetime-local` values (the organiser's own time zone); "" for no limit. */
  opensAt: string;
  closesAt: string;
  electorate: Electorate;
  ballotsPerVoter: BallotsPerVoter;
  /** IANA name; what "a day" means for daily rounds. */
  timeZone: string;
  /** `rules.allowedNetworks`, one CIDR per line; "" for any network. */
  allowedNetworks: string;
  options: OptionDraft[];
}

let nextKey = 0;
export const newRowKey = () => `row-${++nextKey}`;

export function optionDrafts(options: readonly Option[]): OptionDraft[] {
  return options.map((option) => ({
    key: newRowKey(),
    id: option.id,
    number: String(option.number),
    title: option.title,
    description: option.description,
  }));
}

export function emptyDraft(): RoundDraft {
  return {
    id: "",
    title: "",
    description: "",
    minChoices: "1",
    maxChoices: "1",
    resultsVisibility: "always",
    screenVisibility: "always",
    opensAt: "",
    closesAt: "",
    electorate: "open",
    ballotsPerVoter: "once",
    timeZone: DEFAULT_TIME_ZONE,
    allowedNetworks: "",
    options: [1, 2].map((n) => ({ key: newRowKey(), number: String(n), title: "", description: "" })),
  };
}

/** A round (imported or loaded for editing) as form state. */
export function draftFromRound(
  round: Pick<RoundCreate, "title" | "description" | "rules" | "options"> & { id?: string },
) {
  return {
    id: round.id ?? "",
    title: round.title,
    description: round.description,
    minChoices: String(round.rules.minChoices),
    maxChoices: String(round.rules.maxChoices),
    resultsVisibility: round.rules.resultsVisibility,
    screenVisibility: round.rules.screenVisibility,
    opensAt: toLocalInput(round.rules.opensAt),
    closesAt: toLocalInput(round.rules.closesAt),
    electorate: round.rules.electorate,
    ballotsPerVoter: round.rules.ballotsPerVoter,
    timeZone: round.rules.timeZone,
    allowedNetworks: (round.rules.allowedNetworks ?? []).join("\n"),
    options: optionDrafts(round.options),
  } satisfies RoundDraft;
}

/** An ISO instant as a `datetime-local` value in this browser's time zone. */
export function toLocalInput(iso: string | null): string {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

/** A `datetime-local` value (local time) as an ISO instant; null when empty. */
export function fromLocalInput(value: string): string | null {
  if (value.trim() === "") return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}

const toInt = (text: string): number => (/^\s*-?\d+\s*$/.test(text) ? Number(text) : Number.NaN);

function rulesOf(draft: RoundDraft): RoundRules {
  return {
    minChoices: toInt(draft.minChoices),
    maxChoices: toInt(draft.maxChoices),
    resultsVisibility: draft.resultsVisibility,
    screenVisibility: draft.screenVisibility,
    opensAt: fromLocalInput(draft.opensAt),
    closesAt: fromLocalInput(draft.closesAt),
    electorate: draft.electorate,
    ballotsPerVoter: draft.ballotsPerVoter,
    timeZone: draft.timeZone.trim(),
    allowedNetworks: draft.allowedNetworks
      .split(/\s+/)
      .map((line) => line.trim())
      .filter((line) => line !== ""),
  };
}

function optionsOf(draft: RoundDraft) {
  return draft.options.map((option) => ({
    ...(option.id ? { id: option.id } : {}),
    number: toInt(option.number),
    title: option.title.trim(),
    description: option.description.trim(),
  }));
}

/**
 * A problem in the form, placed on the field it concerns (`option` is the 1-based row). `kind` names the common
 * problems so the console can say them in the organiser's language; "other" carries the schema's own message.
 */
export interface DraftIssue {
  field: string;
  option?: number;
  kind: "empty" | "tooLong" | "notWhole" | "tooSmall" | "duplicate" | "other";
  /** The limit (tooLong, tooSmall), the repeated number (duplicate) or the schema's message (other). */
  detail?: string | number;
}

/** Turns a schema issue into a DraftIssue kind; zod's issue shapes are matched loosely on purpose. */
function issueKind(issue: { code: string; message: string; minimum?: unknown; maximum?: unknown; origin?: unknown }) {
  if (issue.code === "too_small" && issue.origin === "string") return { kind: "empty" as const };
  if (issue.code === "too_big" && issue.origin === "string")
    return { kind: "tooLong" as const, detail: Number(issue.maximum) };
  if (issue.code === "too_small" && issue.origin === "number")
    return { kind: "tooSmall" as const, detail: Number(issue.minimum) };
  if (issue.code === "invalid_type" && /NaN|number/.test(issue.message)) return { kind: "notWhole" as const };
  return { kind: "other" as const, detail: issue.message };
}

export type DraftCheck = { ok: true; round: RoundCreate } | { ok: false; issues: DraftIssue[] };

/** Checks the form with the very schema the server uses, so that what passes here is what the server accepts. */
export function checkDraft(draft: RoundDraft): DraftCheck {
  const input = {
    ...(draft.id.trim() ? { id: draft.id.trim() } : {}),
    title: draft.title,
    description: draft.description,
    rules: rulesOf(draft),
    options: optionsOf(draft),
  };
  const result = RoundCreateSchema.safeParse(input);
  if (result.success) return { ok: true, round: result.data };
  // The schema checks duplicates only once every option is valid; the form names them at once.
  const issues: DraftIssue[] = duplicateNumbers(draft);
  for (const issue of result.error.issues) {
    const [first, second, ...rest] = issue.path;
    const placed =
      first === "options" && typeof second === "number"
        ? { field: rest.map(String).join(".") || "options", option: second + 1 }
        : { field: issue.path.map(String).join(".") || "-" };
    const described = { ...placed, ...issueKind(issue as Parameters<typeof issueKind>[0]) };
    if (!issues.some((known) => known.option === described.option && known.field === described.field)) {
      issues.push(described);
    }
  }
  return { ok: false, issues };
}

function duplicateNumbers(draft: RoundDraft): DraftIssue[] {
  const seen = new Set<number>();
  const issues: DraftIssue[] = [];
  draft.options.forEach((option, index) => {
    const number = toInt(option.number);
    if (Number.isNaN(number)) return;
    if (seen.has(number)) issues.push({ field: "number", option: index + 1, kind: "duplicate", detail: number });
    seen.add(number);
  });
  return issues;
}

/**
 * The changes between a round and its edited form, as a PATCH body; null when nothing changed. Unchanged
 * options and pick counts are left out, because sending them would be refused once the epoch has ballots.
 */
export function patchFor(round: RoundView, edited: RoundCreate): RoundPatchInput | null {
  const patch: RoundPatchInput = {};
  if (edited.title !== round.title) patch.title = edited.title;
  if (edited.description !== round.description) patch.description = edited.description;
  const rules: Partial<RoundRules> = {};
  for (const key of Object.keys(edited.rules) as (keyof RoundRules)[]) {
    // Compared as JSON: allowedNetworks is a list, equal by content.
    if (JSON.stringify(edited.rules[key]) !== JSON.stringify(round.rules[key])) {
      Object.assign(rules, { [key]: edited.rules[key] });
    }
  }
  if (Object.keys(rules).length > 0) patch.rules = rules;
  const comparable = (options: readonly Option[]) =>
    JSON.stringify(options.map(({ id, number, title, description }) => [id, number, title, description]));
  if (comparable(edited.options) !== comparable(round.options)) patch.options = edited.options;
  return Object.keys(patch).length > 0 ? patch : null;
}
