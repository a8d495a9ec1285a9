import { type Locale, setLocale, useLocale } from "../i18n";

/** Each language is named in itself, so a visitor who cannot read the current one still finds theirs. */
const OTHER: Record<Locale, { locale: Locale; name: string }> = {
  "zh-CN": { locale: "en", name: "English" },
  en: { locale: "zh-CN", name: "中文" },
};

export function LanguageSwitch() {
  const other = OTHER[useLocale()];
  return (
    <button type="button" className="language-switch" lang={other.locale} onClick={() => setLocale(other.locale)}>
      {other.name}
    </button>
  );
}
