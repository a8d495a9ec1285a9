export * from "./errors.js";
export * from "./events.js";
export * from "./integrity.js";
export * from "./leaderboard.js";
export * from "./lifecycle.js";
export * from "./limits.js";
export * from "./schemas.js";
export * from "./visibility.js";
