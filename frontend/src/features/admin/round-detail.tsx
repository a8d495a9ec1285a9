import { isActionAllowed, ROUND_ACTIONS, type RoundAction, type RoundView } from "@lb/common";
import { type FormEvent, useEffect, useId, useState } from "react";
import { AsyncView } from "../../components/async-view";
import { StatusBadge } from "../../components/status-badge";
import { formatNumber, t } from "../../i18n";
import { adminApi, api, asApiRequestError } from "../../lib/api";
import { useAsync } from "../../lib/use-async";
import { useLiveLeaderboard } from "../leaderboard/use-live-leaderboard";
import { ta } from "./admin-messages";
import { useSession } from "./admin-session";
import { IntegrityPanel } from "./integrity-panel";
import { LivePanel } from "./live-panel";
import { ResultsPanel } from "./results-panel";
import { draftFromRound, patchFor } from "./round-draft";
import { RoundForm } from "./round-form";
import { SharePanel } from "./share-panel";

const TABS = ["live", "integrity", "share", "results", "edit"] as const;
type Tab = (typeof TABS)[number];

/** One round: its status and actions, then live figures, sharing, results and editing in tabs. */
export function RoundDetail({ roundId, onChanged }: { roundId: string; onChanged: () => void }) {
  const session = useSession();
  const round = useAsync((signal) => api.getRound(roundId, signal), [roundId]);
  // The organiser's view of the board: everything, whatever the round shows voters and screens.
  const live = useLiveLeaderboard(roundId, { view: "console", adminToken: session.token });
  const [tab, setTab] = useState<Tab>("live");
  const tabsId = useId();
  const { reload } = round;

  // A status change, an edit or a reset (from here or another console) arrives as `round:updated`: refetch the
  // full round so that the form and the actions work on what the server has now.
  const liveRound = live.round;
  // biome-ignore lint/correctness/useExhaustiveDependencies: refetch when the server announces a new state.
  useEffect(() => {
    if (liveRound) {
      reload();
      onChanged();
    }
  }, [liveRound?.status, liveRound?.epoch, liveRound?.revision]);

  return (
    <section className="card console-detail" aria-labelledby={`${tabsId}-heading`} data-round-detail={roundId}>
      <AsyncView state={round.state} onRetry={reload}>
        {(view) => {
          const status = live.board?.epoch === view.epoch ? live.board.status : view.status;
          const totalBallots = live.board?.epoch === view.epoch ? live.board.totalBallots : view.totalBallots;
          const current = { ...view, status, totalBallots };
          const changed = () => {
            reload();
            onChanged();
          };
          return (
            <>
              <header className="card-header">
                <h2 id={`${tabsId}-heading`}>{view.title}</h2>
                <StatusBadge status={status} />
              </header>
              <p className="muted">
                {ta("admin.detail.meta", {
                  id: view.id,
                  epoch: view.epoch,
                  options: formatNumber(view.options.length),
                  ballots: formatNumber(totalBallots),
                })}
              </p>
              <RoundActions round={current} onChanged={changed} />

              <div className="console-tabs" role="tablist" aria-label={ta("admin.detail.sections")}>
                {TABS.map((name) => (
                  <button
                    key={name}
                    type="button"
                    role="tab"
                    id={`${tabsId}-tab-${name}`}
                    aria-selected={tab === name}
                    aria-controls={`${tabsId}-panel`}
                    className="console-tab"
                    onClick={() => setTab(name)}
                  >
                    {ta(`admin.tab.${name}`)}
                  </button>
                ))}
              </div>
              <div role="tabpanel" id={`${tabsId}-panel`} aria-labelledby={`${tabsId}-tab-${tab}`}>
                {tab === "live" && <LivePanel round={current} connection={live.connection} />}
                {tab === "integrity" && <IntegrityPanel round={current} />}
                {tab === "share" && <SharePanel roundId={view.id} />}
                {tab === "results" && <ResultsPanel round={current} liveBoard={live.board} />}
                {tab === "edit" && <EditPanel key={view.epoch} round={current} onSaved={changed} />}
              </div>
            </>
          );
        }}
      </AsyncView>
    </section>
  );
}

