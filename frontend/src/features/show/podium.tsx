import type { LeaderboardEntry } from "@lb/common";
import { formatNumber } from "../../i18n";
import { tshow } from "./show-messages";

/** The top three after the reveal, second-first-third as on a podium (ties share a step). */
export function Podium({ entries }: { entries: readonly LeaderboardEntry[] }) {
  const top = entries.filter((entry) => entry.rank <= 3).slice(0, 3);
  const [first, second, third] = top;
  const places = [second, first, third].filter((entry): entry is LeaderboardEntry => entry !== undefined);
  return (
    <section className="show-podium" aria-label={tshow("show.podium.title")} data-testid="podium">
      <h2 className="show-podium-title">{tshow("show.podium.title")}</h2>
      <ol className="show-podium-steps">
        {places.map((entry) => (
          <li
            key={entry.optionId}
            className={`show-podium-step show-podium-rank${entry.rank}`}
            data-option={entry.optionId}
            data-rank={entry.rank}
          >
            <span className="show-podium-place">{entry.rank}</span>
            <span className="show-podium-number">{entry.number}</span>
            <span className="show-podium-name">{entry.title}</span>
            <span className="show-podium-votes">
              {tshow("show.podium.votes", { votes: formatNumber(entry.votes) })}
            </span>
          </li>
        ))}
      </ol>
    </section>
  );
}
