import type { EventImportInput, EventView, RoundSummary } from "@lb/common";
import { isLoopbackHost } from "@lb/common";
import { type ChangeEvent, type FormEvent, useEffect, useId, useState } from "react";
import { AsyncView, ErrorNotice } from "../../../components/async-view";
import { QrCode } from "../../../components/qr-code";
import { StatusBadge } from "../../../components/status-badge";
import { t } from "../../../i18n";
import { type ApiRequestError, adminApi, asApiRequestError } from "../../../lib/api";
import { paths } from "../../../lib/routes";
import { useAsync } from "../../../lib/use-async";
import { eventAdminApi } from "../../event/event-api";
import { ta } from "../admin-messages";
import { useSession } from "../admin-session";
import { ShareLink } from "../share-link";
import { tev } from "./events-messages";
import "./events.css";

/**
 * The console's Events section (its single entry point): events of many rounds made from rounds or imported
 * from one file, their order, moving on to the next round, and the event's phone and screen links.
 */
export function EventsSection() {
  const session = useSession();
  const withSession = <T,>(promise: Promise<T>) =>
    promise.catch((error: unknown) => {
      session.handleError(error);
      throw error;
    });
  const events = useAsync((signal) => withSession(eventAdminApi.list(session.token, signal)), [session.token]);
  const rounds = useAsync((signal) => withSession(adminApi.listRounds(session.token, signal)), [session.token]);
  const [selected, setSelected] = useState<string | null>(null);
  // The forms open on demand, as "New round" does: the console page keeps one file picker until asked.
  const [form, setForm] = useState<"create" | "import" | null>(null);
  const reload = () => {
    events.reload();
    rounds.reload();
  };
  const created = (event: EventView) => {
    setSelected(event.id);
    reload();
  };

  return (
    <section className="card console-events" aria-labelledby="events-heading" data-events-section>
      <header className="console-toolbar">
        <h2 id="events-heading">{tev("events.heading")}</h2>
        <button type="button" className="button button-secondary" onClick={reload}>
          {tev("events.refresh")}
        </button>
        <button
          type="button"
          className="button"
          onClick={() => {
            rounds.reload(); // rounds made since the console opened
            setForm("create");
          }}
          disabled={form === "create"}
        >
          {tev("events.new")}
        </button>
        <button type="button" className="button" onClick={() => setForm("import")} disabled={form === "import"}>
          {tev("events.import.open")}
        </button>
      </header>
      <p className="muted">{tev("events.help")}</p>
      <AsyncView state={events.state} onRetry={events.reload}>
        {(list) =>
          list.length === 0 ? (
            <p className="muted">{tev("events.empty")}</p>
          ) : (
            <EventTable events={list} selected={selected} onSelect={setSelected} />
          )
        }
      </AsyncView>
      {selected && events.state.status === "done" && (
        <EventDetail
          key={selected}
          event={events.state.value.find((event) => event.id === selected) ?? null}
          onChanged={reload}
          onDeleted={() => {
            setSelected(null);
            reload();
          }}
        />
      )}
      {form === "create" && (
        <AsyncView state={rounds.state} onRetry={rounds.reload}>
          {(list) => <CreateEvent rounds={list.filter((round) => !round.archived)} onCreated={created} />}
        </AsyncView>
      )}
      {form === "import" && <ImportEvent onImported={created} />}
    </section>
  );
}

