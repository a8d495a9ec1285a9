import { en, type MessageKey, type Messages } from "./en";
import { zhCN } from "./zh-CN";

export type { MessageKey, Messages };
export type Locale = "zh-CN" | "en";
export type MessageParams = Record<string, string | number>;

export const catalogs: Record<Locale, Messages> = { "zh-CN": zhCN, en };

/** The first supported language in the browser's preference list; any Chinese variant reads zh-CN best. */
export function pickLocale(languages: readonly string[]): Locale {
  for (const language of languages) {
    const tag = language.toLowerCase();
    if (tag.startsWith("zh")) return "zh-CN";
    if (tag.startsWith("en")) return "en";
  }
  return "en";
}

/** Fills `{name}` placeholders; an unknown placeholder stays visible rather than vanishing silently. */
export function translate(messages: Messages, key: MessageKey, params?: MessageParams): string {
  const text = messages[key];
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

function browserLanguages(): readonly string[] {
  if (typeof navigator === "undefined") return [];
  return navigator.languages?.length ? navigator.languages : [navigator.language];
}

/** Chosen once at start-up: there is no language switch yet, so strings need not be reactive. */
export const locale: Locale = pickLocale(browserLanguages());

export function t(key: MessageKey, params?: MessageParams): string {
  return translate(catalogs[locale], key, params);
}

export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "medium" }).format(date);
}

const percent = new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 1 });
const integer = new Intl.NumberFormat(locale);

export function formatPercent(fraction: number): string {
  return percent.format(fraction);
}

export function formatNumber(value: number): string {
  return integer.format(value);
}
