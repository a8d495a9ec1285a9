import { isActionAllowed, type RoundAction } from "@lb/common";
import { useEffect, useState } from "react";
import { AsyncView } from "../../components/async-view";
import { StatusBadge } from "../../components/status-badge";
import { useDocumentTitle } from "../../components/use-document-title";
import { formatNumber } from "../../i18n";
import { adminApi } from "../../lib/api";
import { Link, navigate } from "../../lib/router";
import { paths } from "../../lib/routes";
import { useAsync } from "../../lib/use-async";
import { eventAdminApi } from "../event/event-api";
import { useLiveLeaderboard } from "../leaderboard/use-live-leaderboard";
import { useServerOffset } from "../show/countdown";
import { ta } from "./admin-messages";
import { useSession } from "./admin-session";
import { ConfirmInline } from "./confirm-inline";
import { REMOTE_ACTIONS, type RemoteRound } from "./remote-actions";
import { useRoundAction, withLiveBoard } from "./use-round-action";

/** The URL segment of the remote (`/admin/r/<id>/remote`); no round tab may use it. */
export const REMOTE_TAB = "remote";

/** What the "add time" buttons add to the voting window's end. */
const ADD_MINUTES = [1, 5] as const;

/**
 * The host's phone remote: the round's live controls as large buttons on one narrow screen (390 px), the
 * ballots counted and the time left. The same API and sign-in as the console; extra buttons come from
 * remote-actions.ts when the server offers them.
 */
export function RemoteView({ roundId }: { roundId: string }) {
  useDocumentTitle(ta("admin.remote.title"));
  const session = useSession();
  const round = useAsync((signal) => adminApi.getRound(roundId, session.token, signal), [roundId, session.token]);
  const live = useLiveLeaderboard(roundId, { view: "console", adminToken: session.token });
  const { reload } = round;

  // Status changes, edits and resets from anywhere arrive as `round:updated`: read the round again.
  const liveRound = live.round;
  // biome-ignore lint/correctness/useExhaustiveDependencies: refetch when the server announces a new state.
  useEffect(() => {
    if (liveRound) reload();
  }, [liveRound?.status, liveRound?.epoch, liveRound?.revision, liveRound?.updatedAt]);

  return (
    <article className="remote" data-remote-view={roundId}>
      <AsyncView state={round.state} onRetry={reload}>
        {(view) => {
          const current: RemoteRound = {
            ...withLiveBoard(view, live.board),
            show: live.board?.epoch === view.epoch ? live.board.show : undefined,
          };
          return <RemoteControls round={current} onChanged={reload} />;
        }}
      </AsyncView>
      <p className="remote-back">
        <Link href={paths.adminRound(roundId)}>{ta("admin.remote.back")}</Link>
      </p>
    </article>
  );
}

