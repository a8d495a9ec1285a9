import type { BallotReceipt, RoundRules, RoundView } from "@lb/common";
import { type FormEvent, useEffect, useRef, useState } from "react";
import { ErrorNotice, Loading } from "../../components/async-view";
import { Paragraphs } from "../../components/paragraphs";
import { StatusBadge } from "../../components/status-badge";
import { useDocumentTitle } from "../../components/use-document-title";
import { type MessageKey, t } from "../../i18n";
import { type ApiRequestError, api, asApiRequestError } from "../../lib/api";
import { useAsync } from "../../lib/use-async";
import { BallotReceiptView } from "./ballot-receipt";
import {
  attemptFor,
  type BallotAttempt,
  canSubmit,
  choicesInOptionOrder,
  isPickDisabled,
  newIdempotencyKey,
  type SubmitCheck,
  toggleChoice,
} from "./selection";
import { ensureVoterToken } from "./voter-token";

interface VoteData {
  round: RoundView;
  voterToken: string;
  /** The receipt of an earlier visit in this epoch, if this voter already voted. */
  receipt: BallotReceipt | null;
}

async function loadVoteData(roundId: string, signal: AbortSignal): Promise<VoteData> {
  const [round, voterToken] = await Promise.all([api.getRound(roundId, signal), ensureVoterToken()]);
  const receipt = await api.getMyBallot(roundId, voterToken, signal);
  return { round, voterToken, receipt };
}

export function VotePage({ roundId }: { roundId: string }) {
  const { state, reload } = useAsync((signal) => loadVoteData(roundId, signal), [roundId]);
  useDocumentTitle(state.status === "done" ? state.value.round.title : undefined);

  if (state.status === "loading") return <Loading />;
  if (state.status === "failed") {
    if (state.error.code === "ROUND_NOT_FOUND") {
      return (
        <section className="notice">
          <h1>{t("vote.notFound.title")}</h1>
          <p>{t("vote.notFound.body", { id: roundId })}</p>
        </section>
      );
    }
    return <ErrorNotice error={state.error} onRetry={reload} />;
  }
  return <VoteForm data={state.value} onRefresh={reload} />;
}

function rulesText(rules: RoundRules): string {
  const params = { min: rules.minChoices, max: rules.maxChoices };
  if (rules.minChoices === rules.maxChoices) return t("vote.rules.exact", params);
  if (rules.minChoices === 1) return t("vote.rules.upTo", params);
  return t("vote.rules.range", params);
}

function reasonText(check: SubmitCheck, submitting: boolean): string | null {
  if (submitting) return null;
  if (check.ok) return null;
  if (check.reason === "notOpen") return t("vote.reason.notOpen");
  if (check.reason === "tooFew") return t("vote.reason.tooFew", { min: check.min, count: check.count });
  return t("vote.reason.tooMany", { max: check.max, count: check.count });
}

const bannerKey: Record<Exclude<RoundView["status"], "open">, MessageKey> = {
  draft: "vote.banner.draft",
  paused: "vote.banner.paused",
  closed: "vote.banner.closed",
};

function VoteForm({ data, onRefresh }: { data: VoteData; onRefresh: () => void }) {
  const { round, voterToken } = data;
  const [selected, setSelected] = useState<readonly string[]>([]);
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<ApiRequestError | null>(null);
  const [submitted, setSubmitted] = useState<BallotReceipt | null>(null);
  const attempt = useRef<BallotAttempt | null>(null);
  const receiptRef = useRef<HTMLDivElement>(null);

  const receipt = submitted ?? data.receipt;
  const choices = choicesInOptionOrder(round.options, selected);
  const check = canSubmit(choices, round.rules, round.status);
  const reason = reasonText(check, submitting);
  const atMax = choices.length >= round.rules.maxChoices;

  // Move focus to the receipt when it appears, so keyboard and screen-reader users learn the outcome.
  useEffect(() => {
    if (submitted) receiptRef.current?.querySelector("h2")?.focus();
  }, [submitted]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!check.ok || submitting) return;
    const current = attemptFor(attempt.current, choices, newIdempotencyKey);
    attempt.current = current;
    setSubmitting(true);
    setError(null);
    try {
      const result = await api.submitBallot(round.id, voterToken, {
        choices: [...current.choices],
        idempotencyKey: current.idempotencyKey,
      });
      attempt.current = null;
      setSubmitted(result);
    } catch (caught) {
      const apiError = asApiRequestError(caught);
      setError(apiError);
      // The round or this voter's state changed under the page: reload to show the receipt or the new status.
      if (apiError.code === "ALREADY_VOTED" || apiError.code === "ROUND_NOT_OPEN") onRefresh();
    } finally {
      setSubmitting(false);
    }
  }

  const banner =
    round.status === "open" ? null : (
      <div className={`notice notice-${round.status}`} role="status">
        <p>{t(bannerKey[round.status])}</p>
        {!receipt && (
          <button type="button" className="button button-secondary" onClick={onRefresh}>
            {t("vote.checkAgain")}
          </button>
        )}
      </div>
    );

  return (
    <article className="vote">
      <header className="page-header">
        <h1>{round.title}</h1>
        <StatusBadge status={round.status} />
      </header>
      {round.description && (
        <div className="round-description">
          <Paragraphs text={round.description} />
        </div>
      )}
      {banner}
      {receipt ? (
        <div ref={receiptRef}>
          <BallotReceiptView receipt={receipt} options={round.options} fresh={submitted !== null} />
        </div>
      ) : (
        <form onSubmit={submit} noValidate>
          <fieldset className="options">
            <legend>
              {t("vote.options")} <span className="rules">{rulesText(round.rules)}</span>
            </legend>
            <ul className="option-list">
              {round.options.map((option) => {
                const checked = selected.includes(option.id);
                const inputId = `option-${option.id}`;
                return (
                  <li key={option.id} className={checked ? "option option-checked" : "option"}>
                    <label className="option-pick" htmlFor={inputId}>
                      <input
                        id={inputId}
                        type="checkbox"
                        checked={checked}
                        disabled={submitting || isPickDisabled(choices, option.id, round.rules)}
                        onChange={() => setSelected((current) => toggleChoice(current, option.id, round.rules))}
                      />
                      <span className="option-number">{option.number}</span>
                      <span className="option-title">{option.title}</span>
                    </label>
                    {option.description.trim() !== "" && (
                      <details className="option-details">
                        <summary>{t("vote.details")}</summary>
                        <Paragraphs text={option.description} />
                      </details>
                    )}
                  </li>
                );
              })}
            </ul>
          </fieldset>
          <div className="submit-bar">
            <p className="counter" aria-live="polite">
              {t("vote.counter", { count: choices.length, max: round.rules.maxChoices })}
              {atMax && <span className="counter-hint"> {t("vote.maxReached")}</span>}
            </p>
            {error && (
              <div className="notice notice-error" role="alert">
                <p>{t(`error.${error.code}`)}</p>
                {error.code === "UNAVAILABLE" && <p>{t("vote.error.retry")}</p>}
              </div>
            )}
            <button
              type="submit"
              className="button button-primary"
              disabled={!check.ok || submitting}
              aria-describedby={reason ? "submit-reason" : undefined}
            >
              {t(submitting ? "vote.submitting" : "vote.submit")}
            </button>
            {reason && (
              <p id="submit-reason" className="submit-reason">
                {reason}
              </p>
            )}
          </div>
        </form>
      )}
    </article>
  );
}
