import type { RoundSummary, RoundView } from "@lb/common";
import { type FormEvent, useCallback, useEffect, useMemo, useState } from "react";
import { AsyncView } from "../../components/async-view";
import { StatusBadge } from "../../components/status-badge";
import { useDocumentTitle } from "../../components/use-document-title";
import { formatNumber, t } from "../../i18n";
import { ApiRequestError, adminApi, asApiRequestError } from "../../lib/api";
import { navigate } from "../../lib/router";
import { paths } from "../../lib/routes";
import { useAsync } from "../../lib/use-async";
import { ta } from "./admin-messages";
import { type AdminSession, SessionProvider, tokenAccepted, useSession } from "./admin-session";
import { readAdminToken, writeAdminToken } from "./admin-token";
import { CreateRound } from "./create-round";
import { EventsSection } from "./events/events-section";
import { REMOTE_TAB, RemoteView } from "./remote-view";
import { RoundDetail } from "./round-detail";
import "./admin.css";

/** How often the round list refreshes by itself (the selected round is live over the socket). */
const LIST_REFRESH_MS = 5_000;

/**
 * The console at `/admin`, a round's tab at `/admin/r/<id>/<tab>` and the host's phone remote at
 * `/admin/r/<id>/remote` (lib/routes.ts); all of them behind the one sign-in.
 */
export function AdminPage({ roundId, tab }: { roundId?: string; tab?: string }) {
  useDocumentTitle(ta("admin.title"));
  const [token, setToken] = useState(readAdminToken);
  const [expired, setExpired] = useState(false);

  const signIn = (value: string) => {
    writeAdminToken(value);
    setExpired(false);
    setToken(value);
  };
  const signOut = useCallback((becauseRejected: boolean) => {
    writeAdminToken(null);
    setExpired(becauseRejected);
    setToken(null);
  }, []);
  const session = useMemo<AdminSession | null>(
    () =>
      token
        ? {
            token,
            handleError: (error) => {
              if (error instanceof ApiRequestError && error.code === "UNAUTHORIZED") signOut(true);
            },
          }
        : null,
    [token, signOut],
  );

  if (!session) return <SignIn onSignIn={signIn} expired={expired} />;
  return (
    <SessionProvider value={session}>
      {roundId && tab === REMOTE_TAB ? (
        <RemoteView roundId={roundId} />
      ) : (
        <Console roundId={roundId} tab={tab} onSignOut={() => signOut(false)} />
      )}
    </SessionProvider>
  );
}

function SignIn({ onSignIn, expired }: { onSignIn: (token: string) => void; expired: boolean }) {
  const [draft, setDraft] = useState("");
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(expired ? ta("admin.signIn.expired") : null);

  // Handled in script and never submitted: a plain GET form would put the token in the URL.
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const value = draft.trim();
    if (value === "") return;
    setBusy(true);
    setProblem(null);
    try {
      if (await tokenAccepted(value)) onSignIn(value);
      else setProblem(ta("admin.signIn.rejected"));
    } catch (error) {
      setProblem(t(`error.${asApiRequestError(error).code}`));
    } finally {
      setBusy(false);
    }
  };

  return (
    <article className="console console-sign-in">
      <h1>{ta("admin.title")}</h1>
      <form className="card console-form" onSubmit={submit}>
        <h2>{ta("admin.signIn.heading")}</h2>
        <label htmlFor="admin-token">{ta("admin.signIn.label")}</label>
        <div className="inline-fields">
          <input
            id="admin-token"
            type="password"
            autoComplete="current-password"
            spellCheck={false}
            value={draft}
            onChange={(event) => setDraft(event.target.value)}
          />
          <button type="submit" className="button" disabled={busy || draft.trim() === ""}>
            {busy ? ta("admin.signIn.checking") : ta("admin.signIn.submit")}
          </button>
        </div>
        <p className="muted">{ta("admin.signIn.help")}</p>
        {problem && (
          <p className="notice notice-error" role="alert">
            {problem}
          </p>
        )}
      </form>
    </article>
  );
}

