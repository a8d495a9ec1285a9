import { PREVIEW_CHARS } from "@lb/common";
import { type MatchRange, rangesWithin } from "./search";

export interface Span {
  start: number;
  end: number;
}

/** The paragraphs of a plain-text description (lines that are not blank), as ranges of the text. */
export function paragraphSpans(text: string): Span[] {
  return Array.from(text.matchAll(/[^\n]+/g), (match) => ({
    start: match.index,
    end: match.index + match[0].length,
  })).filter((span) => text.slice(span.start, span.end).trim() !== "");
}

export interface Preview {
  /** The excerpt, line breaks turned into spaces (same length, so the match ranges still fit). */
  text: string;
  ranges: MatchRange[];
  /** Text was cut before and after the excerpt. */
  before: boolean;
  after: boolean;
}

/**
 * The excerpt a collapsed card shows: the start of the description, or, when a search matched further in,
 * a window around the first match so the voter sees why the option was found.
 */
export function previewOf(text: string, ranges: readonly MatchRange[] = []): Preview {
  const first = ranges[0];
  // A match near the end of the usual excerpt would show without the words after it: move the window too.
  const start = first && first.end > PREVIEW_CHARS - 20 ? Math.max(0, first.start - 20) : 0;
  const end = Math.min(text.length, start + PREVIEW_CHARS);
  return {
    text: text.slice(start, end).replace(/\n/g, " "),
    ranges: rangesWithin(ranges, start, end),
    before: start > 0,
    after: end < text.length,
  };
}
