import { lazy, Suspense, useEffect, useRef } from "react";
import { Loading } from "./components/async-view";
import { LanguageSwitch } from "./components/language-switch";
import { useDocumentTitle } from "./components/use-document-title";
import { HomePage } from "./features/home/home-page";
import { LeaderboardPage } from "./features/leaderboard/leaderboard-page";
import { VotePage } from "./features/vote/vote-page";
import { t, useLocale } from "./i18n";
import { Link, usePathname } from "./lib/router";
import { matchRoute, pageKey, paths, type Route } from "./lib/routes";

// The organiser console and the projector screen load on demand, so voters' phones never download them (nor the
// QR code library they use).
const AdminPage = lazy(() => import("./features/admin/admin-page").then((m) => ({ default: m.AdminPage })));
// Verifiable receipts: the "verify my ballot" page, on demand too.
const VerifyPage = lazy(() => import("./features/verify/verify-page").then((m) => ({ default: m.VerifyPage })));
const ScreenPage = lazy(() => import("./features/screen/screen-page").then((m) => ({ default: m.ScreenPage })));
// Events of many rounds: the phone page (which shows the vote page) and the projector, on demand too.
const EventPage = lazy(() => import("./features/event/event-page").then((m) => ({ default: m.EventPage })));
const EventScreenPage = lazy(() =>
  import("./features/event/event-screen-page").then((m) => ({ default: m.EventScreenPage })),
);

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
      return (
        <Suspense fallback={<Loading />}>
          <AdminPage roundId={route.roundId} tab={route.tab} />
        </Suspense>
      );
    case "verify":
      return (
        <Suspense fallback={<Loading />}>
          <VerifyPage roundId={route.roundId} />
        </Suspense>
      );
    case "event":
      return (
        <Suspense fallback={<Loading />}>
          <EventPage eventId={route.eventId} />
        </Suspense>
      );
    case "notFound":
      return <NotFoundPage />;
    case "screen":
    case "eventScreen":
      return null; // rendered by App without the site chrome
  }
}

export function App() {
  const pathname = usePathname();
  useLocale(); // re-render every page when the language switch is used
  const main = useRef<HTMLElement>(null);
  const firstRender = useRef(true);
  const route = matchRoute(pathname);
  // The console's rounds and tabs are one page: moving between them keeps its state and focus.
  const key = pageKey(route, pathname);

  // After an in-app navigation, put focus at the start of the new page (as a full page load would).
  // biome-ignore lint/correctness/useExhaustiveDependencies: the effect must run when the page changes.
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    main.current?.focus();
  }, [key]);

  // The projector screen fills the whole window: no site header, no page margins.
  if (route.page === "eventScreen") {
    return (
      <Suspense fallback={null}>
        <EventScreenPage key={pathname} eventId={route.eventId} />
      </Suspense>
    );
  }
  if (route.page === "screen") {
    return (
      <Suspense fallback={null}>
        <ScreenPage key={pathname} roundId={route.roundId} />
      </Suspense>
    );
  }

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
          <LanguageSwitch />
        </nav>
      </header>
      {/* Keyed by page so that each page starts with fresh state. */}
      <main id="main" ref={main} tabIndex={-1} key={key}>
        <Page route={route} />
      </main>
    </>
  );
}
