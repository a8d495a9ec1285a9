import type { Option, RoundRules, RoundStatus } from "@lb/common";

/**
 * The pick rules of the vote page, kept pure so they are unit-tested. The server checks the same rules again
 * inside its ballot script; these only make the page helpful.
 */

/** Ticks or unticks an option. Ticking beyond `maxChoices` is refused (the same array comes back). */
export function toggleChoice(selected: readonly string[], optionId: string, rules: RoundRules): readonly string[] {
  if (selected.includes(optionId)) return selected.filter((id) => id !== optionId);
  if (selected.length >= rules.maxChoices) return selected;
  return [...selected, optionId];
}

/** An unticked option cannot be ticked once the maximum is reached. */
export function isPickDisabled(selected: readonly string[], optionId: string, rules: RoundRules): boolean {
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
  | { ok: false; reason: "notOpen" }
  | { ok: false; reason: "tooFew"; min: number; count: number }
  | { ok: false; reason: "tooMany"; max: number; count: number };

export function canSubmit(choices: readonly string[], rules: RoundRules, status: RoundStatus): SubmitCheck {
  if (status !== "open") return { ok: false, reason: "notOpen" };
  const count = choices.length;
  if (count < rules.minChoices) return { ok: false, reason: "tooFew", min: rules.minChoices, count };
  if (count > rules.maxChoices) return { ok: false, reason: "tooMany", max: rules.maxChoices, count };
  return { ok: true };
}

/** One submission attempt: retrying the same picks reuses its idempotency key, so a retry is never counted twice. */
export interface BallotAttempt {
  choices: readonly string[];
  idempotencyKey: string;
}

export function attemptFor(
  previous: BallotAttempt | null,
  choices: readonly string[],
  newKey: () => string,
): BallotAttempt {
  const same =
    previous !== null &&
    previous.choices.length === choices.length &&
    previous.choices.every((id, index) => id === choices[index]);
  return same ? previous : { choices: [...choices], idempotencyKey: newKey() };
}

/**
 * crypto.randomUUID exists only in secure contexts (HTTPS or localhost); a phone on a venue's LAN over plain
 * HTTP lacks it, while getRandomValues is available everywhere.
 */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
