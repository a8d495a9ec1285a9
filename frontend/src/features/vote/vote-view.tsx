import type { ApiError, Leaderboard, RoundRules, RoundView } from "@lb/common";
import { type KeyboardEvent, useCallback, useDeferredValue, useEffect, useMemo, useRef, useState } from "react";
import { ErrorNotice, Loading } from "../../components/async-view";
import { StatusBadge } from "../../components/status-badge";
import { formatNumber, t } from "../../i18n";
import { setSocketCredential } from "../../lib/socket";
import { readStored, writeStored } from "../../lib/storage";
import { LeaderboardTable, ResultsHidden } from "../leaderboard/leaderboard-table";
import { type ConnectionState, useLiveLeaderboard } from "../leaderboard/use-live-leaderboard";
import { PhoneShow } from "../show/phone-show";
import type { OutboxState } from "./ballot-outbox";
import { BallotReceiptView } from "./ballot-receipt";
import { OptionCard } from "./option-card";
import { PicksTray } from "./picks-tray";
import { RoundDescription } from "./round-description";
import { RulesDialog } from "./rules-dialog";
import { parseQuery, searchOptions } from "./search";
import { canSubmit, choicesInOptionOrder, isPickDisabled, type SubmitCheck, toggleChoice } from "./selection";
import { TicketEntry } from "./ticket-entry";
import { useBallotOutbox } from "./use-ballot-outbox";
import { useOnline, useSecondsUntil, useServerNow } from "./use-clock";
import type { VoteData } from "./vote-page";
import { clockOffset, type VotePhase, votePhase } from "./vote-phase";
import { descriptionStatesMax, formatWhen, picksRuleText } from "./vote-text";
import { rememberTicket } from "./vote-ticket";

type Tab = "vote" | "board";

/** Cards rendered with the page itself: more than a tall phone shows above the fold. */
const FIRST_CARDS = 8;

/** Picks survive a reload (a voter on a bad network may well reload) but not the browser session. */
const picksKey = (round: RoundView) => `lb.picks.${round.id}.${round.epoch}`;

function readPicks(round: RoundView): string[] {
  try {
    const value: unknown = JSON.parse(readStored("sessionStorage", picksKey(round)) ?? "[]");
    return Array.isArray(value) ? value.filter((id): id is string => typeof id === "string") : [];
  } catch {
    return [];
  }
}

function reasonText(check: SubmitCheck, needsTicket = false): string | null {
  if (needsTicket) return t("vote.reason.needTicket");
  if (check.ok) return null;
  if (check.reason === "notOpen") return t("vote.reason.notOpen");
  if (check.reason === "tooFew") return t("vote.reason.tooFew", { min: check.min, count: check.count });
  return t("vote.reason.tooMany", { max: check.max, count: check.count });
}

