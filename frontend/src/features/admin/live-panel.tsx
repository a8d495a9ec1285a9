import { type ClientView, ClientViewSchema, LIMITS, type RoundView } from "@lb/common";
import { ErrorNotice } from "../../components/async-view";
import { formatNumber, t } from "../../i18n";
import { adminApi } from "../../lib/api";
import type { ConnectionState } from "../leaderboard/use-live-leaderboard";
import { type AdminMessageKey, adminMessages, ta } from "./admin-messages";
import { useAdminPoll } from "./use-admin-poll";

/**
 * Connection counts are reported by every backend about every 2 s (PRESENCE_INTERVAL_MS): asking as often keeps
 * the tiles live. The first answer is asked for at once, so no tile shows a made-up zero meanwhile.
 */
const STATS_REFRESH_MS = 2_000;

/** Total ballots (live over the socket), voters, ballots per minute, who is connected and why ballots were refused. */
export function LivePanel({ round, live }: { round: RoundView; live: { connection: ConnectionState } }) {
  const { connection } = live;
  const { value: stats, error } = useAdminPoll(
    (token, signal) => adminApi.stats(round.id, token, round.epoch, signal),
    STATS_REFRESH_MS,
    [round.id, round.epoch],
  );

  const perMinute = stats?.ballotsPerMinute ?? [];
  const lastMinute = perMinute.at(-1)?.ballots ?? 0;
  const rejected = Object.entries(stats?.rejected ?? {}).filter(([, count]) => (count ?? 0) > 0);

  return (
    <div className="console-live" data-testid="live-panel">
      <p className={`connection connection-${connection}`} role="status">
        {t(`board.connection.${connection}`)}
      </p>
      {/* What was voted first, plainly; who has a page open now is another question, asked below. */}
      <dl className="console-figures console-figures-main">
        <div>
          <dt>{ta("admin.live.ballots")}</dt>
          <dd data-testid="live-total">{formatNumber(round.totalBallots)}</dd>
        </div>
        <div>
          <dt>{ta("admin.live.voters")}</dt>
          <dd data-testid="live-voters">{stats ? formatNumber(stats.voters) : "–"}</dd>
        </div>
        <div>
          <dt>{ta("admin.live.lastMinute")}</dt>
          <dd data-testid="live-last-minute">{stats ? formatNumber(lastMinute) : "–"}</dd>
        </div>
      </dl>
      <h3>{ta("admin.live.connectedNow")}</h3>
      <dl className="console-figures">
        {ClientViewSchema.options.map((view) => (
          <div key={view}>
            <dt>{ta(`admin.live.view.${view}`)}</dt>
            <dd data-testid={`connected-${view}`}>{stats ? formatNumber(stats.connected[view as ClientView]) : "–"}</dd>
          </div>
        ))}
      </dl>
      {error && <ErrorNotice error={error} />}
      <h3>{ta("admin.live.perMinute", { minutes: LIMITS.statsWindowMinutes })}</h3>
      <MinuteChart points={perMinute} />
      <h3>{ta("admin.live.rejected")}</h3>
      {rejected.length === 0 ? (
        <p className="muted">{ta("admin.live.rejectedNone")}</p>
      ) : (
        <table className="console-table console-compact">
          <tbody>
            {rejected.map(([code, count]) => (
              <tr key={code}>
                <th scope="row">
                  {rejectionLabel(code)} <code className="muted">{code}</code>
                </th>
                <td className="numeric">{formatNumber(count ?? 0)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function rejectionLabel(code: string): string {
  const key = `admin.reject.${code}`;
  return key in adminMessages.en ? ta(key as AdminMessageKey) : code;
}

/** Ballots per minute as bars, oldest on the left; an SVG sized by its viewBox so it fits any width. */
function MinuteChart({ points }: { points: readonly { minute: string; ballots: number }[] }) {
  const width = 600;
  const height = 120;
  const peak = Math.max(0, ...points.map((point) => point.ballots));
  const scale = Math.max(1, peak);
  const slot = width / Math.max(points.length, 1);
  const label = ta("admin.live.chartLabel", {
    minutes: points.length,
    peak: formatNumber(peak),
    last: formatNumber(points.at(-1)?.ballots ?? 0),
  });
  return (
    <figure className="console-chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label} preserveAspectRatio="none">
        <line x1="0" y1={height - 0.5} x2={width} y2={height - 0.5} className="console-chart-axis" />
        {points.map((point, index) => {
          const barHeight = (point.ballots / scale) * (height - 4);
          return (
            <rect
              key={point.minute}
              x={index * slot + 1}
              y={height - barHeight}
              width={Math.max(slot - 2, 1)}
              height={barHeight}
              className="console-chart-bar"
            >
              <title>{`${new Date(point.minute).toLocaleTimeString()} · ${point.ballots}`}</title>
            </rect>
          );
        })}
      </svg>
      <figcaption className="muted">
        <span>{ta("admin.live.chartStart", { minutes: points.length })}</span>
        <span>{ta("admin.live.chartPeak", { peak: formatNumber(peak) })}</span>
        <span>{ta("admin.live.chartNow")}</span>
      </figcaption>
    </figure>
  );
}
