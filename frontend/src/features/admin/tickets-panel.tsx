import {
  type IssuedTicket,
  type RoundView,
  TICKET_LIMITS,
  type TicketBatchCreated,
  type TicketBatchList,
} from "@lb/common";
import { type FormEvent, useId, useState } from "react";
import { createPortal } from "react-dom";
import { ErrorNotice } from "../../components/async-view";
import { QrCode } from "../../components/qr-code";
import { formatNumber, formatPercent, t } from "../../i18n";
import { adminApi, asApiRequestError } from "../../lib/api";
import { ta } from "./admin-messages";
import { saveFile, useSession } from "./admin-session";
import { TICKETS_PER_PAGE, type TicketsPerPage, ticketPages, ticketsCsv } from "./ticket-sheet";
import { useAdminPoll } from "./use-admin-poll";

/** Turnout changes with every ballot; asking every 5 s keeps the table fresh without following each one. */
const TURNOUT_REFRESH_MS = 5_000;

/**
 * Tickets of a round: make a batch, print it (an A4 sheet of QR codes and codes) or save it as CSV right away,
 * since the codes are shown only once; and turnout per batch (issued / used in this epoch).
 */
export function TicketsPanel({ round }: { round: RoundView }) {
  const [created, setCreated] = useState<TicketBatchCreated | null>(null);
  // Turnout per batch, live while the tab is shown; asked again at once after a batch is made.
  const {
    value: list,
    error,
    reload,
  } = useAdminPoll((token, signal) => adminApi.listTickets(round.id, token, signal), TURNOUT_REFRESH_MS, [
    round.id,
    round.epoch,
  ]);

  return (
    <div className="console-tickets" data-testid="tickets-panel">
      {round.rules.electorate !== "tickets" && <p className="notice notice-paused">{ta("admin.tickets.openRound")}</p>}
      <CreateBatch
        roundId={round.id}
        onCreated={(batch) => {
          setCreated(batch);
          reload();
        }}
      />
      {created && <PrintableBatch round={round} batch={created} onDone={() => setCreated(null)} />}
      {error && <ErrorNotice error={error} />}
      {list && <Turnout list={list} />}
    </div>
  );
}

