import { z } from "zod";
import { SHOW_LIMITS } from "./show.js";

// The show's request bodies, apart from show.ts: the voter page imports show.ts, and zod schemas built at module
// load would pull zod into its bundle.

/** `POST /api/rounds/:id/screen-results`. */
export const ScreenResultsRequestSchema = z.strictObject({ hidden: z.boolean() });
export type ScreenResultsRequest = z.infer<typeof ScreenResultsRequestSchema>;

/** `POST /api/rounds/:id/freeze`: now (empty body), or by itself `beforeCloseSeconds` before `closesAt`. */
export const FreezeRequestSchema = z.strictObject({
  beforeCloseSeconds: z.int().min(1).max(SHOW_LIMITS.freezeBeforeMaxSeconds).optional(),
});
export type FreezeRequest = z.infer<typeof FreezeRequestSchema>;

/** `PATCH /api/rounds/:id/show`: the round's countdown warnings and the length of its reveal. */
export const ShowSettingsSchema = z.strictObject({
  countdownWarnings: z
    .array(z.int().min(1).max(SHOW_LIMITS.countdownWarningMaxSeconds))
    .max(SHOW_LIMITS.countdownWarningsMax)
    .optional(),
  revealTop: z.int().min(SHOW_LIMITS.revealTopMin).max(SHOW_LIMITS.revealTopMax).optional(),
  /** One reveal step every N seconds once the organiser has taken the first; null: by hand only. */
  revealPaceSeconds: z
    .int()
    .min(SHOW_LIMITS.revealPaceMinSeconds)
    .max(SHOW_LIMITS.revealPaceMaxSeconds)
    .nullable()
    .optional(),
});
export type ShowSettings = z.infer<typeof ShowSettingsSchema>;