export function VoteView({
  data,
  onReload,
  onSearch,
}: {
  data: VoteData;
  onReload: () => void;
  /** The voter started a search (the page then fetches whole descriptions at once if it has only previews). */
  onSearch: () => void;
}) {
  const { voterToken, ticket } = data;
  const tickets = data.round.rules.electorate === "tickets";
  // A first visit shows the round before its voter token is there; the live board connects once it is (in the
  // handshake, so the server knows who may see results), rather than connecting twice.
  const waitingForVoter = data.voterToken === null && data.pendingVoter !== undefined;
  const live = useLiveLeaderboard(data.round.id, { view: "vote" }, { connect: !waitingForVoter });
  // The live notice carries the round's current status and rules; the loaded view carries its options.
  // (A join's summary may be a tick older than the loaded round: the newer of the two wins.)
  const summary =
    live.round?.epoch === data.round.epoch && live.round.revision >= data.round.revision ? live.round : null;
  const round: RoundView = summary ? { ...data.round, ...summary, options: data.round.options } : data.round;
  const board = live.board?.epoch === round.epoch ? live.board : null;

  // A new epoch (reset), an earlier one back (undo reset: `!==`, not `>`) or an edited definition needs the full
  // round again, and this voter's receipt in it.
  const stale =
    (summary !== null && summary.revision > data.round.revision) ||
    (live.round !== null && live.round.epoch !== data.round.epoch) ||
    (live.board !== null && live.board.epoch !== data.round.epoch);
  useEffect(() => {
    if (stale) onReload();
  }, [stale, onReload]);

  const offset = useMemo(() => clockOffset(data.round.serverTime, data.receivedAt), [data]);
  const now = useServerNow(round.rules, offset);
  const phase = votePhase(round.status, round.rules, now);

  const credential = useMemo(
    () => (tickets ? (ticket ? { ticket } : null) : voterToken ? { voterToken } : null),
    [tickets, ticket, voterToken],
  );
  useEffect(() => {
    // A ticket typed on this page (or a new token) names the socket's holder from now on.
    if (credential) setSocketCredential(credential);
  }, [credential]);
  const outbox = useBallotOutbox(round.id, round.epoch, credential, data.receipt);
  const receipt = outbox.state.kind === "recorded" ? outbox.state.receipt : null;
  const fresh = receipt !== null && receipt.ballotId !== data.receipt?.ballotId;
  const { rejoin } = live;
  useEffect(() => {
    if (!fresh) return;
    rejoin(); // having voted may reveal the results ("afterVote")
    // Tell keyboard and screen-reader users the outcome where it is shown.
    document.getElementById("receipt-heading")?.focus();
  }, [fresh, rejoin]);

  const [tab, setTab] = useState<Tab>(phase.kind === "ended" ? "board" : "vote");
  const [rulesOpen, setRulesOpen] = useState(false);
  const online = useOnline();

  const votesById = useMemo(() => {
    if (!board || board.resultsHidden) return null;
    return new Map(board.entries.map((entry) => [entry.optionId, entry.votes]));
  }, [board]);
  const totalVotes = votesById ? [...votesById.values()].reduce((sum, votes) => sum + votes, 0) : null;

  return (
    <article className="vote">
      <header className="vote-header">
        <h1>{round.title}</h1>
        <div className="vote-header-meta">
          <StatusBadge status={round.status} />
          <button type="button" className="link-button" aria-haspopup="dialog" onClick={() => setRulesOpen(true)}>
            {t("vote.rules.heading")} · {t("vote.rules.open")}
          </button>
        </div>
        <dl className="vote-stats" aria-label={t("vote.stats.label")}>
          <div>
            <dt>{t("vote.stats.options")}</dt>
            <dd>{formatNumber(round.options.length)}</dd>
          </div>
          <div>
            <dt>{t("vote.stats.voters")}</dt>
            <dd>{formatNumber(board?.totalBallots ?? round.totalBallots)}</dd>
          </div>
          {/* Kept in place while the first board is on its way when the rules show votes, so nothing shifts. */}
          {(totalVotes !== null || round.rules.resultsVisibility === "always") && (
            <div>
              <dt>{t("vote.stats.votes")}</dt>
              <dd>{totalVotes === null ? "–" : formatNumber(totalVotes)}</dd>
            </div>
          )}
        </dl>
        {round.description.trim() !== "" && <RoundDescription text={round.description} />}
      </header>
      <RulesDialog rules={round.rules} open={rulesOpen} onClose={() => setRulesOpen(false)} />

      <PhaseBanner phase={phase} voted={receipt !== null} onShowBoard={() => setTab("board")} />
      {/* The show (features/show): countdown to closesAt, "Frozen" note. */}
      <PhoneShow round={round} board={board} offsetMs={offset} open={phase.kind === "open"} />
      <ConnectionBanner online={online} connection={live.connection} />

      <Tabs tab={tab} onChange={setTab} />
      {tab === "vote" ? (
        <div role="tabpanel" id="panel-vote" aria-labelledby="tab-vote">
          {tickets && (
            <TicketEntry
              ticket={ticket}
              refused={data.refusedTicket}
              locked={outbox.state.kind === "sending" || outbox.state.kind === "waiting"}
              onUse={(next) => {
                rememberTicket(round.id, next);
                onReload();
              }}
            />
          )}
          {receipt && (
            <BallotReceiptView
              receipt={receipt}
              options={round.options}
              fresh={fresh}
              rules={round.rules}
              onShowBoard={() => setTab("board")}
            />
          )}
          <Ballot
            round={round}
            phase={phase}
            outbox={outbox}
            votesById={votesById}
            votesPending={board === null && round.rules.resultsVisibility === "always"}
            readOnly={receipt !== null || phase.kind === "ended"}
            mine={receipt?.choices}
            needsTicket={tickets && !ticket}
            onSearch={onSearch}
          />
        </div>
      ) : (
        <div role="tabpanel" id="panel-board" aria-labelledby="tab-board">
          <BoardPanel board={board} rules={round.rules} ended={phase.kind === "ended"} error={live.error} />
        </div>
      )}
    </article>
  );
}

