import type { Exclusion, ExclusionRequest, IntegrityReport, RoundView } from "@lb/common";
import { LIMITS } from "@lb/common";
import { type FormEvent, useId, useState } from "react";
import { ErrorNotice, Loading } from "../../components/async-view";
import { formatNumber, t } from "../../i18n";
import { adminApi, asApiRequestError } from "../../lib/api";
import { type AdminMessageKey, adminMessages, ta } from "./admin-messages";
import { useSession } from "./admin-session";
import { useAdminPoll } from "./use-admin-poll";

/** How often the tab asks for a fresh report while it is shown (and the browser tab is visible). */
const INTEGRITY_REFRESH_MS = 3_000;

/** What an "Exclude" click is about to take out, waiting for the organiser's reason. */
interface PendingExclusion {
  selector: Omit<ExclusionRequest, "reason">;
  label: string;
}

const percent = (share: number) => `${(share * 100).toFixed(1)}%`;
const shortHash = (hash: string) => hash.slice(0, 8);

/**
 * The integrity view: where the ballots came from (per network, as keyed hashes), identical pick-sets, the
 * share of single-option ballots, how regular each network's arrivals are, surges, challenges and refusals,
 * live; and reversible exclusions of a network, a pick-set or named ballots.
 */
export function IntegrityPanel({ round }: { round: RoundView }) {
  const session = useSession();
  const [pending, setPending] = useState<PendingExclusion | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const {
    value,
    error,
    reload: refresh,
  } = useAdminPoll(
    async (token, signal) => {
      const [report, exclusions] = await Promise.all([
        adminApi.integrity(round.id, token, signal),
        adminApi.exclusions(round.id, token, signal),
      ]);
      return { report, exclusions };
    },
    INTEGRITY_REFRESH_MS,
    [round.id, round.epoch],
  );
  const report = value?.report ?? null;
  const exclusions = value?.exclusions ?? [];

  const optionLabel = (optionId: string) => {
    const option = round.options.find((candidate) => candidate.id === optionId);
    return option ? `#${option.number} ${option.title}` : optionId;
  };

  async function run(action: () => Promise<string>) {
    setMessage(null);
    try {
      setMessage({ ok: true, text: await action() });
      refresh();
    } catch (caught) {
      session.handleError(caught);
      setMessage({ ok: false, text: t(`error.${asApiRequestError(caught).code}`) });
    }
  }

  const confirmExclusion = (reason: string) => {
    if (!pending) return;
    const { selector } = pending;
    setPending(null);
    void run(async () => {
      const done = await adminApi.exclude(round.id, { reason, ...selector }, session.token);
      return ta("admin.integrity.excluded", { count: formatNumber(done.ballots) });
    });
  };

  const undo = (exclusion: Exclusion) =>
    run(async () => {
      const done = await adminApi.undoExclusion(round.id, exclusion.id, session.token);
      return ta("admin.integrity.restored", { count: formatNumber(done.ballots) });
    });

  if (!report) return error ? <ErrorNotice error={error} onRetry={refresh} /> : <Loading />;

  return (
    <div className="console-integrity" data-testid="integrity-panel">
      <p className="muted">
        {ta(report.scan.truncated ? "admin.integrity.scanTruncated" : "admin.integrity.scan", {
          entries: formatNumber(report.scan.entries),
          limit: formatNumber(report.scan.limit),
        })}
      </p>
      <dl className="console-figures">
        <Figure
          label={ta("admin.integrity.counted")}
          value={formatNumber(report.scan.ballots)}
          testId="integrity-counted"
        />
        <Figure
          label={ta("admin.integrity.excludedNow")}
          value={formatNumber(report.scan.excluded)}
          testId="integrity-excluded"
        />
        <Figure label={ta("admin.integrity.networks")} value={formatNumber(report.networkCount)} />
        <Figure label={ta("admin.integrity.single")} value={percent(report.singleOption.share)} />
        <Figure label={ta("admin.integrity.tokensMinted")} value={formatNumber(report.tokensMinted)} />
        <Figure label={ta("admin.integrity.challengesIssued")} value={formatNumber(report.challenges.issued)} />
        <Figure label={ta("admin.integrity.challengesSolved")} value={formatNumber(report.challenges.solved)} />
      </dl>
      {error && <ErrorNotice error={error} />}
      <div aria-live="polite">
        {message && (
          <p className={`notice ${message.ok ? "notice-ok" : "notice-error"}`} role={message.ok ? "status" : "alert"}>
            {message.text}
          </p>
        )}
      </div>
      {pending && <ExcludeForm pending={pending} onConfirm={confirmExclusion} onCancel={() => setPending(null)} />}

      <h3>{ta("admin.integrity.byNetwork")}</h3>
      <p className="muted">{ta("admin.integrity.byNetworkHelp", { cv: LIMITS.integrityRegularCv })}</p>
      {report.networks.length === 0 ? (
        <p className="muted">{ta("admin.integrity.none")}</p>
      ) : (
        <div className="table-scroll">
          <table className="console-table console-compact" data-testid="integrity-networks">
            <thead>
              <tr>
                <th scope="col">{ta("admin.integrity.col.network")}</th>
                <th scope="col">{ta("admin.integrity.col.ballots")}</th>
                <th scope="col">{ta("admin.integrity.col.minted")}</th>
                <th scope="col">{ta("admin.integrity.col.excluded")}</th>
                <th scope="col">{ta("admin.integrity.col.credentials")}</th>
                <th scope="col">{ta("admin.integrity.col.ips")}</th>
                <th scope="col">{ta("admin.integrity.col.regularity")}</th>
                <th scope="col">{ta("admin.integrity.col.sinceLoad")}</th>
                <th scope="col">
                  <span className="visually-hidden">{ta("admin.integrity.col.action")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {report.networks.map((row) => (
                <tr key={row.network} data-network={row.network} className={row.regular ? "is-flagged" : undefined}>
                  <th scope="row">
                    <code title={row.network}>{shortHash(row.network)}</code>
                  </th>
                  <td className="numeric">{formatNumber(row.ballots)}</td>
                  <td className="numeric">{formatNumber(row.minted)}</td>
                  <td className="numeric">{formatNumber(row.excluded)}</td>
                  <td className="numeric">{formatNumber(row.credentials)}</td>
                  <td className="numeric">{formatNumber(row.ips)}</td>
                  <td>
                    {row.gapCv === null
                      ? "–"
                      : `${row.gapCv.toFixed(2)}${row.regular ? ` · ${ta("admin.integrity.regular")}` : ""}`}
                  </td>
                  <td className="numeric">
                    {row.medianSinceLoadMs === null ? "–" : `${(row.medianSinceLoadMs / 1000).toFixed(1)} s`}
                  </td>
                  <td>
                    <button
                      type="button"
                      className="button button-danger button-small"
                      disabled={row.ballots === 0}
                      onClick={() =>
                        setPending({
                          selector: { network: row.network },
                          label: ta("admin.integrity.networkLabel", {
                            network: shortHash(row.network),
                            count: formatNumber(row.ballots),
                          }),
                        })
                      }
                    >
                      {ta("admin.integrity.exclude")}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h3>{ta("admin.integrity.pickSets")}</h3>
      {report.pickSets.length === 0 ? (
        <p className="muted">{ta("admin.integrity.none")}</p>
      ) : (
        <div className="table-scroll">
          <table className="console-table console-compact" data-testid="integrity-picksets">
            <thead>
              <tr>
                <th scope="col">{ta("admin.integrity.col.picks")}</th>
                <th scope="col">{ta("admin.integrity.col.ballots")}</th>
                <th scope="col">{ta("admin.integrity.col.share")}</th>
                <th scope="col">
                  <span className="visually-hidden">{ta("admin.integrity.col.action")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {report.pickSets.map((row) => (
                <tr key={row.choices.join(",")}>
                  <th scope="row">{row.choices.map(optionLabel).join(" · ")}</th>
                  <td className="numeric">{formatNumber(row.ballots)}</td>
                  <td className="numeric">{percent(row.share)}</td>
                  <td>
                    <button
                      type="button"
                      className="button button-danger button-small"
                      onClick={() =>
                        setPending({
                          selector: { pickSet: row.choices },
                          label: ta("admin.integrity.pickSetLabel", {
                            picks: row.choices.map(optionLabel).join(" · "),
                            count: formatNumber(row.ballots),
                          }),
                        })
                      }
                    >
                      {ta("admin.integrity.exclude")}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h3>{ta("admin.integrity.surges")}</h3>
      <p className="muted">{ta("admin.integrity.surgesHelp", { ratio: LIMITS.integritySurgeRatio })}</p>
      {report.surges.length === 0 ? (
        <p className="muted">{ta("admin.integrity.none")}</p>
      ) : (
        <table className="console-table console-compact" data-testid="integrity-surges">
          <thead>
            <tr>
              <th scope="col">{ta("admin.integrity.col.minute")}</th>
              <th scope="col">{ta("admin.integrity.col.option")}</th>
              <th scope="col">{ta("admin.integrity.col.minuteShare")}</th>
              <th scope="col">{ta("admin.integrity.col.overallShare")}</th>
            </tr>
          </thead>
          <tbody>
            {report.surges.map((row) => (
              <tr key={`${row.minute}-${row.optionId}`}>
                <td>{new Date(row.minute).toLocaleTimeString()}</td>
                <th scope="row">{optionLabel(row.optionId)}</th>
                <td className="numeric">
                  {percent(row.share)} ({formatNumber(row.votes)}/{formatNumber(row.minuteBallots)})
                </td>
                <td className="numeric">{percent(row.overallShare)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h3>{ta("admin.integrity.refusals")}</h3>
      <RefusalTable refusals={report.refusals} />

      <h3>{ta("admin.integrity.ballots")}</h3>
      <BallotIdsForm
        onExclude={(ballotIds) =>
          setPending({
            selector: { ballotIds },
            label: ta("admin.integrity.ballotsLabel", { count: formatNumber(ballotIds.length) }),
          })
        }
      />

      <h3>{ta("admin.integrity.exclusions")}</h3>
      {exclusions.length === 0 ? (
        <p className="muted">{ta("admin.integrity.noExclusions")}</p>
      ) : (
        <table className="console-table console-compact" data-testid="integrity-exclusions">
          <thead>
            <tr>
              <th scope="col">{ta("admin.integrity.col.reason")}</th>
              <th scope="col">{ta("admin.integrity.col.selector")}</th>
              <th scope="col">{ta("admin.integrity.col.ballots")}</th>
              <th scope="col">{ta("admin.integrity.col.when")}</th>
              <th scope="col">
                <span className="visually-hidden">{ta("admin.integrity.col.action")}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {exclusions.map((exclusion) => (
              <tr key={exclusion.id} className={exclusion.undoneAt ? "is-undone" : undefined}>
                <th scope="row">{exclusion.reason}</th>
                <td>{describeSelector(exclusion, optionLabel)}</td>
                <td className="numeric">{formatNumber(exclusion.ballots)}</td>
                <td>
                  {new Date(exclusion.createdAt).toLocaleTimeString()}
                  {exclusion.undoneAt &&
                    ` · ${ta("admin.integrity.undone", { time: new Date(exclusion.undoneAt).toLocaleTimeString() })}`}
                </td>
                <td>
                  {!exclusion.undoneAt && (
                    <button type="button" className="button button-small" onClick={() => undo(exclusion)}>
                      {ta("admin.integrity.undo")}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function Figure({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd data-testid={testId}>{value}</dd>
    </div>
  );
}

function describeSelector(exclusion: Exclusion, optionLabel: (id: string) => string): string {
  const { selector } = exclusion;
  if ("network" in selector) return ta("admin.integrity.selector.network", { network: shortHash(selector.network) });
  if ("pickSet" in selector) {
    return ta("admin.integrity.selector.pickSet", { picks: selector.pickSet.map(optionLabel).join(" · ") });
  }
  return ta("admin.integrity.selector.ballots", { count: formatNumber(selector.ballotIds.length) });
}

function RefusalTable({ refusals }: { refusals: IntegrityReport["refusals"] }) {
  const rows = Object.entries(refusals).filter(([, count]) => (count ?? 0) > 0);
  if (rows.length === 0) return <p className="muted">{ta("admin.live.rejectedNone")}</p>;
  return (
    <table className="console-table console-compact" data-testid="integrity-refusals">
      <tbody>
        {rows.map(([code, count]) => {
          const key = `admin.reject.${code}`;
          return (
            <tr key={code}>
              <th scope="row">
                {key in adminMessages.en ? ta(key as AdminMessageKey) : code} <code className="muted">{code}</code>
              </th>
              <td className="numeric">{formatNumber(count ?? 0)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** The reason is asked for every exclusion: the public board and the CSV show it. */
function ExcludeForm({
  pending,
  onConfirm,
  onCancel,
}: {
  pending: PendingExclusion;
  onConfirm: (reason: string) => void;
  onCancel: () => void;
}) {
  const inputId = useId();
  const [reason, setReason] = useState("");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (reason.trim()) onConfirm(reason.trim());
  };
  return (
    <form className="notice notice-error console-exclude" onSubmit={submit} data-testid="exclude-form">
      <p>{ta("admin.integrity.confirm", { what: pending.label })}</p>
      <label htmlFor={inputId}>{ta("admin.integrity.reason")}</label>
      <div className="inline-fields">
        <input
          id={inputId}
          maxLength={LIMITS.exclusionReasonMaxLength}
          value={reason}
          onChange={(event) => setReason(event.target.value)}
        />
        <button type="submit" className="button button-danger" disabled={!reason.trim()}>
          {ta("admin.integrity.confirmButton")}
        </button>
        <button type="button" className="button button-secondary" onClick={onCancel}>
          {ta("admin.form.cancel")}
        </button>
      </div>
    </form>
  );
}

/** Individual ballots: ids from the audit export (one per line, or separated by spaces or commas). */
function BallotIdsForm({ onExclude }: { onExclude: (ballotIds: string[]) => void }) {
  const inputId = useId();
  const [text, setText] = useState("");
  const ids = [...new Set(text.split(/[\s,]+/).filter(Boolean))];
  const tooMany = ids.length > LIMITS.exclusionMaxBallots;
  return (
    <form
      className="console-ballot-ids"
      onSubmit={(event) => {
        event.preventDefault();
        if (ids.length > 0 && !tooMany) onExclude(ids);
      }}
    >
      <label htmlFor={inputId}>
        {ta("admin.integrity.ballotsHelp", { max: formatNumber(LIMITS.exclusionMaxBallots) })}
      </label>
      <textarea
        id={inputId}
        rows={3}
        spellCheck={false}
        value={text}
        onChange={(event) => setText(event.target.value)}
      />
      <button type="submit" className="button button-danger" disabled={ids.length === 0 || tooMany}>
        {ta("admin.integrity.excludeBallots", { count: formatNumber(ids.length) })}
      </button>
    </form>
  );
}
