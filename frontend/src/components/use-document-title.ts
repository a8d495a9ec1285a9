import { useEffect } from "react";
import { t, useLocale } from "../i18n";

/** Names the tab after the page, which is also what screen readers announce after a page change. */
export function useDocumentTitle(title: string | undefined): void {
  const locale = useLocale();
  // biome-ignore lint/correctness/useExhaustiveDependencies: `t` reads the locale; the title follows the switch.
  useEffect(() => {
    document.title = title ? `${title} · ${t("app.title")}` : t("app.title");
  }, [title, locale]);
}