function PhaseBanner({ phase, voted, onShowBoard }: { phase: VotePhase; voted: boolean; onShowBoard: () => void }) {
  switch (phase.kind) {
    case "open":
      if (!phase.closesAt || voted) return null;
      return (
        <p className="notice notice-open" role="status">
          {t("vote.banner.closesAt", { time: formatWhen(phase.closesAt) })}
        </p>
      );
    case "upcoming":
      return (
        <div className="notice notice-draft" role="status">
          <p>{t("vote.banner.upcoming")}</p>
          {phase.opensAt && <p>{t("vote.banner.opensAt", { time: formatWhen(phase.opensAt) })}</p>}
        </div>
      );
    case "paused":
      return (
        <p className="notice notice-paused" role="status">
          {t("vote.banner.paused")}
        </p>
      );
    case "ended":
      return (
        <div className="notice notice-closed" role="status">
          <p>{t("vote.banner.closed")}</p>
          <button type="button" className="link-button" onClick={onShowBoard}>
            {t("vote.banner.finalResults")}
          </button>
        </div>
      );
  }
}

function ConnectionBanner({ online, connection }: { online: boolean; connection: ConnectionState }) {
  if (!online) {
    return (
      <p className="notice notice-error" role="status">
        {t("vote.banner.offline")}
      </p>
    );
  }
  if (connection === "disconnected") {
    return (
      <p className="notice notice-paused" role="status">
        {t("vote.banner.reconnecting")}
      </p>
    );
  }
  return null;
}

/** The two views of the round, as an ARIA tab list (arrow keys move between the tabs). */
function Tabs({ tab, onChange }: { tab: Tab; onChange: (tab: Tab) => void }) {
  const tabs: Tab[] = ["vote", "board"];
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
    const next = tabs[(tabs.indexOf(tab) + 1) % tabs.length] as Tab;
    onChange(next);
    document.getElementById(`tab-${next}`)?.focus();
  };
  return (
    <div className="tabs" role="tablist" aria-label={t("vote.tabs.label")} onKeyDown={onKeyDown}>
      {tabs.map((name) => (
        <button
          key={name}
          type="button"
          role="tab"
          id={`tab-${name}`}
          aria-selected={tab === name}
          aria-controls={`panel-${name}`}
          tabIndex={tab === name ? 0 : -1}
          className="tab"
          onClick={() => onChange(name)}
        >
          {t(name === "vote" ? "vote.tab.vote" : "vote.tab.board")}
        </button>
      ))}
    </div>
  );
}

function BoardPanel({
  board,
  rules,
  ended,
  error,
}: {
  board: Leaderboard | null;
  rules: RoundRules;
  ended: boolean;
  error: ApiError | null;
}) {
  if (!board) return error ? <ErrorNotice error={error} /> : <Loading />;
  if (board.resultsHidden) return <ResultsHidden visibility={rules.resultsVisibility} />;
  return (
    <LeaderboardTable
      entries={board.entries}
      totalBallots={board.totalBallots}
      caption={t(ended ? "vote.board.final" : "vote.board.live")}
    />
  );
}

