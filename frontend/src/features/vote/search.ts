import type { Option } from "@lb/common";

/** A half-open range [start, end) of UTF-16 indexes in the searched text. */
export interface MatchRange {
  start: number;
  end: number;
}

export interface OptionMatch {
  option: Option;
  /** The option number starts with a numeric term (12 finds 12; 1 finds 1 and 10 to 19). */
  numberMatch: boolean;
  title: MatchRange[];
  description: MatchRange[];
}

export interface SearchQuery {
  terms: {
    /** Case-insensitive, built once per query rather than once per option. */
    pattern: RegExp;
    /** The term as an option number, or null when it is not one. */
    number: string | null;
  }[];
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Splits the query on white space (full-width spaces too); every term must match, so "口岸 2021" narrows. */
export function parseQuery(query: string): SearchQuery {
  const terms = query.trim().split(/\s+/).filter(Boolean);
  return {
    terms: terms.map((term) => {
      // Chinese keyboards often type full-width digits (１２); NFKC makes them the ASCII digits of the numbers.
      const number = term.normalize("NFKC").replace(/^(#|No\.?)/i, "");
      return {
        // The `i` flag matches case-insensitively while indexes stay those of the original text (lower-casing
        // a copy could change its length, e.g. "İ", and shift every highlight after it).
        pattern: new RegExp(escapeRegExp(term), "giu"),
        number: /^\d+$/.test(number) ? number : null,
      };
    }),
  };
}

function rangesOf(text: string, pattern: RegExp): MatchRange[] {
  return Array.from(text.matchAll(pattern), (match) => ({ start: match.index, end: match.index + match[0].length }));
}

/** Sorts and merges overlapping or touching ranges, so highlighting can walk them once. */
export function mergeRanges(ranges: readonly MatchRange[]): MatchRange[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start || a.end - b.end);
  const merged: MatchRange[] = [];
  for (const range of sorted) {
    const last = merged.at(-1);
    if (last && range.start <= last.end) last.end = Math.max(last.end, range.end);
    else merged.push({ ...range });
  }
  return merged;
}

/**
 * Options matching every term, with what to highlight. A term matches when it is a prefix of the option number
 * or occurs in the title or description (plain substring search, which is what Chinese text needs: it has no
 * spaces between words). A voter typing a number most likely means that option, so the option with exactly that
 * number comes first, then those whose number starts with it; then options whose title has a term (what a voter
 * scans), then those found only in their description; each group in option order.
 */
export function searchOptions(options: readonly Option[], query: SearchQuery): OptionMatch[] {
  const results: (OptionMatch & { order: number })[] = [];
  for (const option of options) {
    const number = String(option.number);
    let numberMatch = false;
    let exactNumber = false;
    const title: MatchRange[] = [];
    const description: MatchRange[] = [];
    let all = true;
    for (const term of query.terms) {
      const { pattern } = term;
      const inNumber = term.number !== null && number.startsWith(term.number);
      const inTitle = rangesOf(option.title, pattern);
      const inDescription = rangesOf(option.description, pattern);
      if (!inNumber && inTitle.length === 0 && inDescription.length === 0) all = false;
      numberMatch ||= inNumber;
      exactNumber ||= term.number === number;
      title.push(...inTitle);
      description.push(...inDescription);
    }
    if (!all) continue;
    const order = exactNumber ? 0 : numberMatch ? 1 : title.length > 0 ? 2 : 3;
    results.push({ option, numberMatch, order, title: mergeRanges(title), description: mergeRanges(description) });
  }
  // Array.prototype.sort is stable, so each group keeps the options' order.
  return results.sort((a, b) => a.order - b.order).map(({ order: _, ...match }) => match);
}

/** Cuts `text` into plain and highlighted pieces along `ranges` (merged, within the text). */
export function splitByRanges(text: string, ranges: readonly MatchRange[]): { text: string; hit: boolean }[] {
  const pieces: { text: string; hit: boolean }[] = [];
  let at = 0;
  for (const { start, end } of ranges) {
    if (start > at) pieces.push({ text: text.slice(at, start), hit: false });
    pieces.push({ text: text.slice(start, end), hit: true });
    at = end;
  }
  if (at < text.length) pieces.push({ text: text.slice(at), hit: false });
  return pieces;
}

/** The ranges that fall inside [from, to), shifted to start at `from` (to highlight one paragraph or a snippet). */
export function rangesWithin(ranges: readonly MatchRange[], from: number, to: number): MatchRange[] {
  return ranges
    .filter((range) => range.end > from && range.start < to)
    .map((range) => ({ start: Math.max(range.start, from) - from, end: Math.min(range.end, to) - from }));
}
