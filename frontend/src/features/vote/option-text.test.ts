import { describe, expect, it } from "vitest";
import { isLong, PREVIEW_CHARS, paragraphSpans, previewOf } from "./option-text";

describe("paragraphSpans", () => {
  it("keeps each non-blank line as a paragraph with its place in the text", () => {
    const text = "一、背景\n\n正文第一段\n  \n二、做法";
    expect(paragraphSpans(text).map((span) => text.slice(span.start, span.end))).toEqual([
      "一、背景",
      "正文第一段",
      "二、做法",
    ]);
  });
});

describe("previewOf", () => {
  const long = `${"甲".repeat(200)}目标${"乙".repeat(100)}`;

  it("shows the start of a long description", () => {
    const preview = previewOf(long);
    expect(preview.text).toBe("甲".repeat(PREVIEW_CHARS));
    expect([preview.before, preview.after]).toEqual([false, true]);
    expect(isLong(long)).toBe(true);
    expect(isLong("短")).toBe(false);
  });

  it("moves to the first search match when it lies beyond the start, and shifts its range", () => {
    const preview = previewOf(long, [{ start: 200, end: 202 }]);
    expect(preview.before).toBe(true);
    expect(preview.text.slice(preview.ranges[0]?.start, preview.ranges[0]?.end)).toBe("目标");
  });

  it("turns line breaks into spaces without moving the ranges", () => {
    const preview = previewOf("ab\ncd", [{ start: 3, end: 5 }]);
    expect(preview.text).toBe("ab cd");
    expect(preview.ranges).toEqual([{ start: 3, end: 5 }]);
  });
});
