import { type RefObject, useEffect, useLayoutEffect, useState } from "react";

/**
 * Type that follows the screen: the largest font size at which text fits its box, found by measuring in the page
 * (a binary search over a few layouts). It runs when the text or the viewport changes, never on a count update,
 * so nothing re-wraps while people watch.
 */

/** `widthxheight` of the viewport, updated on resize: the dependency of every measurement below. */
const viewportKey = () => `${window.innerWidth}x${window.innerHeight}`;

export function useViewportKey(): string {
  const [key, setKey] = useState(viewportKey);
  useEffect(() => {
    const update = () => setKey(viewportKey());
    window.addEventListener("resize", update);
    return () => window.removeEventListener("resize", update);
  }, []);
  return key;
}

/** `widthxheight` of the element's box, updated when it changes (the viewport, or the side column coming or going). */
export function useBoxKey(ref: RefObject<HTMLElement | null>): string {
  const [key, setKey] = useState("");
  useLayoutEffect(() => {
    const element = ref.current;
    if (!element) return;
    const read = () => setKey(`${element.clientWidth}x${element.clientHeight}`);
    read();
    const observer = new ResizeObserver(read);
    observer.observe(element);
    return () => observer.disconnect();
  }, [ref]);
  return key;
}

/** Largest size in [min, max] (px, half-pixel steps) for which `fits(size)` holds; `min` when none does. */
export function largestFitting(min: number, max: number, fits: (size: number) => boolean): number {
  let low = min;
  let high = max;
  if (fits(high)) return high;
  while (high - low > 0.5) {
    const middle = (low + high) / 2;
    if (fits(middle)) low = middle;
    else high = middle;
  }
  return low;
}

/** The element's text fits its own box (its height and width are set by CSS, not by its content). */
function fitsOwnBox(element: HTMLElement): boolean {
  return element.scrollHeight <= element.clientHeight + 1 && element.scrollWidth <= element.clientWidth + 1;
}

/**
 * Sets the element's font size to the largest that fits its box, between `minVh` and `maxVh` (percent of the
 * viewport height). `deps` name what changes the text.
 */
export function useFitText(
  ref: RefObject<HTMLElement | null>,
  minVh: number,
  maxVh: number,
  deps: readonly unknown[],
): void {
  const viewport = useViewportKey();
  // biome-ignore lint/correctness/useExhaustiveDependencies: re-fit when the text (deps) or the viewport changes.
  useLayoutEffect(() => {
    const element = ref.current;
    if (!element) return;
    const vh = window.innerHeight / 100;
    const size = largestFitting(minVh * vh, maxVh * vh, (px) => {
      element.style.fontSize = `${px}px`;
      return fitsOwnBox(element);
    });
    element.style.fontSize = `${size}px`;
  }, [viewport, ...deps]);
}

/** Titles' line height (as in screen.css), to turn the box height into a number of lines. */
const TITLE_LINE_HEIGHT = 1.1;

export interface TitleFit {
  /** Font size in px. */
  size: number;
  /** Lines a title may take before it ends in an ellipsis. */
  lines: number;
}

/**
 * One title size for the whole round: the largest at which every option's title fits a row's title box (as many
 * lines as the box holds), measured on a hidden copy of all titles (`measure`), never smaller than 3% of the
 * screen height for up to 10 rows (2.2% for more). A title that does not fit even then ends in an ellipsis after
 * the lines that fit. Fitting all titles, not only the visible ones, keeps the size still while ranks change.
 */
export function useTitleFit(
  list: RefObject<HTMLElement | null>,
  measure: RefObject<HTMLElement | null>,
  titles: readonly string[],
  top: number,
): TitleFit | null {
  const box = useBoxKey(list);
  const [fit, setFit] = useState<TitleFit | null>(null);
  const titlesKey = titles.join("\n");
  // biome-ignore lint/correctness/useExhaustiveDependencies: re-fit on new titles, row count or viewport only.
  useLayoutEffect(() => {
    const titleBox = list.current?.querySelector<HTMLElement>(".screen-title-box");
    const copies = measure.current;
    if (!titleBox || !copies) return;
    const vh = window.innerHeight / 100;
    const width = titleBox.clientWidth;
    const height = titleBox.clientHeight;
    copies.style.width = `${width}px`;
    const spans = [...copies.children] as HTMLElement[];
    // A hair above the floor, so that rounding never lands the computed size under it.
    const min = (top <= 10 ? 3 : 2.2) * vh + 0.05;
    const max = Math.max(min, Math.min(6.5 * vh, height / TITLE_LINE_HEIGHT));
    const size = largestFitting(min, max, (px) => {
      copies.style.setProperty("--title-size", `${px}px`);
      return spans.every((span) => span.offsetHeight <= height + 0.5 && span.scrollWidth <= width + 0.5);
    });
    const lines = Math.max(1, Math.floor((height + 0.5) / (size * TITLE_LINE_HEIGHT)));
    setFit((current) => (current?.size === size && current.lines === lines ? current : { size, lines }));
  }, [box, titlesKey, top]);
  return fit;
}
