import { isActionAllowed, ROUND_ACTIONS, type RoundAction, type RoundView } from "@lb/common";
import { type FormEvent, useEffect, useId, useState } from "react";
import { AsyncView } from "../../components/async-view";
import { StatusBadge } from "../../components/status-badge";
import { formatNumber, t } from "../../i18n";
import { adminApi, api } from "../../lib/api";
import { Link } from "../../lib/router";
import { paths } from "../../lib/routes";
import { useAsync } from "../../lib/use-async";
import { useLiveLeaderboard } from "../leaderboard/use-live-leaderboard";
import { ta } from "./admin-messages";
import { useSession } from "./admin-session";
import { ConfirmInline } from "./confirm-inline";
import { ROUND_TABS, tabById } from "./round-tabs";
import { useRoundAction, withLiveBoard } from "./use-round-action";

/**
 * One round: its status and actions, then its tabs (round-tabs.tsx). The tab is the URL's (`/admin/r/<id>/<tab>`):
 * `onTab` moves there, so reload, links and back/forward all land on it.
 */
export function RoundDetail({
  roundId,
  tab: tabId,
  onTab,
  onChanged,
  onDeleted,
}: {
  roundId: string;
  tab: string | undefined;
  onTab: (tab: string) => void;
  onChanged: () => void;
  onDeleted: () => void;
}) {
  const session = useSession();
  const round = useAsync((signal) => adminApi.getRound(roundId, session.token, signal), [roundId, session.token]);
  // The organiser's view of the board: everything, whatever the round shows voters and screens.
  const live = useLiveLeaderboard(roundId, { view: "console", adminToken: session.token });
  const tab = tabById(tabId);
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
          const current = withLiveBoard(view, live.board);
          const { status, totalBallots } = current;
          const changed = () => {
            reload();
            onChanged();
          };
          return (
            <>
              <header className="card-header">
                <h2 id={`${tabsId}-heading`}>{view.title}</h2>
                <StatusBadge status={status} />
                {view.archived && <span className="badge console-archived-badge">{ta("admin.archive.badge")}</span>}
                <Link className="console-remote-link" href={paths.remote(view.id)}>
                  {ta("admin.remote.open")}
                </Link>
              </header>
              {view.archived && <p className="notice">{ta("admin.archive.notice")}</p>}
              <p className="muted">
                {ta("admin.detail.meta", {
                  id: view.id,
                  epoch: view.epoch,
                  options: formatNumber(view.options.length),
                  ballots: formatNumber(totalBallots),
                })}
              </p>
              <RoundActions round={current} onChanged={changed} onDeleted={onDeleted} />

              <div className="console-tabs" role="tablist" aria-label={ta("admin.detail.sections")}>
                {ROUND_TABS.map(({ id, label }) => (
                  <button
                    key={id}
                    type="button"
                    role="tab"
                    id={`${tabsId}-tab-${id}`}
                    aria-selected={tab.id === id}
                    aria-controls={`${tabsId}-panel`}
                    className="console-tab"
                    data-tab={id}
                    onClick={() => onTab(id)}
                  >
                    {ta(label)}
                  </button>
                ))}
              </div>
              <div role="tabpanel" id={`${tabsId}-panel`} aria-labelledby={`${tabsId}-tab-${tab.id}`}>
                {tab.render({ round: current, live, onChanged: changed })}
              </div>
            </>
          );
        }}
      </AsyncView>
    </section>
  );
}