function RemoteControls({ round, onChanged }: { round: RemoteRound; onChanged: () => void }) {
  const session = useSession();
  const action = useRoundAction(round.id, onChanged);
  const { busy, message } = action;
  const [confirming, setConfirming] = useState<string | null>(null);
  // The server's clock, measured again with each new view of the round (not against when the remote opened, which
  // would put every later "add time" late by the remote's age): the window's end is the server's, not this phone's.
  const serverOffsetMs = useServerOffset(round.serverTime);
  const now = useNow() + serverOffsetMs;
  const closesAtMs = round.rules.closesAt ? Date.parse(round.rules.closesAt) : null;

  // A confirmation open on the screen is answered by whatever runs next.
  const run = (work: () => Promise<string>) => {
    setConfirming(null);
    return action.run(work);
  };
  const change = (step: RoundAction) => {
    setConfirming(null);
    return action.change(step);
  };

  // Time is added to the window's end, or to now when there is none or it has passed.
  const addTime = (minutes: number) =>
    run(async () => {
      const closesAt = new Date(Math.max(closesAtMs ?? 0, Date.now() + serverOffsetMs) + minutes * 60_000);
      await adminApi.updateRound(round.id, { rules: { closesAt: closesAt.toISOString() } }, session.token);
      return ta("admin.remote.closesAt", { time: closesAt.toLocaleTimeString() });
    });

  const lifecycle: { action: RoundAction; label: string }[] = [
    { action: "open", label: ta(round.status === "closed" ? "admin.action.reopen" : "admin.action.open") },
    { action: "pause", label: ta("admin.action.pause") },
    { action: "close", label: ta("admin.action.close") },
  ];
  const extras = REMOTE_ACTIONS.filter((action) => action.available(round));
  const confirmingExtra = extras.find((action) => action.id === confirming);

  return (
    <>
      <header className="remote-header">
        <h1>{round.title}</h1>
        <StatusBadge status={round.status} />
      </header>
      <dl className="remote-figures">
        <div>
          <dt>{ta("admin.live.ballots")}</dt>
          <dd data-testid="remote-total">{formatNumber(round.totalBallots)}</dd>
        </div>
        <div>
          <dt>{ta("admin.remote.timeLeft")}</dt>
          <dd data-testid="remote-time-left">
            {closesAtMs === null ? ta("admin.remote.noEnd") : formatLeft(closesAtMs - now)}
          </dd>
        </div>
      </dl>
      <div className="remote-buttons">
        {lifecycle.map(({ action, label }) => (
          <button
            key={action}
            type="button"
            className={`button remote-button${action === "close" ? " button-danger" : ""}`}
            data-remote={action}
            disabled={busy || round.archived || !isActionAllowed(round.status, action)}
            aria-expanded={action === "close" ? confirming === "close" : undefined}
            onClick={() => (action === "close" ? setConfirming("close") : change(action))}
          >
            {label}
          </button>
        ))}
        {ADD_MINUTES.map((minutes) => (
          <button
            key={minutes}
            type="button"
            className="button button-secondary remote-button"
            data-remote={`add-${minutes}`}
            disabled={busy || round.archived}
            onClick={() => addTime(minutes)}
          >
            {ta("admin.remote.addTime", { minutes })}
          </button>
        ))}
        {extras.map((action) => (
          <button
            key={action.id}
            type="button"
            className="button button-secondary remote-button"
            data-remote={action.id}
            disabled={busy || round.archived}
            onClick={() =>
              action.confirm
                ? setConfirming(action.id)
                : run(async () => {
                    await action.run(round, session.token);
                    return ta("admin.remote.done");
                  })
            }
          >
            {action.label(round)}
          </button>
        ))}
        <NextRoundButton roundId={round.id} disabled={busy} run={run} />
      </div>
      {confirming === "close" && (
        <ConfirmInline
          className="remote-confirm"
          text={ta("admin.close.explain", { ballots: formatNumber(round.totalBallots) })}
          confirmLabel={ta("admin.close.confirm")}
          busy={busy}
          onCancel={() => setConfirming(null)}
          onConfirm={() => change("close")}
        />
      )}
      {confirmingExtra?.confirm && (
        <ConfirmInline
          className="remote-confirm"
          text={confirmingExtra.confirm(round)}
          confirmLabel={confirmingExtra.label(round)}
          busy={busy}
          onCancel={() => setConfirming(null)}
          onConfirm={() =>
            run(async () => {
              await confirmingExtra.run(round, session.token);
              return ta("admin.remote.done");
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

/** This device's clock, once a second. */
function useNow(): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

/** "4:05", "1:02:03"; "0:00" once the time is up. */
function formatLeft(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const [h, m, s] = [Math.floor(total / 3600), Math.floor(total / 60) % 60, total % 60];
  const pad = (n: number) => String(n).padStart(2, "0");
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

/**
 * "Next round" of an event whose current round this is (events of many rounds): moves the event on, so every
 * event phone and screen follows, and takes the remote to the next round.
 */
function NextRoundButton({
  roundId,
  disabled,
  run,
}: {
  roundId: string;
  disabled: boolean;
  run: (action: () => Promise<string>) => Promise<void>;
}) {
  const session = useSession();
  const events = useAsync((signal) => eventAdminApi.list(session.token, signal), [session.token, roundId]);
  const event =
    events.state.status === "done"
      ? events.state.value.find(
          (candidate) => candidate.current === roundId && (candidate.position ?? 0) < candidate.roundCount,
        )
      : undefined;
  if (!event) return null;
  return (
    <button
      type="button"
      className="button button-secondary remote-button"
      data-remote="next-round"
      disabled={disabled}
      onClick={() =>
        run(async () => {
          const moved = await eventAdminApi.next(event.id, session.token);
          if (moved.current) navigate(paths.remote(moved.current));
          return ta("admin.remote.done");
        })
      }
    >
      {ta("admin.remote.nextRound", { event: event.title })}
    </button>
  );
}
