import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The backend (node backend/dist/main.js, PORT 3000 by default) serves the API and Socket.IO; in dev, Vite
// proxies both so the app always talks to its own origin, exactly as it does when the backend serves dist/.
const backend = "http://127.0.0.1:3000";

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: {
      "/api": backend,
      "/socket.io": { target: backend, ws: true },
    },
  },
  // The manifest tells scripts/check-bundle-size.mjs which chunks the entry loads up front.
  build: { outDir: "dist", manifest: true },
});
