// tsc compiles only TypeScript; the Lua scripts are read at run time from dist/lua (and a capability's own
// folder, e.g. dist/show).
import { cpSync, readdirSync } from "node:fs";

cpSync(new URL("../src/lua", import.meta.url), new URL("../dist/lua", import.meta.url), { recursive: true });
for (const folder of ["show"]) {
  for (const name of readdirSync(new URL(`../src/${folder}`, import.meta.url))) {
    if (!name.endsWith(".lua")) continue;
    cpSync(new URL(`../src/${folder}/${name}`, import.meta.url), new URL(`../dist/${folder}/${name}`, import.meta.url));
  }
}
