import { z } from "zod";

// Imported first by main.tsx, before @lb/common builds its schemas: zod decides when a schema is built whether
// to compile parsers with `new Function`, and probing for that breaks the pages' Content-Security-Policy (no
// 'unsafe-eval'), which the browser reports on every load. The parsers without it are plenty fast for a page.
z.config({ jitless: true });
