import { ERROR_CODES, RoundStatusSchema } from "@lb/common";
import { describe, expect, it } from "vitest";
import { en } from "./en";
import { catalogs, type MessageKey, pickLocale, translate } from "./index";
import { zhCN } from "./zh-CN";

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

describe("message catalogues", () => {
  it("have the same keys in zh-CN and en", () => {
    expect(Object.keys(zhCN).sort()).toEqual(Object.keys(en).sort());
  });

  it("use the same placeholders for each key in both languages, and no empty strings", () => {
    for (const key of Object.keys(en) as MessageKey[]) {
      expect(placeholders(zhCN[key]), key).toEqual(placeholders(en[key]));
      expect(en[key].trim(), key).not.toBe("");
      expect(zhCN[key].trim(), key).not.toBe("");
    }
  });

  it("have a message for every error code and every round status the server can send", () => {
    for (const messages of Object.values(catalogs)) {
      for (const code of ERROR_CODES) expect(messages).toHaveProperty([`error.${code}`]);
      for (const status of RoundStatusSchema.options) expect(messages).toHaveProperty([`status.${status}`]);
    }
  });
});

describe("pickLocale", () => {
  it("takes the first supported language of the preference list", () => {
    expect(pickLocale(["zh-CN"])).toBe("zh-CN");
    expect(pickLocale(["zh-TW", "en"])).toBe("zh-CN");
    expect(pickLocale(["en-GB", "zh-CN"])).toBe("en");
    expect(pickLocale(["fr-FR", "ZH"])).toBe("zh-CN");
  });

  it("falls back to English", () => {
    expect(pickLocale([])).toBe("en");
    expect(pickLocale(["de", "ja"])).toBe("en");
  });
});

describe("translate", () => {
  it("fills placeholders and keeps unknown ones visible", () => {
    expect(translate(catalogs.en, "vote.counter", { count: 3, max: 15 })).toBe("3 of 15 selected");
    expect(translate(catalogs["zh-CN"], "vote.counter", { count: 3, max: 15 })).toBe("已选 3 / 15");
    expect(translate(catalogs.en, "vote.counter", { count: 3 })).toBe("3 of {max} selected");
  });
});
