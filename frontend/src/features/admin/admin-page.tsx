import type { RoundAction, RoundSummary } from "@lb/common";
import { isActionAllowed, ROUND_ACTIONS } from "@lb/common";
import { type FormEvent, useState } from "react";
import { AsyncView } from "../../components/async-view";
import { StatusBadge } from "../../components/status-badge";
import { useDocumentTitle } from "../../components/use-document-title";
import { formatNumber, t } from "../../i18n";
import { type ApiRequestError, api, asApiRequestError } from "../../lib/api";
import { Link } from "../../lib/router";
import { paths } from "../../lib/routes";
import { useAsync } from "../../lib/use-async";
import { readAdminToken, writeAdminToken } from "./admin-token";

export function AdminPage() {
  useDocumentTitle(t("admin.heading"));
  const [token, setToken] = useState(readAdminToken);
  const rounds = useAsync((signal) => api.listRounds(signal), []);

  const saveToken = (value: string | null) => {
    writeAdminToken(value);
    setToken(value);
  };

  return (
    <article className="admin">
      <h1>{t("admin.heading")}</h1>
      <TokenForm token={token} onChange={saveToken} />
      <AsyncView state={rounds.state} onRetry={rounds.reload}>
        {(list) =>
          list.length === 0 ? (
            <p className="muted">{t("home.empty")}</p>
          ) : (
            <ul className="card-list">
              {list.map((round) => (
                <li key={round.id}>
                  <RoundControls round={round} token={token} onChanged={rounds.reload} />
                </li>
              ))}
            </ul>
          )
        }
      </AsyncView>
    </article>
  );
}

function TokenForm({ token, onChange }: { token: string | null; onChange: (token: string | null) => void }) {
  const [draft, setDraft] = useState("");

  // Handled in script and never submitted: a plain GET form would put the token in the URL.
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const value = draft.trim();
    if (value === "") return;
    onChange(value);
    setDraft("");
  };

  return (
    <form className="token-form" onSubmit={submit}>
      <label htmlFor="admin-token">{t("admin.token.label")}</label>
      <div className="inline-fields">
        <input
          id="admin-token"
          type="password"
          autoComplete="off"
          spellCheck={false}
          value={draft}
          onChange={(event) => setDraft(event.target.value)}
        />
        <button type="submit" className="button">
          {t("admin.token.use")}
        </button>
        {token && (
          <button type="button" className="button button-secondary" onClick={() => onChange(null)}>
            {t("admin.token.forget")}
          </button>
        )}
      </div>
      <p className="muted" role="status">
        {t(token ? "admin.token.set" : "admin.token.missing")}
      </p>
    </form>
  );
}

function RoundControls({
  round,
  token,
  onChanged,
}: {
  round: RoundSummary;
  token: string | null;
  onChanged: () => void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiRequestError | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [resetOpen, setResetOpen] = useState(false);
  const [confirm, setConfirm] = useState("");
  const headingId = `round-${round.id}`;

  async function run(action: () => Promise<string>) {
    if (!token) return;
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      setNotice(await action());
      onChanged();
    } catch (caught) {
      setError(asApiRequestError(caught));
    } finally {
      setBusy(false);
    }
  }

  const changeStatus = (action: RoundAction) =>
    run(async () => {
      const view = await api.changeRoundStatus(round.id, action, token ?? "");
      return t("admin.action.done", { status: t(`status.${view.status}`) });
    });

  const reset = (event: FormEvent) => {
    event.preventDefault();
    run(async () => {
      const view = await api.resetRound(round.id, { confirm }, token ?? "");
      setResetOpen(false);
      setConfirm("");
      return t("admin.reset.done", { epoch: view.epoch });
    });
  };

  return (
    <section className="card" aria-labelledby={headingId}>
      <header className="card-header">
        <h2 id={headingId}>{round.title}</h2>
        <StatusBadge status={round.status} />
      </header>
      <p className="muted">
        {t("admin.round.id", { id: round.id, epoch: round.epoch })} ·{" "}
        {t("round.meta", { options: formatNumber(round.optionCount), ballots: formatNumber(round.totalBallots) })}
      </p>
      <p className="links">
        <Link href={paths.vote(round.id)}>{t("admin.links.vote")}</Link>
        <Link href={paths.board(round.id)}>{t("admin.links.board")}</Link>
      </p>
      <div className="actions">
        {ROUND_ACTIONS.map((action) => (
          <button
            key={action}
            type="button"
            className="button"
            disabled={!token || busy || !isActionAllowed(round.status, action)}
            onClick={() => changeStatus(action)}
          >
            {t(`admin.action.${action}`)}
          </button>
        ))}
        <button
          type="button"
          className="button button-danger"
          disabled={!token || busy}
          aria-expanded={resetOpen}
          onClick={() => setResetOpen((open) => !open)}
        >
          {t("admin.reset")}
        </button>
      </div>
      {resetOpen && (
        <form className="reset-form" onSubmit={reset}>
          <p>{t("admin.reset.explain", { id: round.id })}</p>
          <label htmlFor={`${headingId}-confirm`}>{t("admin.reset.label")}</label>
          <div className="inline-fields">
            <input
              id={`${headingId}-confirm`}
              autoComplete="off"
              spellCheck={false}
              value={confirm}
              onChange={(event) => setConfirm(event.target.value)}
            />
            <button type="submit" className="button button-danger" disabled={busy || confirm !== round.id}>
              {t("admin.reset.confirm")}
            </button>
            <button type="button" className="button button-secondary" onClick={() => setResetOpen(false)}>
              {t("admin.reset.cancel")}
            </button>
          </div>
        </form>
      )}
      <div aria-live="polite">
        {notice && <p className="notice notice-ok">{notice}</p>}
        {error && (
          <p className="notice notice-error" role="alert">
            {t(`error.${error.code}`)}
          </p>
        )}
      </div>
    </section>
  );
}