type Outbox = ReturnType<typeof useBallotOutbox>;

/** Search, the options with their checkboxes, the sticky bar with the counter, and the review tray. */
function Ballot({
  round,
  phase,
  outbox,
  votesById,
  votesPending,
  readOnly,
  mine,
  needsTicket,
  onSearch,
}: {
  round: RoundView;
  phase: VotePhase;
  outbox: Outbox;
  votesById: Map<string, number> | null;
  /** The rules show counts but the first live board has not come yet: keep their space (no layout shift). */
  votesPending: boolean;
  readOnly: boolean;
  mine: readonly string[] | undefined;
  /** A tickets round without a ticket yet: picks can be made, not sent. */
  needsTicket: boolean;
  onSearch: () => void;
}) {
  const { minChoices, maxChoices } = round.rules;
  const [selected, setSelected] = useState<readonly string[]>(() => readPicks(round));
  const [query, setQuery] = useState("");
  const [trayOpen, setTrayOpen] = useState(false);
  const searchInput = useRef<HTMLInputElement>(null);

  const storageKey = picksKey(round);
  useEffect(() => {
    writeStored("sessionStorage", storageKey, readOnly ? null : JSON.stringify(selected));
  }, [storageKey, selected, readOnly]);

  // While a ballot is on its way its picks are the ones shown, and they cannot change.
  const pending = outbox.state.kind === "sending" || outbox.state.kind === "waiting" ? outbox.state.ballot : null;
  const shown = mine ?? pending?.choices ?? selected;
  const choices = choicesInOptionOrder(round.options, shown);
  const check = canSubmit(choices, { minChoices, maxChoices }, phase.kind === "open");
  const atMax = choices.length >= maxChoices;

  const onToggle = useCallback(
    (optionId: string) => setSelected((current) => toggleChoice(current, optionId, { minChoices, maxChoices })),
    [minChoices, maxChoices],
  );

  // Typing stays responsive: the list follows the query at lower priority than the input.
  const deferredQuery = useDeferredValue(query);
  const matches = useMemo(() => {
    if (deferredQuery.trim() === "") return null;
    return searchOptions(round.options, parseQuery(deferredQuery));
  }, [round.options, deferredQuery]);
  const visible = useMemo(
    () => matches ?? round.options.map((option) => ({ option, title: undefined, description: undefined })),
    [matches, round.options],
  );
  // The first cards (all a phone shows) render with the page; the rest follow in a background render that React
  // splits into short slices, so a slow phone's main thread is never blocked for long on arrival (Lighthouse TBT).
  const listed = useDeferredValue(visible, visible.slice(0, FIRST_CARDS));

  const byId = new Map(round.options.map((option) => [option.id, option]));
  const pickedOptions = choices.map((id) => byId.get(id)).filter((option) => option !== undefined);

  const confirm = () => {
    if (!check.ok || needsTicket) return;
    setTrayOpen(false);
    outbox.submit(choices);
  };

  return (
    <section className={readOnly ? "ballot" : "ballot ballot-picking"} aria-labelledby="ballot-heading">
      {/* The rule once: a round whose own description already says "choose up to 15" does not hear it again
          (the heading still names the section for screen readers; the picks bar shows "0 / 15" either way). */}
      <h2
        id="ballot-heading"
        className={descriptionStatesMax(round.description, maxChoices) ? "visually-hidden" : "ballot-heading"}
      >
        {picksRuleText(round.rules)}
      </h2>
      <search className={query === "" ? "search" : "search search-active"}>
        <label htmlFor="option-search" className="visually-hidden">
          {t("vote.search.label")}
        </label>
        <input
          ref={searchInput}
          id="option-search"
          type="search"
          value={query}
          placeholder={t("vote.search.placeholder")}
          autoComplete="off"
          enterKeyHint="search"
          onChange={(event) => {
            setQuery(event.target.value);
            onSearch();
          }}
        />
        {query !== "" && (
          <button
            type="button"
            className="search-clear"
            aria-label={t("vote.search.clear")}
            onClick={() => {
              setQuery("");
              searchInput.current?.focus();
            }}
          >
            <span aria-hidden="true">×</span>
          </button>
        )}
      </search>
      <p className="search-count muted" aria-live="polite">
        {matches && t("vote.search.count", { count: matches.length, total: round.options.length })}
      </p>
      {matches?.length === 0 && (
        <p className="notice search-empty">{t("vote.search.none", { query: deferredQuery.trim() })}</p>
      )}
      {/* Busy while the deferred render of the other cards is on its way (tests wait for it too). */}
      <ul className="option-list" aria-busy={listed !== visible}>
        {listed.map((match) => {
          const { option } = match;
          const checked = shown.includes(option.id);
          return (
            <OptionCard
              key={option.id}
              option={option}
              mode={readOnly ? "read" : "pick"}
              checked={checked}
              disabled={pending !== null || isPickDisabled(choices, option.id, { minChoices, maxChoices })}
              votes={votesById ? (votesById.get(option.id) ?? 0) : votesPending ? "pending" : null}
              titleRanges={match.title}
              descriptionRanges={match.description}
              onToggle={onToggle}
            />
          );
        })}
      </ul>

      {!readOnly && (
        <div className="pick-bar">
          <SendStatus state={outbox.state} onRetry={outbox.retryNow} />
          {!pending && (
            <>
              <p className="pick-counter" aria-live="polite">
                <strong>{t("vote.counter", { count: choices.length, max: maxChoices })}</strong>
                {atMax && <span className="pick-hint">{t("vote.maxReached")}</span>}
              </p>
              <div className="pick-actions">
                <button
                  type="button"
                  className="button button-secondary"
                  aria-haspopup="dialog"
                  onClick={() => setTrayOpen(true)}
                >
                  {t("vote.tray.open")}
                </button>
                <button
                  type="button"
                  className="button button-primary"
                  aria-haspopup="dialog"
                  aria-describedby="pick-reason"
                  disabled={!check.ok || needsTicket}
                  onClick={() => setTrayOpen(true)}
                >
                  {t("vote.submit")}
                </button>
              </div>
              {/* Nothing picked yet: the reason ("choose at least 1") still describes the disabled button for
                  screen readers, without a third line on a phone. */}
              <p id="pick-reason" className={choices.length === 0 ? "pick-reason visually-hidden" : "pick-reason"}>
                {reasonText(check, needsTicket)}
              </p>
            </>
          )}
        </div>
      )}
      <PicksTray
        open={trayOpen}
        onClose={() => setTrayOpen(false)}
        picks={pickedOptions}
        onRemove={onToggle}
        reason={reasonText(check, needsTicket)}
        onConfirm={confirm}
      />
    </section>
  );
}

/** "Sending…", "not sent yet, next try in 4 s", or why the server refused; nothing when idle or recorded. */
function SendStatus({ state, onRetry }: { state: OutboxState; onRetry: () => void }) {
  const seconds = useSecondsUntil(state.kind === "waiting" ? state.retryAt : null);
  return (
    <div className="send-status">
      <p aria-live="polite" className={state.kind === "waiting" ? "send-waiting" : undefined}>
        {state.kind === "sending" && t("vote.send.sending")}
        {state.kind === "waiting" && t("vote.send.waiting", { attempt: state.ballot.attempts })}
      </p>
      {state.kind === "waiting" && (
        <>
          <p className="muted">
            {seconds !== null && t("vote.send.nextTry", { seconds })} {t("vote.send.kept")}
          </p>
          <button type="button" className="button" onClick={onRetry}>
            {t("vote.send.retryNow")}
          </button>
        </>
      )}
      {state.kind === "refused" && (
        <div className="notice notice-error" role="alert">
          <p>{t("vote.send.refused")}</p>
          <p>{t(`error.${state.error.code}`)}</p>
        </div>
      )}
    </div>
  );
}
