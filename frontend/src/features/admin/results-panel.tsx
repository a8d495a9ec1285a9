import type { Leaderboard, RoundView } from "@lb/common";
import { useId, useState } from "react";
import { AsyncView } from "../../components/async-view";
import { formatNumber, t } from "../../i18n";
import { adminApi, api, asApiRequestError } from "../../lib/api";
import { useAsync } from "../../lib/use-async";
import { LeaderboardTable } from "../leaderboard/leaderboard-table";
import { HistoryPanel } from "../replay/history-panel";
import { ta } from "./admin-messages";
import { saveFile, useSession } from "./admin-session";

/** Results of any epoch (the current one live), with the CSV and audit exports of that epoch. */
export function ResultsPanel({ round, liveBoard }: { round: RoundView; liveBoard: Leaderboard | null }) {
  const session = useSession();
  const selectId = useId();
  const [epoch, setEpoch] = useState(round.epoch);
  const [error, setError] = useState<string | null>(null);
  const isLive = epoch === round.epoch && liveBoard?.epoch === epoch;
  const archived = useAsync(
    (signal) =>
      isLive ? Promise.resolve(null) : api.getLeaderboard(round.id, { adminToken: session.token, epoch }, signal),
    [round.id, epoch, isLive],
  );

  const download = async (file: "results.csv" | "audit") => {
    setError(null);
    try {
      const blob = await adminApi.download(round.id, file, session.token, epoch);
      saveFile(blob, `${round.id}-epoch-${epoch}-${file === "audit" ? "audit.ndjson" : "results.csv"}`);
    } catch (caught) {
      session.handleError(caught);
      setError(t(`error.${asApiRequestError(caught).code}`));
    }
  };

  const epochs = Array.from({ length: round.epoch }, (_, i) => round.epoch - i);
  return (
    <div className="console-results">
      <div className="inline-fields">
        <label htmlFor={selectId}>{ta("admin.results.epoch")}</label>
        <select id={selectId} value={epoch} onChange={(event) => setEpoch(Number(event.target.value))}>
          {epochs.map((n) => (
            <option key={n} value={n}>
              {n === round.epoch
                ? ta("admin.results.current", { epoch: n })
                : ta("admin.results.archived", { epoch: n })}
            </option>
          ))}
        </select>
        <button type="button" className="button" onClick={() => download("results.csv")}>
          {ta("admin.results.csv")}
        </button>
        <button type="button" className="button" onClick={() => download("audit")}>
          {ta("admin.results.audit")}
        </button>
      </div>
      {error && (
        <p className="notice notice-error" role="alert">
          {error}
        </p>
      )}
      {isLive && liveBoard ? (
        <ResultsTable board={liveBoard} />
      ) : (
        <AsyncView state={archived.state} onRetry={archived.reload}>
          {(board) => (board ? <ResultsTable board={board} /> : null)}
        </AsyncView>
      )}
      {/* Replay, time travel and verifiable receipts (features/replay). */}
      <HistoryPanel round={round} />
    </div>
  );
}

function ResultsTable({ board }: { board: Leaderboard }) {
  return (
    <>
      <p className="muted">
        {ta("admin.results.summary", { epoch: board.epoch, ballots: formatNumber(board.totalBallots) })}
      </p>
      <div className="table-scroll" data-testid="results-table" data-epoch={board.epoch}>
        <LeaderboardTable entries={board.entries} totalBallots={board.totalBallots} />
      </div>
    </>
  );
}
