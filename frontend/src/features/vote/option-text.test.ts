import { isLongDescription, PREVIEW_CHARS, type RoundView, withPreviewDescriptions } from "@lb/common";
import { describe, expect, it } from "vitest";
import { paragraphSpans, previewOf } from "./option-text";

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
    expect(isLongDescription(long)).toBe(true);
    expect(isLongDescription("短")).toBe(false);
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

describe("the light first view (withPreviewDescriptions)", () => {
  const view = (descriptions: string[]) =>
    ({
      options: descriptions.map((description, i) => ({
        id: String(i + 1),
        number: i + 1,
        title: `t${i}`,
        description,
      })),
    }) as unknown as RoundView;

  it("cuts only what a card collapses, and the collapsed card shows the same excerpt", () => {
    const long = `一、背景\n${"甲".repeat(300)}`;
    const short = "短".repeat(100);
    const cut = withPreviewDescriptions(view([long, short]));
    expect(cut.descriptionsCut).toBe(true);
    const [cutLong, cutShort] = cut.options.map((option) => option.description);
    expect(cutShort).toBe(short);
    expect(cutLong?.length).toBeLessThan(long.length);
    expect(isLongDescription(cutLong ?? "")).toBe(true);
    expect(previewOf(cutLong ?? "")).toEqual({ ...previewOf(long) });
  });

  it("never splits a character made of two UTF-16 units", () => {
    const emoji = "😀".repeat(200);
    const cutEmoji = withPreviewDescriptions(view([emoji])).options[0]?.description ?? "";
    expect(isLongDescription(cutEmoji)).toBe(true);
    expect(cutEmoji).toBe("😀".repeat(cutEmoji.length / 2));
  });
});
