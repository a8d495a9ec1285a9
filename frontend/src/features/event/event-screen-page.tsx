import type { EventView } from "@lb/common";
import { useEffect, useMemo } from "react";
import { QrCode } from "../../components/qr-code";
import { useDocumentTitle } from "../../components/use-document-title";
import { paths } from "../../lib/routes";
import { useAsync } from "../../lib/use-async";
import { ts } from "../screen/screen-messages";
import { parseScreenOptions, type ScreenTheme } from "../screen/screen-options";
import { LiveScreen } from "../screen/screen-page";
import { BetweenRounds } from "./between-rounds";
import { eventApi } from "./event-api";
import { te } from "./event-messages";
import { useLiveEvent } from "./use-live-event";
import "../screen/screen.css";
import "./event.css";

/**
 * An event's projector, `/e/<id>/screen?key=<event screen key>[&top=N][&theme=dark|light]`: the screen of the
 * event's current round, with that round's own key fetched from the server with the event's key; the
 * between-rounds card while there is none. The socket's `event:updated` says when to fetch again.
 */
export function EventScreenPage({ eventId }: { eventId: string }) {
  const options = useMemo(() => parseScreenOptions(window.location.search), []);
  if (!options.screenKey) return <EventScreenProblem theme={options.theme} title={ts("screen.key.title")} />;
  return <EventScreen eventId={eventId} screenKey={options.screenKey} top={options.top} theme={options.theme} />;
}

function EventScreenProblem({ theme, title, body }: { theme: ScreenTheme; title: string; body?: string }) {
  useDocumentTitle(title);
  return (
    <div className={`screen screen-${theme} screen-problem`} role="alert">
      <h1>{title}</h1>
      <p>{body ?? ts("screen.key.body")}</p>
    </div>
  );
}

function EventScreen({
  eventId,
  screenKey,
  top,
  theme,
}: {
  eventId: string;
  screenKey: string;
  top: number;
  theme: ScreenTheme;
}) {
  const live = useLiveEvent(eventId);
  // What the projector shows changes with these; anything else in the public view (a round's count) does not.
  const trigger = live.event ? `${live.event.version}|${live.event.current}|${live.event.betweenRounds}` : "";
  const screen = useAsync((signal) => eventApi.getScreen(eventId, screenKey, signal), [eventId, screenKey]);
  // A reload, not new deps: the projector keeps the board it shows until the next one has arrived.
  const { reload } = screen;
  // biome-ignore lint/correctness/useExhaustiveDependencies: read the screen again when the trigger changes.
  useEffect(() => {
    if (trigger) reload();
  }, [trigger]);

  if (screen.state.status === "failed") {
    const { code } = screen.state.error;
    if (code === "INVALID_SCREEN_KEY") return <EventScreenProblem theme={theme} title={ts("screen.key.title")} />;
    if (code === "EVENT_NOT_FOUND") {
      return (
        <EventScreenProblem
          theme={theme}
          title={te("event.notFound.title")}
          body={te("event.notFound.body", { id: eventId })}
        />
      );
    }
  }
  if (screen.state.status !== "done") return <div className={`screen screen-${theme}`} aria-busy="true" />;
  const { event, roundScreenKey } = screen.state.value;
  if (event.betweenRounds || event.current === null || roundScreenKey === null) {
    return <BetweenRoundsScreen event={event} theme={theme} />;
  }
  return (
    <LiveScreen
      key={event.current}
      roundId={event.current}
      screenKey={roundScreenKey}
      top={top}
      theme={theme}
      votePath={paths.event(eventId)}
    />
  );
}

/** The whole projector between rounds: the card, and the event's QR code so phones are ready for the next round. */
function BetweenRoundsScreen({ event, theme }: { event: EventView; theme: ScreenTheme }) {
  useDocumentTitle(event.title);
  const url = new URL(paths.event(event.id), window.location.origin);
  return (
    <div className={`screen screen-${theme} event-screen-between`} data-between-rounds="true">
      <BetweenRounds event={event} />
      <figure className="screen-qr">
        <QrCode className="screen-qr-code" text={url.href} label={ts("screen.scan")} />
        <figcaption>
          <strong>{ts("screen.scan")}</strong>
          <span className="screen-url">{`${url.host}${url.pathname}`}</span>
        </figcaption>
      </figure>
    </div>
  );
}
