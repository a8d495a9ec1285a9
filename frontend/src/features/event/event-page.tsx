import { Loading } from "../../components/async-view";
import { useDocumentTitle } from "../../components/use-document-title";
import { VotePage } from "../vote/vote-page";
import { BetweenRounds } from "./between-rounds";
import { te } from "./event-messages";
import { useLiveEvent } from "./use-live-event";
import "./event.css";

/**
 * An event's phone page, `/e/<id>`: the vote page of the event's current round, switched by the server's
 * `event:updated` as the organiser moves on; the between-rounds card while there is no round to vote in.
 */
export function EventPage({ eventId }: { eventId: string }) {
  const { event, error } = useLiveEvent(eventId);
  useDocumentTitle(event?.betweenRounds ? event.title : undefined);

  if (error?.code === "EVENT_NOT_FOUND") {
    return (
      <section className="notice state-screen">
        <h1>{te("event.notFound.title")}</h1>
        <p>{te("event.notFound.body", { id: eventId })}</p>
      </section>
    );
  }
  if (!event) return <Loading />;
  const current = event.betweenRounds ? null : event.current;
  return (
    <div className="event-page" data-event={event.id} data-current={current ?? ""}>
      <p className="event-strip">
        <span className="event-strip-title">{event.title}</span>
        {event.position !== null && (
          <span className="event-strip-position">
            {te("event.position", { position: event.position, count: event.roundCount })}
          </span>
        )}
      </p>
      {/* Keyed by round: the vote page of a new round starts from nothing (its token, receipt, picks). */}
      {current ? <VotePage key={current} roundId={current} /> : <BetweenRounds event={event} />}
    </div>
  );
}
