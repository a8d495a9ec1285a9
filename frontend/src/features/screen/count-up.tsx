import { memo, useLayoutEffect, useRef } from "react";
import { formatNumber } from "../../i18n";
import { prefersReducedMotion } from "./motion";

/**
 * A number that counts to its new value in `durationMs`. Frames write the text directly (requestAnimationFrame),
 * so ticking never re-renders React; a new value mid-count continues from the number on screen.
 */
export const CountUp = memo(function CountUp({
  value,
  className,
  durationMs = 600,
}: {
  value: number;
  className?: string;
  durationMs?: number;
}) {
  const element = useRef<HTMLSpanElement>(null);
  const shown = useRef<number | null>(null);

  useLayoutEffect(() => {
    const span = element.current;
    if (!span) return;
    const from = shown.current;
    const show = (n: number) => {
      shown.current = n;
      span.textContent = formatNumber(n);
    };
    if (from === null || from === value || prefersReducedMotion()) {
      show(value);
      return;
    }
    const start = performance.now();
    let frame = requestAnimationFrame(function step(now) {
      const progress = Math.min(1, (now - start) / durationMs);
      const eased = 1 - (1 - progress) ** 3;
      show(Math.round(from + (value - from) * eased));
      if (progress < 1) frame = requestAnimationFrame(step);
    });
    return () => cancelAnimationFrame(frame);
  }, [value, durationMs]);

  // The text belongs to the effect above; React renders only the box (and the final value for tests/readers).
  return <span ref={element} className={className} data-value={value} />;
});
