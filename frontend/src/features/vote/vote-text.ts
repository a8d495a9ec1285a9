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

/**
 * Whether a round's own description already tells the voter the most they may pick ("最多选择15项", "choose up to
 * 15"): then the page does not say it a second time right under it. The number must stand alone (15, not 150)
 * and come with a word of choosing or of a limit, so a description that merely mentions "15 ports" does not count.
 */
export function descriptionStatesMax(description: string, maxChoices: number): boolean {
  const limit = new RegExp(`(?<![\\d.])${maxChoices}(?![\\d.])`);
  const words =
    /最多|至多|不超过|不多于|限选|可选|选择|选出|投|up to|at most|maximum|max\b|no more than|choose|pick|select/i;
  return description.split(/[\n。.;；!！?？]/).some((sentence) => limit.test(sentence) && words.test(sentence));
}
