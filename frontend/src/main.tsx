// First: zod must be configured before any schema exists (see zod-config.ts).
import "./zod-config";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app";
import { locale } from "./i18n";
import "./styles.css";

document.documentElement.lang = locale;

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root element");
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
