import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, constants, readFileSync } from "node:fs";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../bench/bench-support.js";

/** The load balancer's config as shipped: an nginx `http { }` fragment with `${LB_*}` placeholders. */
export const nginxTemplate = fileURLToPath(new URL("../../infra/nginx.conf.template", import.meta.url));

/** How long nginx may take to accept connections on its port, and to exit after SIGTERM. */
const NGINX_START_TIMEOUT_MS = 10_000;
const NGINX_STOP_TIMEOUT_MS = 5_000;

/** Debian's nginx (`nginx` on PATH, or /usr/sbin/nginx, which is not on a normal user's PATH), if installed. */
export function nginxBinary(): string | undefined {
  const candidates = [
    ...(process.env.PATH ?? "").split(path.delimiter).map((dir) => path.join(dir, "nginx")),
    "/usr/sbin/nginx",
  ];
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

/** Why the nginx tests are skipped, or undefined when they can run. */
export function nginxMissing(): string | undefined {
  return nginxBinary() ? undefined : "nginx is not installed (Debian: apt-get install nginx; .ci/run installs it)";
}

/**
 * The template with its `${NAME}` placeholders replaced, as envsubst does for the variables it is given (the
 * official nginx image's templates). nginx's own variables (`$http_upgrade`) are left alone; a placeholder
 * without a value is an error, not an empty string.
 */
export function renderNginxTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\$\{([A-Z0-9_]+)\}/g, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no value for \${${name}} in the nginx template`);
    return value;
  });
}

/** The `server` lines of the upstream for backends at `host:port` addresses, as the README recommends them. */
export function upstreamServers(addresses: readonly string[]): string {
  // max_fails=1: one refused connect takes a killed backend out of the hash for fail_timeout, so its clients
  // go to the others at once instead of trying it again on every request.
  return addresses.map((address) => `server ${address} max_fails=1 fail_timeout=10s;`).join("\n  ");
}

export interface RunningNginx {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  dir: string;
  child: ChildProcess;
  /** nginx's error log so far (for failure messages). */
  errorLog(): string;
  /** nginx's access log so far: time, status, duration, upstream(s) and their statuses, request, route cookie. */
  accessLog(): string;
  /** SIGTERM (SIGKILL after a while), then removes the temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts Debian's nginx in the foreground (`daemon off`, one worker) on a free port of 127.0.0.1, in front of the
 * backends at `upstreams` (`127.0.0.1:<port>`), with infra/nginx.conf.template rendered into a temp dir. The
 * main config around it puts the pid file, logs and temp paths in that dir too, so nothing of the system's
 * nginx is touched. Resolves once nginx accepts connections.
 */
export async function startNginx(upstreams: readonly string[]): Promise<RunningNginx> {
  const binary = nginxBinary();
  if (!binary) throw new Error(nginxMissing());
  const dir = await mkdtemp(path.join(tmpdir(), "lb-tests-nginx-"));
  // nginx's workers run as `nobody` when the tests run as root: they must reach the temp paths.
  await chmod(dir, 0o755);
  const port = await freePort();
  const fragment = renderNginxTemplate(readFileSync(nginxTemplate, "utf8"), {
    LB_LISTEN: `127.0.0.1:${port}`,
    LB_UPSTREAM_SERVERS: upstreamServers(upstreams),
  });
  await writeFile(path.join(dir, "leaderboard.conf"), fragment);
  const temp = (name: string) => path.join(dir, name);
  await writeFile(
    path.join(dir, "nginx.conf"),
    [
      "daemon off;",
      "worker_processes 1;",
      `pid ${temp("nginx.pid")};`,
      `error_log ${temp("error.log")} warn;`,
      "events { worker_connections 1024; }",
      "http {",
      // Where each request went and how it ended, for failure messages (accessLog).
      "  log_format lb '$msec $connection $status $request_time $request_length $bytes_sent $upstream_addr $upstream_status \"$request\" $cookie_lb_route';",
      `  access_log ${temp("access.log")} lb;`,
      `  client_body_temp_path ${temp("client_body")};`,
      `  proxy_temp_path ${temp("proxy")};`,
      `  fastcgi_temp_path ${temp("fastcgi")};`,
      `  uwsgi_temp_path ${temp("uwsgi")};`,
      `  scgi_temp_path ${temp("scgi")};`,
      `  include ${temp("leaderboard.conf")};`,
      "}",
      "",
    ].join("\n"),
  );
  // -e: the error log before the config is read (else nginx tries /var/log/nginx/error.log first).
  const child = spawn(binary, ["-p", dir, "-c", temp("nginx.conf"), "-e", temp("error.log")], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  child.stdout?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<string>((resolve) => {
    child.once("exit", (code, signal) => resolve(signal ? `signal ${signal}` : `code ${code}`));
    child.once("error", (error) => resolve(error.message));
  });
  const readLog = (name: string) => () => {
    try {
      return readFileSync(temp(name), "utf8");
    } catch {
      return "";
    }
  };
  const errorLog = readLog("error.log");
  const accessLog = readLog("access.log");
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), NGINX_STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    })();
    return stopping;
  };
  try {
    await Promise.race([
      acceptsConnections(port, NGINX_START_TIMEOUT_MS),
      exited.then((how) => {
        throw new Error(`nginx exited (${how}) before it listened:\n${output.join("")}\n${errorLog()}`);
      }),
    ]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `http://127.0.0.1:${port}`, port, dir, child, errorLog, accessLog, stop };
}

/**
 * Resolves once a TCP connect to the port succeeds. nginx says nothing when it is ready, so this tries again after
 * each refused connect (each try is an event: the refusal), up to `timeoutMs`.
 */
async function acceptsConnections(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nginx did not accept connections on ${port} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
