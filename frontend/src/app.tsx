import { useEffect, useRef } from "react";
import { useDocumentTitle } from "./components/use-document-title";
import { AdminPage } from "./features/admin/admin-page";
import { HomePage } from "./features/home/home-page";
import { LeaderboardPage } from "./features/leaderboard/leaderboard-page";
import { VotePage } from "./features/vote/vote-page";
import { t } from "./i18n";
import { Link, usePathname } from "./lib/router";
import { matchRoute, paths, type Route } from "./lib/routes";

function NotFoundPage() {
  useDocumentTitle(t("notFound.title"));
  return (
    <section className="notice">
      <h1>{t("notFound.title")}</h1>
      <p>{t("notFound.body")}</p>
      <p>
        <Link href={paths.home()}>{t("notFound.home")}</Link>
      </p>
    </section>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case "home":
      return <HomePage />;
    case "vote":
      return <VotePage roundId={route.roundId} />;
    case "board":
      return <LeaderboardPage roundId={route.roundId} />;
    case "admin":
      return <AdminPage />;
    case "notFound":
      return <NotFoundPage />;
  }
}

export function App() {
  const pathname = usePathname();
  const main = useRef<HTMLElement>(null);
  const firstRender = useRef(true);

  // After an in-app navigation, put focus at the start of the new page (as a full page load would).
  // biome-ignore lint/correctness/useExhaustiveDependencies: the effect must run when the path changes.
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    main.current?.focus();
  }, [pathname]);

  return (
    <>
      <a className="skip-link" href="#main">
        {t("app.skipToContent")}
      </a>
      <header className="site-header">
        <nav className="site-nav">
          <Link href={paths.home()} className="brand">
            {t("app.title")}
          </Link>
          <Link href={paths.admin()}>{t("nav.admin")}</Link>
        </nav>
      </header>
      {/* Keyed by path so that each page starts with fresh state. */}
      <main id="main" ref={main} tabIndex={-1} key={pathname}>
        <Page route={matchRoute(pathname)} />
      </main>
    </>
  );
}
