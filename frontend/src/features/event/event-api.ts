import type {
  EventCreate,
  EventImported,
  EventImportInput,
  EventPatch,
  EventScreenKeyResponse,
  EventScreenView,
  EventView,
} from "@lb/common";
import { request } from "../../lib/api";

const eventPath = (eventId: string) => `/api/events/${encodeURIComponent(eventId)}`;
const adminHeaders = (adminToken: string) => ({ Authorization: `Bearer ${adminToken}` });

/** Events of many rounds: the public's and the projector's calls. */
export const eventApi = {
  getEvent(eventId: string, signal?: AbortSignal): Promise<EventView> {
    return request<EventView>(eventPath(eventId), { signal });
  },

  /** The projector's view (drafts' titles for the "next round" card) and the current round's own screen key. */
  getScreen(eventId: string, screenKey: string, signal?: AbortSignal): Promise<EventScreenView> {
    return request<EventScreenView>(`${eventPath(eventId)}/screen`, { headers: { "X-Screen-Key": screenKey }, signal });
  },
};

/** The organiser's event calls; each needs the admin token. */
export const eventAdminApi = {
  async list(adminToken: string, signal?: AbortSignal): Promise<EventView[]> {
    const { events } = await request<{ events: EventView[] }>("/api/events", {
      headers: adminHeaders(adminToken),
      signal,
    });
    return events;
  },
  create(input: EventCreate, adminToken: string): Promise<EventView> {
    return request<EventView>("/api/events", { method: "POST", body: input, headers: adminHeaders(adminToken) });
  },
  importFile(file: EventImportInput, adminToken: string): Promise<EventImported> {
    return request<EventImported>("/api/events/import", {
      method: "POST",
      body: file,
      headers: adminHeaders(adminToken),
    });
  },
  update(eventId: string, patch: EventPatch, adminToken: string): Promise<EventView> {
    return request<EventView>(eventPath(eventId), { method: "PATCH", body: patch, headers: adminHeaders(adminToken) });
  },
  setCurrent(eventId: string, roundId: string, adminToken: string): Promise<EventView> {
    return request<EventView>(`${eventPath(eventId)}/current`, {
      method: "POST",
      body: { roundId },
      headers: adminHeaders(adminToken),
    });
  },
  next(eventId: string, adminToken: string): Promise<EventView> {
    return request<EventView>(`${eventPath(eventId)}/next`, { method: "POST", headers: adminHeaders(adminToken) });
  },
  async remove(eventId: string, adminToken: string): Promise<void> {
    await request<null>(eventPath(eventId), { method: "DELETE", headers: adminHeaders(adminToken) });
  },
  screenKey(eventId: string, adminToken: string, renew = false): Promise<EventScreenKeyResponse> {
    return request<EventScreenKeyResponse>(`${eventPath(eventId)}/screen-key`, {
      method: renew ? "POST" : "GET",
      headers: adminHeaders(adminToken),
    });
  },
};