function EventTable({
  events,
  selected,
  onSelect,
}: {
  events: EventView[];
  selected: string | null;
  onSelect: (id: string) => void;
}) {
  return (
    <div className="table-scroll">
      <table className="console-table">
        <thead>
          <tr>
            <th scope="col">{tev("events.col.event")}</th>
            <th scope="col">{tev("events.col.current")}</th>
            <th scope="col" className="numeric">
              {tev("events.col.rounds")}
            </th>
          </tr>
        </thead>
        <tbody>
          {events.map((event) => {
            const current = event.rounds.find((round) => round.id === event.current);
            return (
              <tr key={event.id} className={event.id === selected ? "is-selected" : undefined} data-event={event.id}>
                <td>
                  <button
                    type="button"
                    className="link-button"
                    aria-current={event.id === selected ? "true" : undefined}
                    onClick={() => onSelect(event.id)}
                  >
                    {event.title}
                  </button>
                  <span className="muted console-id">{event.id}</span>
                </td>
                <td>
                  {current && event.position !== null
                    ? `${current.title} (${tev("events.position", { position: event.position, count: event.roundCount })})`
                    : tev("events.none")}
                </td>
                <td className="numeric">{event.roundCount}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** Runs an organiser action, showing its failure; true when it worked. */
function useAction() {
  const session = useSession();
  const [error, setError] = useState<ApiRequestError | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async (action: (token: string) => Promise<unknown>): Promise<boolean> => {
    setBusy(true);
    setError(null);
    try {
      await action(session.token);
      return true;
    } catch (caught) {
      session.handleError(caught);
      setError(asApiRequestError(caught));
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { run, error, busy };
}

function EventDetail({
  event,
  onChanged,
  onDeleted,
}: {
  event: EventView | null;
  onChanged: () => void;
  onDeleted: () => void;
}) {
  const { run, error, busy } = useAction();
  if (!event) return null;
  const ids = event.rounds.map((round) => round.id);
  const last = event.position !== null && event.position >= event.roundCount;
  const move = (index: number, by: -1 | 1) => {
    const order = [...ids];
    const [moved] = order.splice(index, 1);
    if (moved === undefined) return;
    order.splice(index + by, 0, moved);
    void run((token) => eventAdminApi.update(event.id, { rounds: order }, token)).then((ok) => ok && onChanged());
  };
  const act = (action: (token: string) => Promise<unknown>) => {
    void run(action).then((ok) => ok && onChanged());
  };
  const remove = () => {
    if (!window.confirm(tev("events.detail.deleteConfirm"))) return;
    void run((token) => eventAdminApi.remove(event.id, token)).then((ok) => ok && onDeleted());
  };

  return (
    <section
      className="console-event-detail"
      data-event-detail={event.id}
      aria-labelledby={`event-${event.id}-heading`}
    >
      <h3 id={`event-${event.id}-heading`}>{tev("events.detail.heading", { title: event.title })}</h3>
      <div className="actions">
        <button
          type="button"
          className="button"
          disabled={busy || last}
          onClick={() => act((token) => eventAdminApi.next(event.id, token))}
        >
          {tev("events.detail.next")}
        </button>
        <button type="button" className="button button-danger" disabled={busy} onClick={remove}>
          {tev("events.detail.delete")}
        </button>
      </div>
      <p className="muted">{last ? tev("events.detail.last") : tev("events.detail.nextHelp")}</p>
      {error && <ErrorNotice error={error} />}
      <h4>{tev("events.detail.order")}</h4>
      <ol className="console-event-rounds">
        {event.rounds.map((round, index) => (
          <li key={round.id} data-event-round={round.id} data-current={round.id === event.current || undefined}>
            <span>{round.title}</span> <StatusBadge status={round.status} />{" "}
            {round.id === event.current ? (
              <strong>{tev("events.detail.current")}</strong>
            ) : (
              <button
                type="button"
                className="link-button"
                disabled={busy}
                onClick={() => act((token) => eventAdminApi.setCurrent(event.id, round.id, token))}
              >
                {tev("events.detail.makeCurrent")}
              </button>
            )}{" "}
            <button
              type="button"
              className="link-button"
              disabled={busy || index === 0}
              onClick={() => move(index, -1)}
            >
              {tev("events.detail.up")}
            </button>{" "}
            <button
              type="button"
              className="link-button"
              disabled={busy || index === event.rounds.length - 1}
              onClick={() => move(index, 1)}
            >
              {tev("events.detail.down")}
            </button>
          </li>
        ))}
      </ol>
      <EventShare eventId={event.id} />
    </section>
  );
}

/** The event's phone link (with its QR code) and screen link, from the server's PUBLIC_URL as the Share tab does. */
function EventShare({ eventId }: { eventId: string }) {
  const session = useSession();
  const [publicUrl, setPublicUrl] = useState<string | null | undefined>(undefined);
  const [screenKey, setScreenKey] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const { run, error } = useAction();

  // biome-ignore lint/correctness/useExhaustiveDependencies: `session` and `run` change only with the token.
  useEffect(() => {
    let current = true;
    adminApi.checkSession(session.token).then(
      (answer) => current && setPublicUrl(answer.publicUrl),
      (caught: unknown) => {
        session.handleError(caught);
        if (current) setPublicUrl(null);
      },
    );
    void run((token) =>
      eventAdminApi.screenKey(eventId, token).then(({ screenKey: key }) => current && setScreenKey(key)),
    );
    return () => {
      current = false;
    };
  }, [eventId, session.token]);

  if (publicUrl === undefined) return <div aria-busy="true" />;
  const origin = publicUrl ?? window.location.origin;
  const phoneUrl = new URL(paths.event(eventId), origin).href;
  const screenUrl = screenKey ? new URL(paths.eventScreen(eventId, screenKey), origin).href : null;
  const loopbackHost = isLoopbackHost(new URL(origin).hostname) ? new URL(origin).host : null;
  const renewKey = () => {
    if (!window.confirm(tev("events.share.newKeyConfirm"))) return;
    void run((token) => eventAdminApi.screenKey(eventId, token, true).then(({ screenKey: key }) => setScreenKey(key)));
  };

  return (
    <div className="console-share">
      {loopbackHost && (
        <p className="notice notice-warn" role="alert">
          {ta("admin.share.loopback", { host: loopbackHost })}
        </p>
      )}
      <h4>{tev("events.share.phone")}</h4>
      <div className="console-share-row">
        <QrCode className="console-qr" text={phoneUrl} label={tev("events.share.qrAlt")} />
        <ShareLink
          url={phoneUrl}
          label={tev("events.share.phone")}
          testId="event-phone-url"
          copyLabel={tev("events.share.copy")}
          onCopied={() => setNotice(tev("events.share.copied"))}
        />
      </div>
      <h4>{tev("events.share.screen")}</h4>
      {error && <ErrorNotice error={error} />}
      {screenUrl && (
        <ShareLink
          url={screenUrl}
          label={tev("events.share.screen")}
          testId="event-screen-url"
          copyLabel={tev("events.share.copy")}
          onCopied={() => setNotice(tev("events.share.copied"))}
        >
          <a className="button" href={screenUrl} target="_blank" rel="noreferrer">
            {tev("events.share.open")}
          </a>
          <button type="button" className="button button-danger" onClick={renewKey}>
            {tev("events.share.newKey")}
          </button>
        </ShareLink>
      )}
      <div aria-live="polite">{notice && <p className="notice notice-ok">{notice}</p>}</div>
    </div>
  );
}

function CreateEvent({ rounds, onCreated }: { rounds: RoundSummary[]; onCreated: (event: EventView) => void }) {
  const formId = useId();
  const [title, setTitle] = useState("");
  const [id, setId] = useState("");
  // Ticked rounds in the order they were ticked: the order the event runs them.
  const [picked, setPicked] = useState<string[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const { run, error, busy } = useAction();

  const toggle = (roundId: string) =>
    setPicked((current) => (current.includes(roundId) ? current.filter((x) => x !== roundId) : [...current, roundId]));
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (picked.length === 0) {
      setProblem(tev("events.create.pickRounds"));
      return;
    }
    setProblem(null);
    let made: EventView | null = null;
    const ok = await run(async (token) => {
      made = await eventAdminApi.create(
        { title: title.trim(), rounds: picked, ...(id.trim() ? { id: id.trim() } : {}) },
        token,
      );
    });
    if (ok && made) {
      setTitle("");
      setId("");
      setPicked([]);
      onCreated(made);
    }
  };

  return (
    <form className="console-form" onSubmit={submit} aria-labelledby={`${formId}-heading`}>
      <h3 id={`${formId}-heading`}>{tev("events.create.heading")}</h3>
      <label htmlFor={`${formId}-title`}>{tev("events.create.title")}</label>
      <input id={`${formId}-title`} required maxLength={200} value={title} onChange={(e) => setTitle(e.target.value)} />
      <label htmlFor={`${formId}-id`}>{tev("events.create.id")}</label>
      <input id={`${formId}-id`} maxLength={64} value={id} onChange={(e) => setId(e.target.value)} />
      <fieldset>
        <legend>{tev("events.create.rounds")}</legend>
        {rounds.map((round) => {
          const order = picked.indexOf(round.id);
          return (
            <label key={round.id} className="console-check">
              <input type="checkbox" checked={order >= 0} onChange={() => toggle(round.id)} />
              {order >= 0 ? `${order + 1}. ` : ""}
              {round.title} <span className="muted console-id">{round.id}</span>
            </label>
          );
        })}
      </fieldset>
      {problem && (
        <p className="notice notice-error" role="alert">
          {problem}
        </p>
      )}
      {error && <ErrorNotice error={error} />}
      <button type="submit" className="button" disabled={busy || title.trim() === ""}>
        {tev("events.create.submit")}
      </button>
    </form>
  );
}

function ImportEvent({ onImported }: { onImported: (event: EventView) => void }) {
  const inputId = useId();
  const session = useSession();
  const [report, setReport] = useState<{ ok: boolean; text: string } | null>(null);

  const pick = async (change: ChangeEvent<HTMLInputElement>) => {
    const file = change.target.files?.[0];
    change.target.value = ""; // the same file again, once fixed, must fire again
    if (!file) return;
    let parsed: EventImportInput;
    try {
      // The server checks the shape and every round; the browser only needs JSON to send.
      parsed = JSON.parse((await file.text()).replace(/^\uFEFF/, "")) as EventImportInput;
    } catch (caught) {
      const message = caught instanceof Error ? caught.message : String(caught);
      setReport({ ok: false, text: tev("events.import.badJson", { file: file.name, message }) });
      return;
    }
    try {
      const imported = await eventAdminApi.importFile(parsed, session.token);
      setReport({
        ok: true,
        text: tev("events.import.done", { title: imported.event.title, count: imported.rounds.length }),
      });
      onImported(imported.event);
    } catch (caught) {
      session.handleError(caught);
      const error = asApiRequestError(caught);
      // The server's message names the round and field at fault ("rounds.2.rules.minChoices: …").
      const message = error.code === "INVALID_BODY" ? error.message : t(`error.${error.code}`);
      setReport({ ok: false, text: tev("events.import.failed", { file: file.name, message }) });
    }
  };

  return (
    <fieldset className="console-import">
      <legend>{tev("events.import.heading")}</legend>
      <p className="muted">{tev("events.import.help")}</p>
      <label htmlFor={inputId}>{tev("events.import.choose")}</label>
      <input id={inputId} type="file" accept=".json,application/json" onChange={pick} />
      {report && (
        <p className={`notice ${report.ok ? "notice-ok" : "notice-error"}`} role={report.ok ? "status" : "alert"}>
          {report.text}
        </p>
      )}
    </fieldset>
  );
}
