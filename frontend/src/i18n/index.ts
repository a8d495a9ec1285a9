import { useSyncExternalStore } from "react";
import { readStored, writeStored } from "../lib/storage";
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

const LOCALE_KEY = "lb.locale";

export function isLocale(value: unknown): value is Locale {
  return value === "zh-CN" || value === "en";
}

function storedLocale(): Locale | null {
  const stored = readStored("localStorage", LOCALE_KEY);
  return isLocale(stored) ? stored : null;
}

/** The language the visitor chose with the switch, else the browser's. A live binding: setLocale changes it. */
export let locale: Locale = storedLocale() ?? pickLocale(browserLanguages());

const localeListeners = new Set<() => void>();

/** Switches the language of the whole app and remembers the choice in this browser. */
export function setLocale(next: Locale): void {
  if (next === locale) return;
  locale = next;
  writeStored("localStorage", LOCALE_KEY, next);
  if (typeof document !== "undefined") document.documentElement.lang = next;
  for (const listener of localeListeners) listener();
}

function subscribeLocale(listener: () => void): () => void {
  localeListeners.add(listener);
  return () => localeListeners.delete(listener);
}

/**
 * Re-renders the caller when the language changes. The app root calls it so every page follows the switch;
 * memoised components call it too, since a re-render of their parent does not reach them.
 */
export function useLocale(): Locale {
  const current = () => locale;
  return useSyncExternalStore(subscribeLocale, current, current);
}

export function t(key: MessageKey, params?: MessageParams): string {
  return translate(catalogs[locale], key, params);
}

/**
 * A translator over a lazily loaded page's own catalogues (the console, the projector screen), so that their
 * strings stay out of the voter page's bundle. Same `{name}` placeholders as `t`.
 */
export function createTranslator<K extends string>(feature: Record<Locale, Record<K, string>>) {
  return (key: K, params?: MessageParams): string =>
    // `translate` only looks the key up and fills placeholders, so any string catalogue will do.
    translate(feature[locale] as Record<string, string> as Messages, key as string as MessageKey, params);
}

export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "medium" }).format(date);
}

// Formatters are costly to build and a live board formats hundreds of numbers a second: one per locale and style.
const numberFormats = new Map<string, Intl.NumberFormat>();
function numberFormat(style: "percent" | "decimal"): Intl.NumberFormat {
  const key = `${locale}:${style}`;
  let format = numberFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale, style === "percent" ? { style, maximumFractionDigits: 1 } : {});
    numberFormats.set(key, format);
  }
  return format;
}

export function formatPercent(fraction: number): string {
  return numberFormat("percent").format(fraction);
}

export function formatNumber(value: number): string {
  return numberFormat("decimal").format(value);
}
