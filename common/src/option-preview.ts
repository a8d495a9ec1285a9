import type { RoundView } from "./schemas.js";

/** About three lines of a phone-width card: the excerpt a collapsed option card shows. */
export const PREVIEW_CHARS = 90;
/** Shorter descriptions are shown whole: a "show more" that reveals a few words is a wasted tap. */
export const COLLAPSE_ABOVE_CHARS = PREVIEW_CHARS + 40;

export function isLongDescription(text: string): boolean {
  return text.length > COLLAPSE_ABOVE_CHARS;
}

/**
 * The voter page's first view of a round (`GET /api/rounds/:id?descriptions=preview`): every description a card
 * would collapse is cut just past COLLAPSE_ABOVE_CHARS, so the cut one is still "long" and its collapsed card looks
 * exactly as with the whole text, for a fraction of the bytes (the demo round: 82 kB gzip whole). The page fetches
 * the whole round right after its first paint, for "show more" and search. The cut keeps a surrogate pair whole.
 */
export function withPreviewDescriptions(view: RoundView): RoundView {
  const cut = (text: string) => {
    if (!isLongDescription(text)) return text;
    const end = COLLAPSE_ABOVE_CHARS + 2;
    const last = text.charCodeAt(end - 1);
    return text.slice(0, last >= 0xd800 && last <= 0xdbff ? end - 1 : end);
  };
  return {
    ...view,
    options: view.options.map((option) => ({ ...option, description: cut(option.description) })),
    descriptionsCut: true,
  };
}
