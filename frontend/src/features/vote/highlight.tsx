import { Fragment } from "react";
import { type MatchRange, splitByRanges } from "./search";

/** Text with the search matches marked (`<mark>` is announced as highlighted by screen readers). */
export function Highlighted({ text, ranges }: { text: string; ranges?: readonly MatchRange[] }) {
  if (!ranges || ranges.length === 0) return <>{text}</>;
  return (
    <>
      {splitByRanges(text, ranges).map((piece, index) =>
        piece.hit ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: pieces are derived from the text and never reorder.
          <mark key={index}>{piece.text}</mark>
        ) : (
          // biome-ignore lint/suspicious/noArrayIndexKey: as above.
          <Fragment key={index}>{piece.text}</Fragment>
        ),
      )}
    </>
  );
}
