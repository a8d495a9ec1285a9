import { formatTicketCode, isTicketCode, normalizeTicketCode } from "@lb/common";
import { type FormEvent, useState } from "react";
import { t } from "../../i18n";

/**
 * Tickets rounds: which ticket this phone votes with, or a field to type one. A typed code is only checked for
 * its shape here; `onUse` remembers it and reloads, and the server says whether it is one of the round's.
 */
export function TicketEntry({
  ticket,
  refused,
  locked,
  onUse,
}: {
  ticket: string | null;
  /** A code the server did not know, shown with the field so the voter can correct it. */
  refused: string | null;
  /** A ballot is on its way: the ticket cannot change under it. */
  locked: boolean;
  onUse: (ticket: string | null) => void;
}) {
  const [typed, setTyped] = useState(refused ? formatTicketCode(refused) : "");
  const [malformed, setMalformed] = useState(false);

  if (ticket) {
    return (
      <section className="ticket ticket-known" aria-label={t("vote.ticket.heading")}>
        <p>
          {t("vote.ticket.using")} <code className="ticket-code">{formatTicketCode(ticket)}</code>
        </p>
        {!locked && (
          <button type="button" className="link-button" onClick={() => onUse(null)}>
            {t("vote.ticket.change")}
          </button>
        )}
      </section>
    );
  }

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const code = normalizeTicketCode(typed);
    if (!isTicketCode(code)) {
      setMalformed(true);
      return;
    }
    onUse(code);
  };
  const problem = malformed
    ? t("vote.ticket.malformed")
    : refused
      ? t("vote.ticket.refused", { code: formatTicketCode(refused) })
      : null;
  return (
    <form className="ticket ticket-entry notice" onSubmit={submit} aria-labelledby="ticket-heading">
      <h2 id="ticket-heading">{t("vote.ticket.heading")}</h2>
      <p>{t("vote.ticket.help")}</p>
      <label htmlFor="ticket-code">{t("vote.ticket.label")}</label>
      <div className="ticket-fields">
        <input
          id="ticket-code"
          className="ticket-code"
          value={typed}
          maxLength={32}
          placeholder="XXXX-XXXX-XXXX"
          autoComplete="off"
          autoCapitalize="characters"
          spellCheck={false}
          enterKeyHint="go"
          aria-invalid={problem !== null}
          aria-describedby={problem ? "ticket-problem" : undefined}
          onChange={(event) => {
            setTyped(event.target.value);
            setMalformed(false);
          }}
        />
        <button type="submit" className="button button-primary">
          {t("vote.ticket.submit")}
        </button>
      </div>
      {problem && (
        <p id="ticket-problem" className="notice notice-error" role="alert">
          {problem}
        </p>
      )}
    </form>
  );
}
