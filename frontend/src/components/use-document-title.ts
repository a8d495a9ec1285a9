import { useEffect } from "react";
import { t } from "../i18n";

/** Names the tab after the page, which is also what screen readers announce after a page change. */
export function useDocumentTitle(title: string | undefined): void {
  useEffect(() => {
    document.title = title ? `${title} · ${t("app.title")}` : t("app.title");
  }, [title]);
}
