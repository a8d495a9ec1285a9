import type { RoundRules } from "@lb/common";
import { locale, t } from "../../i18n";

/** "Choose up to 15 options." and its variants. */
export function picksRuleText(rules: Pick<RoundRules, "minChoices" | "maxChoices">): string {
  const params = { min: rules.minChoices, max: rules.maxChoices };
  if (rules.minChoices === rules.maxChoices) return t("vote.rules.exact", params);
  if (rules.minChoices === 1) return t("vote.rules.upTo", params);
  return t("vote.rules.range", params);
}

/** A moment of the voting window, to the minute, in the page's language and the device's time zone. */
export function formatWhen(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(date);
}
