import { describe, expect, it } from "vitest";
import { screenMessages } from "../screen/screen-messages";
import { adminMessages } from "./admin-messages";

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

describe.each([
  ["console", adminMessages],
  ["screen", screenMessages],
] as const)("%s catalogues", (_name, catalogues) => {
  it("have the same keys and placeholders in both languages, and no empty strings", () => {
    const en: Record<string, string> = catalogues.en;
    const zh: Record<string, string> = catalogues["zh-CN"];
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort());
    for (const key of Object.keys(en)) {
      expect(placeholders(zh[key] ?? ""), key).toEqual(placeholders(en[key] ?? ""));
      expect(zh[key]?.trim(), key).not.toBe("");
    }
  });
});