function CreateBatch({ roundId, onCreated }: { roundId: string; onCreated: (batch: TicketBatchCreated) => void }) {
  const session = useSession();
  const id = useId();
  const [batch, setBatch] = useState("");
  const [count, setCount] = useState("100");
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    setBusy(true);
    try {
      onCreated(await adminApi.createTickets(roundId, { batch: batch.trim(), count: Number(count) }, session.token));
    } catch (caught) {
      session.handleError(caught);
      const error = asApiRequestError(caught);
      setProblem(
        error.code === "INVALID_BODY" ? `${t("error.INVALID_BODY")} ${error.message}` : t(`error.${error.code}`),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="console-form" onSubmit={submit}>
      <h3>{ta("admin.tickets.create")}</h3>
      <p className="muted">{ta("admin.tickets.createHelp", { max: formatNumber(TICKET_LIMITS.perRequest) })}</p>
      <div className="inline-fields">
        <label htmlFor={`${id}-batch`}>{ta("admin.tickets.batch")}</label>
        <input
          id={`${id}-batch`}
          required
          maxLength={TICKET_LIMITS.batchNameMaxLength}
          placeholder={ta("admin.tickets.batchPlaceholder")}
          value={batch}
          onChange={(event) => setBatch(event.target.value)}
        />
        <label htmlFor={`${id}-count`}>{ta("admin.tickets.count")}</label>
        <input
          id={`${id}-count`}
          type="number"
          className="console-number"
          required
          min={1}
          max={TICKET_LIMITS.perRequest}
          value={count}
          onChange={(event) => setCount(event.target.value)}
        />
        <button type="submit" className="button" disabled={busy}>
          {busy ? ta("admin.tickets.creating") : ta("admin.tickets.createButton")}
        </button>
      </div>
      {problem && (
        <p className="notice notice-error" role="alert">
          {problem}
        </p>
      )}
    </form>
  );
}

/** The batch just made: the warning that its codes are shown only now, CSV, and the printable A4 sheet. */
function PrintableBatch({ round, batch, onDone }: { round: RoundView; batch: TicketBatchCreated; onDone: () => void }) {
  const [perPage, setPerPage] = useState<TicketsPerPage>(8);
  const id = useId();
  const pages = ticketPages(batch.tickets, perPage);
  const saveCsv = () =>
    saveFile(
      new Blob([ticketsCsv(batch.batch, batch.tickets)], { type: "text/csv;charset=utf-8" }),
      `${round.id}-tickets-${batch.batch.replace(/[^\p{L}\p{N}_-]+/gu, "-")}.csv`,
    );
  return (
    <section className="console-ticket-batch" aria-labelledby={`${id}-heading`}>
      <h3 id={`${id}-heading`}>
        {ta("admin.tickets.made", { count: formatNumber(batch.tickets.length), batch: batch.batch })}
      </h3>
      <p className="notice notice-paused" role="status">
        {ta("admin.tickets.onlyNow")}
      </p>
      <div className="inline-fields">
        <label htmlFor={`${id}-per-page`}>{ta("admin.tickets.perPage")}</label>
        <select
          id={`${id}-per-page`}
          value={perPage}
          onChange={(event) => setPerPage(Number(event.target.value) as TicketsPerPage)}
        >
          {TICKETS_PER_PAGE.map((value) => (
            <option key={value} value={value}>
              {ta("admin.tickets.perPageValue", { count: value })}
            </option>
          ))}
        </select>
        <button type="button" className="button" onClick={() => window.print()}>
          {ta("admin.tickets.print")}
        </button>
        <button type="button" className="button" onClick={saveCsv}>
          {ta("admin.tickets.csv")}
        </button>
        <button type="button" className="button button-secondary" onClick={onDone}>
          {ta("admin.tickets.done")}
        </button>
      </div>
      <p className="muted">{ta("admin.tickets.pages", { pages: pages.length })}</p>
      {/* On screen the first page as a preview; the printer gets every page (see the print CSS). */}
      <TicketPages roundTitle={round.title} batch={batch.batch} pages={pages.slice(0, 1)} perPage={perPage} />
      {createPortal(
        <div className="ticket-print" data-testid="ticket-print">
          <TicketPages roundTitle={round.title} batch={batch.batch} pages={pages} perPage={perPage} />
        </div>,
        document.body,
      )}
    </section>
  );
}

function TicketPages({
  roundTitle,
  batch,
  pages,
  perPage,
}: {
  roundTitle: string;
  batch: string;
  pages: IssuedTicket[][];
  perPage: TicketsPerPage;
}) {
  return (
    <div className="ticket-sheet" data-per-page={perPage} data-testid="ticket-sheet">
      {pages.map((page, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: pages are a fixed cut of a fixed list.
        <div className="ticket-page" key={index}>
          {page.map((ticket) => (
            <div className="ticket-card" key={ticket.code}>
              <QrCode className="ticket-card-qr" text={ticket.url} label={ta("admin.tickets.qrAlt")} />
              <div className="ticket-card-text">
                <p className="ticket-card-title">{roundTitle}</p>
                <p className="ticket-card-code">{ticket.code}</p>
                <p className="ticket-card-help">{ta("admin.tickets.cardHelp")}</p>
                <p className="ticket-card-batch">{batch}</p>
              </div>
            </div>
          ))}
        </div>
      ))}
    </div>
  );
}

function Turnout({ list }: { list: TicketBatchList }) {
  const waiting = list.batches.filter((batch) => batch.used === 0);
  return (
    <section>
      <h3>{ta("admin.tickets.turnout", { epoch: list.epoch })}</h3>
      {list.batches.length === 0 ? (
        <p className="muted">{ta("admin.tickets.none")}</p>
      ) : (
        <>
          <div className="table-scroll">
            <table className="console-table" data-testid="ticket-turnout">
              <thead>
                <tr>
                  <th scope="col">{ta("admin.tickets.col.batch")}</th>
                  <th scope="col" className="numeric">
                    {ta("admin.tickets.col.issued")}
                  </th>
                  <th scope="col" className="numeric">
                    {ta("admin.tickets.col.used")}
                  </th>
                  <th scope="col" className="numeric">
                    {ta("admin.tickets.col.turnout")}
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.batches.map((batch) => (
                  <tr key={batch.batch}>
                    <th scope="row">{batch.batch}</th>
                    <td className="numeric">{formatNumber(batch.issued)}</td>
                    <td className="numeric">{formatNumber(batch.used)}</td>
                    <td className="numeric">{formatPercent(batch.issued ? batch.used / batch.issued : 0)}</td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr>
                  <th scope="row">{ta("admin.tickets.total")}</th>
                  <td className="numeric">{formatNumber(list.issued)}</td>
                  <td className="numeric">{formatNumber(list.used)}</td>
                  <td className="numeric">{formatPercent(list.issued ? list.used / list.issued : 0)}</td>
                </tr>
              </tfoot>
            </table>
          </div>
          <p data-testid="ticket-waiting">
            {waiting.length === 0
              ? ta("admin.tickets.allVoted")
              : ta("admin.tickets.waiting", { batches: waiting.map((batch) => batch.batch).join(", ") })}
          </p>
        </>
      )}
    </section>
  );
}
