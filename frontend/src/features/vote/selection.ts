import type { Option, RoundRules } from "@lb/common";

/** The rules picking needs. */
export type PickRules = Pick<RoundRules, "minChoices" | "maxChoices">;

/**
 * The pick rules of the vote page, kept pure so they are unit-tested. The server checks the same rules again
 * inside its ballot script; these only make the page helpful.
 */

/** Ticks or unticks an option. Ticking beyond `maxChoices` is refused (the same array comes back). */
export function toggleChoice(selected: readonly string[], optionId: string, rules: PickRules): readonly string[] {
  if (selected.includes(optionId)) return selected.filter((id) => id !== optionId);
  if (selected.length >= rules.maxChoices) return selected;
  return [...selected, optionId];
}

/** An unticked option cannot be ticked once the maximum is reached. */
export function isPickDisabled(selected: readonly string[], optionId: string, rules: PickRules): boolean {
  return !selected.includes(optionId) && selected.length >= rules.maxChoices;
}

/**
 * The picks as the ballot sends them: in option order, and only options the round still has (its definition can
 * change while the page is open). A stable order also makes "the same picks" easy to recognise on retry.
 */
export function choicesInOptionOrder(options: readonly Option[], selected: readonly string[]): string[] {
  const picked = new Set(selected);
  return options.filter((option) => picked.has(option.id)).map((option) => option.id);
}

export type SubmitCheck =
  | { ok: true }
  /** Voting is not open now (not started, paused, outside the window, or closed). */
  | { ok: false; reason: "notOpen" }
  | { ok: false; reason: "tooFew"; min: number; count: number }
  | { ok: false; reason: "tooMany"; max: number; count: number };

export function canSubmit(choices: readonly string[], rules: PickRules, votingOpen: boolean): SubmitCheck {
  if (!votingOpen) return { ok: false, reason: "notOpen" };
  const count = choices.length;
  if (count < rules.minChoices) return { ok: false, reason: "tooFew", min: rules.minChoices, count };
  if (count > rules.maxChoices) return { ok: false, reason: "tooMany", max: rules.maxChoices, count };
  return { ok: true };
}
