import { type RefObject, useLayoutEffect, useRef } from "react";

export function prefersReducedMotion(): boolean {
  return typeof matchMedia === "function" && matchMedia("(prefers-reduced-motion: reduce)").matches;
}

/** The vertical offset an element's running transform animation has reached right now (0 when none). */
function currentTranslateY(element: HTMLElement): number {
  const transform = getComputedStyle(element).transform;
  return transform && transform !== "none" ? new DOMMatrixReadOnly(transform).m42 : 0;
}

/**
 * FLIP: after React has moved the children of `container` that carry `data-flip-key`, each one that changed
 * place starts from where it was seen last and glides to its new place. Layout positions (`offsetTop`, which
 * transforms do not affect) are remembered per key; a row caught mid-glide by the next update starts from where
 * it is on screen, so several updates a second never make a row jump.
 */
export function useFlip(container: RefObject<HTMLElement | null>, orderKey: string, durationMs = 700): void {
  const lastTops = useRef(new Map<string, number>());
  const running = useRef(new Map<string, Animation>());

  // biome-ignore lint/correctness/useExhaustiveDependencies: runs exactly when the order of the rows changes.
  useLayoutEffect(() => {
    const root = container.current;
    if (!root) return;
    const reduce = prefersReducedMotion();
    const tops = new Map<string, number>();
    for (const element of root.querySelectorAll<HTMLElement>(":scope > [data-flip-key]")) {
      const key = element.dataset.flipKey ?? "";
      const top = element.offsetTop;
      tops.set(key, top);
      const before = lastTops.current.get(key);
      if (reduce) continue;
      if (before === undefined) {
        // A row that just came into view fades in where it stands.
        element.animate([{ opacity: 0 }, { opacity: 1 }], { duration: durationMs, easing: "ease-out" });
        continue;
      }
      const offset = before + currentTranslateY(element) - top;
      running.current.get(key)?.cancel();
      if (Math.abs(offset) < 1) continue;
      const animation = element.animate([{ transform: `translateY(${offset}px)` }, { transform: "translateY(0)" }], {
        duration: durationMs,
        easing: "cubic-bezier(0.2, 0.8, 0.2, 1)",
      });
      running.current.set(key, animation);
      animation.onfinish = () => running.current.delete(key);
    }
    lastTops.current = tops;
  }, [orderKey]);
}