function Console({ roundId, tab, onSignOut }: { roundId?: string; tab?: string; onSignOut: () => void }) {
  const session = useSession();
  const rounds = useAsync(
    (signal) =>
      adminApi.listRounds(session.token, signal).catch((error: unknown) => {
        session.handleError(error);
        throw error;
      }),
    [session.token],
  );
  // The open round and tab live in the URL: reload, links and back/forward keep them.
  const selected = roundId ?? null;
  const setSelected = (id: string | null) => navigate(id === null ? paths.admin() : paths.adminRound(id));
  const [creating, setCreating] = useState(false);
  const { reload } = rounds;

  useEffect(() => {
    const timer = setInterval(reload, LIST_REFRESH_MS);
    return () => clearInterval(timer);
  }, [reload]);

  const deleted = () => {
    // The deleted round's URL leads nowhere: back must not return to it.
    navigate(paths.admin(), { replace: true });
    reload();
  };

  const created = (round: RoundView) => {
    setCreating(false);
    setSelected(round.id);
    reload();
  };

  return (
    <article className="console">
      <header className="console-header">
        <h1>{ta("admin.title")}</h1>
        <button type="button" className="button button-secondary" onClick={onSignOut}>
          {ta("admin.signOut")}
        </button>
      </header>

      <section className="card" aria-labelledby="rounds-heading">
        <header className="console-toolbar">
          <h2 id="rounds-heading">{ta("admin.rounds.heading")}</h2>
          <button type="button" className="button button-secondary" onClick={reload}>
            {ta("admin.rounds.refresh")}
          </button>
          <button type="button" className="button" onClick={() => setCreating(true)} disabled={creating}>
            {ta("admin.rounds.new")}
          </button>
        </header>
        <AsyncView state={rounds.state} onRetry={reload}>
          {(list) => {
            const current = list.filter((round) => !round.archived);
            const archived = list.filter((round) => round.archived);
            return (
              <>
                {current.length === 0 ? (
                  <p className="muted">{ta("admin.rounds.empty")}</p>
                ) : (
                  <RoundTable rounds={current} selected={selected} />
                )}
                {archived.length > 0 && (
                  <details className="console-archived" data-archived-rounds>
                    <summary>{ta("admin.rounds.archived", { count: archived.length })}</summary>
                    <RoundTable rounds={archived} selected={selected} />
                  </details>
                )}
              </>
            );
          }}
        </AsyncView>
      </section>

      {creating && <CreateRound onCreated={created} onCancel={() => setCreating(false)} />}
      {selected && (
        <RoundDetail
          key={selected}
          roundId={selected}
          tab={tab}
          onTab={(next) => navigate(paths.adminRound(selected, next), { keepScroll: true })}
          onChanged={reload}
          onDeleted={deleted}
        />
      )}
      {/* Events of many rounds: their own section (features/admin/events). */}
      <EventsSection />
    </article>
  );
}

function RoundTable({ rounds, selected }: { rounds: RoundSummary[]; selected: string | null }) {
  return (
    <div className="table-scroll">
      <table className="console-table">
        <thead>
          <tr>
            <th scope="col">{ta("admin.rounds.col.title")}</th>
            <th scope="col">{ta("admin.rounds.col.status")}</th>
            <th scope="col" className="numeric">
              {ta("admin.rounds.col.epoch")}
            </th>
            <th scope="col" className="numeric">
              {ta("admin.rounds.col.ballots")}
            </th>
            <th scope="col" className="numeric">
              {ta("admin.rounds.col.options")}
            </th>
          </tr>
        </thead>
        <tbody>
          {rounds.map((round) => (
            <tr key={round.id} className={round.id === selected ? "is-selected" : undefined} data-round={round.id}>
              <td>
                {/* A button that moves to the round's URL (browser specs find the row's button). */}
                <button
                  type="button"
                  className="link-button"
                  aria-current={round.id === selected ? "true" : undefined}
                  onClick={() => navigate(paths.adminRound(round.id))}
                >
                  {round.title}
                </button>
                <span className="muted console-id">{round.id}</span>
              </td>
              <td>
                <StatusBadge status={round.status} />
              </td>
              <td className="numeric">{round.epoch}</td>
              <td className="numeric">{formatNumber(round.totalBallots)}</td>
              <td className="numeric">{formatNumber(round.optionCount)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