function RoundActions({
  round,
  onChanged,
  onDeleted,
}: {
  round: RoundView;
  onChanged: () => void;
  onDeleted: () => void;
}) {
  const session = useSession();
  const { busy, message, run, change } = useRoundAction(round.id, onChanged);
  const [confirming, setConfirming] = useState<"close" | "reset" | "delete" | null>(null);
  // What the server allows (archive-round.lua, delete-round.lua); it refuses the rest with a clear code anyway.
  const canArchive = !round.archived && (round.status === "draft" || round.status === "closed");
  const canDelete = round.archived || round.status === "draft";

  const archive = (archived: boolean) =>
    run(async () => {
      await adminApi.setArchived(round.id, archived, session.token);
      return ta(archived ? "admin.archive.done" : "admin.unarchive.done");
    });

  const remove = () =>
    run(async () => {
      await adminApi.deleteRound(round.id, { confirm: round.id }, session.token);
      onDeleted();
      return ta("admin.delete.done");
    });

  const undoReset = () =>
    run(async () => {
      const view = await adminApi.undoReset(round.id, round.epoch, session.token);
      return ta("admin.undoReset.done", { epoch: view.epoch, status: t(`status.${view.status}`) });
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
            disabled={busy || round.archived || !isActionAllowed(round.status, action)}
            // Closing ends the vote for everyone at once: it is asked again below.
            aria-expanded={action === "close" ? confirming === "close" : undefined}
            onClick={() => (action === "close" ? setConfirming("close") : change(action))}
          >
            {actionLabel(action)}
          </button>
        ))}
        <button
          type="button"
          className="button button-danger"
          disabled={busy || round.archived}
          aria-expanded={confirming === "reset"}
          onClick={() => setConfirming((open) => (open === "reset" ? null : "reset"))}
        >
          {ta("admin.reset.button")}
        </button>
        {round.archived ? (
          <button type="button" className="button button-secondary" disabled={busy} onClick={() => archive(false)}>
            {ta("admin.unarchive.button")}
          </button>
        ) : (
          <button
            type="button"
            className="button button-secondary"
            disabled={busy || !canArchive}
            title={canArchive ? undefined : ta("admin.archive.needsClosed")}
            onClick={() => archive(true)}
          >
            {ta("admin.archive.button")}
          </button>
        )}
        <button
          type="button"
          className="button button-danger"
          disabled={busy || !canDelete}
          title={canDelete ? undefined : ta("admin.delete.needsArchive")}
          aria-expanded={confirming === "delete"}
          onClick={() => setConfirming((open) => (open === "delete" ? null : "delete"))}
        >
          {ta("admin.delete.button")}
        </button>
      </div>
      {round.resetUndoable && round.totalBallots === 0 && (
        <p className="notice notice-paused console-undo-reset">
          <span>{ta("admin.undoReset.explain", { epoch: round.epoch, previous: round.epoch - 1 })}</span>{" "}
          <button type="button" className="button" disabled={busy} onClick={undoReset}>
            {ta("admin.undoReset.button", { previous: round.epoch - 1 })}
          </button>
        </p>
      )}
      {confirming === "close" && (
        <ConfirmInline
          text={ta("admin.close.explain", { ballots: formatNumber(round.totalBallots) })}
          confirmLabel={ta("admin.close.confirm")}
          busy={busy}
          onCancel={() => setConfirming(null)}
          onConfirm={() => {
            setConfirming(null);
            change("close");
          }}
        />
      )}
      {confirming === "reset" && (
        <ConfirmForm
          round={round}
          busy={busy}
          explain={ta("admin.reset.explain", {
            epoch: round.epoch,
            ballots: formatNumber(round.totalBallots),
            next: round.epoch + 1,
          })}
          confirmLabel={ta("admin.reset.confirm", { epoch: round.epoch })}
          onCancel={() => setConfirming(null)}
          onConfirm={() =>
            run(async () => {
              const view = await api.resetRound(round.id, { confirm: round.id }, session.token);
              setConfirming(null);
              return ta("admin.reset.done", { epoch: view.epoch, previous: round.epoch });
            })
          }
        />
      )}
      {confirming === "delete" && (
        <ConfirmForm
          round={round}
          busy={busy}
          explain={ta("admin.delete.explain", { epochs: round.epoch, ballots: formatNumber(round.totalBallots) })}
          confirmLabel={ta("admin.delete.confirm")}
          onCancel={() => setConfirming(null)}
          onConfirm={remove}
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

/** Reset and delete are destructive, so they say what happens and want the round ID typed. */
function ConfirmForm({
  round,
  busy,
  explain,
  confirmLabel,
  onConfirm,
  onCancel,
}: {
  round: RoundView;
  busy: boolean;
  explain: string;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const inputId = useId();
  const [confirm, setConfirm] = useState("");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (confirm === round.id) onConfirm();
  };
  return (
    <form className="notice notice-error console-reset" onSubmit={submit}>
      <p>{explain}</p>
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
          {confirmLabel}
        </button>
        <button type="button" className="button button-secondary" onClick={onCancel}>
          {ta("admin.form.cancel")}
        </button>
      </div>
    </form>
  );
}
