import type { FreezeRequest, ShowResponse, ShowSettings } from "@lb/common";
import { request } from "../../lib/api";

const base = (roundId: string) => `/api/rounds/${encodeURIComponent(roundId)}`;
const auth = (adminToken: string) => ({ Authorization: `Bearer ${adminToken}` });
const post = (path: string, adminToken: string, body?: unknown) =>
  request<ShowResponse>(path, { method: "POST", headers: auth(adminToken), body });

/** The organiser's show calls (backend/src/show/show.routes.ts); screens and phones only follow the board. */
export const showApi = {
  state: (roundId: string, adminToken: string, signal?: AbortSignal) =>
    request<ShowResponse>(`${base(roundId)}/show`, { headers: auth(adminToken), signal }),
  setScreenResultsHidden: (roundId: string, hidden: boolean, adminToken: string) =>
    post(`${base(roundId)}/screen-results`, adminToken, { hidden }),
  freeze: (roundId: string, adminToken: string, body: FreezeRequest = {}) =>
    post(`${base(roundId)}/freeze`, adminToken, body),
  unfreeze: (roundId: string, adminToken: string) => post(`${base(roundId)}/unfreeze`, adminToken),
  revealNext: (roundId: string, adminToken: string) => post(`${base(roundId)}/reveal/next`, adminToken),
  settings: (roundId: string, settings: ShowSettings, adminToken: string) =>
    request<ShowResponse>(`${base(roundId)}/show`, { method: "PATCH", headers: auth(adminToken), body: settings }),
};
