import { AsyncView } from "../../components/async-view";
import { StatusBadge } from "../../components/status-badge";
import { useDocumentTitle } from "../../components/use-document-title";
import { formatNumber, t } from "../../i18n";
import { api } from "../../lib/api";
import { Link } from "../../lib/router";
import { paths } from "../../lib/routes";
import { useAsync } from "../../lib/use-async";

export function HomePage() {
  useDocumentTitle(undefined);
  const rounds = useAsync((signal) => api.listRounds(signal), []);
  return (
    <article>
      <h1>{t("home.heading")}</h1>
      <AsyncView state={rounds.state} onRetry={rounds.reload}>
        {(list) =>
          list.length === 0 ? (
            <p className="muted">{t("home.empty")}</p>
          ) : (
            <ul className="card-list">
              {list.map((round) => (
                <li key={round.id} className="card">
                  <header className="card-header">
                    <h2>
                      <Link href={paths.vote(round.id)}>{round.title}</Link>
                    </h2>
                    <StatusBadge status={round.status} />
                  </header>
                  <p className="muted">
                    {t("round.meta", {
                      options: formatNumber(round.optionCount),
                      ballots: formatNumber(round.totalBallots),
                    })}
                  </p>
                  <p className="links">
                    <Link href={paths.vote(round.id)}>{t("home.vote")}</Link>
                    <Link href={paths.board(round.id)}>{t("home.board")}</Link>
                  </p>
                </li>
              ))}
            </ul>
          )
        }
      </AsyncView>
    </article>
  );
}