function RoundActions({ round, onChanged }: { round: RoundView; onChanged: () => void }) {
  const session = useSession();
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [resetOpen, setResetOpen] = useState(false);

  async function run(action: () => Promise<string>) {
    setBusy(true);
    setMessage(null);
    try {
      setMessage({ ok: true, text: await action() });
      onChanged();
    } catch (caught) {
      session.handleError(caught);
      setMessage({ ok: false, text: t(`error.${asApiRequestError(caught).code}`) });
    } finally {
      setBusy(false);
    }
  }

  const change = (action: RoundAction) =>
    run(async () => {
      const view = await api.changeRoundStatus(round.id, action, session.token);
      return ta("admin.action.done", { status: t(`status.${view.status}`) });
    });

  const actionLabel = (action: RoundAction) =>
    action === "open" && round.status === "closed" ? ta("admin.action.reopen") : ta(`admin.action.${action}`);

  return (
    <>
      <div className="actions">
        {ROUND_ACTIONS.map((action) => (
          <button
            key={action}
            type="button"
            className="button"
            disabled={busy || !isActionAllowed(round.status, action)}
            onClick={() => change(action)}
          >
            {actionLabel(action)}
          </button>
        ))}
        <button
          type="button"
          className="button button-danger"
          disabled={busy}
          aria-expanded={resetOpen}
          onClick={() => setResetOpen((open) => !open)}
        >
          {ta("admin.reset.button")}
        </button>
      </div>
      {resetOpen && (
        <ResetForm
          round={round}
          busy={busy}
          onCancel={() => setResetOpen(false)}
          onReset={() =>
            run(async () => {
              const view = await api.resetRound(round.id, { confirm: round.id }, session.token);
              setResetOpen(false);
              return ta("admin.reset.done", { epoch: view.epoch, previous: round.epoch });
            })
          }
        />
      )}
      <div aria-live="polite">
        {message && (
          <p className={`notice ${message.ok ? "notice-ok" : "notice-error"}`} role={message.ok ? "status" : "alert"}>
            {message.text}
          </p>
        )}
      </div>
    </>
  );
}

/** Reset is destructive for the live view, so it says what is archived and wants the round ID typed. */
function ResetForm({
  round,
  busy,
  onReset,
  onCancel,
}: {
  round: RoundView;
  busy: boolean;
  onReset: () => void;
  onCancel: () => void;
}) {
  const inputId = useId();
  const [confirm, setConfirm] = useState("");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (confirm === round.id) onReset();
  };
  return (
    <form className="notice notice-error console-reset" onSubmit={submit}>
      <p>
        {ta("admin.reset.explain", {
          epoch: round.epoch,
          ballots: formatNumber(round.totalBallots),
          next: round.epoch + 1,
        })}
      </p>
      <label htmlFor={inputId}>{ta("admin.reset.label", { id: round.id })}</label>
      <div className="inline-fields">
        <input
          id={inputId}
          autoComplete="off"
          spellCheck={false}
          value={confirm}
          onChange={(event) => setConfirm(event.target.value)}
        />
        <button type="submit" className="button button-danger" disabled={busy || confirm !== round.id}>
          {ta("admin.reset.confirm", { epoch: round.epoch })}
        </button>
        <button type="button" className="button button-secondary" onClick={onCancel}>
          {ta("admin.form.cancel")}
        </button>
      </div>
    </form>
  );
}

function EditPanel({ round, onSaved }: { round: RoundView; onSaved: () => void }) {
  const session = useSession();
  const lockedReason =
    round.totalBallots > 0
      ? ta("admin.form.locked", { epoch: round.epoch, ballots: formatNumber(round.totalBallots) })
      : null;
  return (
    <RoundForm
      mode="edit"
      initial={draftFromRound(round)}
      lockedReason={lockedReason}
      onSubmit={async (edited) => {
        const patch = patchFor(round, edited);
        if (!patch) return ta("admin.form.unchanged");
        await adminApi.updateRound(round.id, patch, session.token);
        onSaved();
        return ta("admin.form.saved");
      }}
    />
  );
}
