import type { ApiError, EventView } from "@lb/common";
import { useEffect, useState } from "react";
import { getSocket } from "../../lib/socket";

export interface LiveEvent {
  /** The event as the public sees it, or null until the first answer. */
  event: EventView | null;
  /** The last `event:join` error (EVENT_NOT_FOUND), cleared by the next good answer. */
  error: ApiError | null;
}

/**
 * Follows an event over the tab's one socket: joins on every (re)connect and takes each `event:updated`, so a
 * page learns at once when the organiser moves on to another round.
 */
export function useLiveEvent(eventId: string): LiveEvent {
  const [event, setEvent] = useState<EventView | null>(null);
  const [error, setError] = useState<ApiError | null>(null);

  useEffect(() => {
    const socket = getSocket();
    let disposed = false;
    const join = () => {
      if (!socket.connected) return; // the "connect" handler joins
      socket.emit("event:join", { eventId }, (result) => {
        if (disposed) return;
        if ("error" in result) {
          setError(result.error);
          return;
        }
        setEvent(result.ok);
        setError(null);
      });
    };
    const onUpdated = (view: EventView) => {
      if (view.id === eventId) setEvent(view);
    };
    const onDisconnect = (reason: string) => {
      // A projector must come back by itself when a backend shuts down during a deploy.
      if (reason === "io server disconnect") socket.connect();
    };
    socket.on("connect", join);
    socket.on("disconnect", onDisconnect);
    socket.on("event:updated", onUpdated);
    if (socket.connected) join();
    else socket.connect();
    return () => {
      disposed = true;
      socket.off("connect", join);
      socket.off("disconnect", onDisconnect);
      socket.off("event:updated", onUpdated);
      if (socket.connected) socket.emit("event:leave", { eventId });
    };
  }, [eventId]);

  return { event, error };
}
