import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { request } from "node:http";
import { connect } from "node:net";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";

/** A Redis for the whole test run. */
export interface TestRedis {
  url: string;
  /** Where it came from: only a Redis we started ourselves may ever be wiped. */
  source: "REDIS_URL" | "testcontainers" | "redis-server";
  /** One line for the log. */
  description: string;
  stop(): Promise<void>;
}

/** How long we give a Docker engine to answer `/_ping` before we decide there is none. */
const DOCKER_PING_TIMEOUT_MS = 1_500;

/**
 * Finds a Redis, in this order:
 * 1. `REDIS_URL` when set (never wiped: tests isolate by unique round ids);
 * 2. a `redis:7-alpine` testcontainer when a Docker engine answers quickly;
 * 3. a private `redis-server` from PATH (`startRedisServer` of @lb/backend) in a temporary directory.
 */
export async function provideRedis(env: NodeJS.ProcessEnv = process.env): Promise<TestRedis> {
  const fromEnv = env.REDIS_URL?.trim();
  if (fromEnv) {
    return { url: fromEnv, source: "REDIS_URL", description: `REDIS_URL (${redact(fromEnv)})`, stop: async () => {} };
  }

  const docker = await findDockerEngine(env);
  if (docker) {
    try {
      return await startContainer(docker);
    } catch (error) {
      console.warn(`[tests] Docker engine at ${docker} answered, but the Redis container failed: ${String(error)}`);
    }
  }
  return startPrivateRedisServer(docker ? "container failed" : "no Docker engine");
}

async function startContainer(docker: string): Promise<TestRedis> {
  const { GenericContainer, Wait } = await import("testcontainers");
  const container = await new GenericContainer("redis:7-alpine")
    .withExposedPorts(6379)
    .withWaitStrategy(Wait.forLogMessage("Ready to accept connections"))
    .withStartupTimeout(60_000)
    .start();
  const url = `redis://${container.getHost()}:${container.getMappedPort(6379)}`;
  return {
    url,
    source: "testcontainers",
    description: `testcontainers redis:7-alpine at ${url} (Docker engine ${docker})`,
    async stop() {
      await container.stop();
    },
  };
}

async function startPrivateRedisServer(why: string): Promise<TestRedis> {
  const { startRedisServer } = await import("@lb/backend");
  const dir = await mkdtemp(join(tmpdir(), "lb-tests-redis-"));
  try {
    const server = await startRedisServer({ dir, appendOnly: false });
    return {
      url: server.url,
      source: "redis-server",
      description: `private redis-server at ${redact(server.url)} in ${dir} (${why})`,
      async stop() {
        await server.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Hides the password of a URL (our private redis-server has one) in what we print. */
function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//***@");
}

/**
 * Returns where a Docker engine answered `GET /_ping`, or undefined. Looks where testcontainers looks
 * (DOCKER_HOST, ~/.testcontainers.properties, the usual sockets) but gives each candidate at most
 * {@link DOCKER_PING_TIMEOUT_MS}, so a machine with a docker client and no daemon falls back at once.
 */
export async function findDockerEngine(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const candidates: string[] = [];
  if (env.DOCKER_HOST) candidates.push(env.DOCKER_HOST);
  const properties = join(homedir(), ".testcontainers.properties");
  if (existsSync(properties)) {
    const match = /^\s*docker\.host\s*=\s*(\S+)/m.exec(readFileSync(properties, "utf8"));
    if (match?.[1]) candidates.push(match[1]);
  }
  const uid = process.getuid?.();
  for (const socket of [
    "/var/run/docker.sock",
    env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, "docker.sock") : undefined,
    uid === undefined ? undefined : `/run/user/${uid}/docker.sock`,
    join(homedir(), ".docker", "run", "docker.sock"),
    join(homedir(), ".docker", "desktop", "docker.sock"),
  ]) {
    if (socket && existsSync(socket)) candidates.push(`unix://${socket}`);
  }
  for (const candidate of new Set(candidates)) {
    if (await dockerAnswers(candidate)) return candidate;
  }
  return undefined;
}

function dockerAnswers(host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      resolve(ok);
    };
    const timer = setTimeout(() => {
      cleanup();
      resolve(false);
    }, DOCKER_PING_TIMEOUT_MS);
    let cleanup = () => {};
    if (host.startsWith("unix://") || host.startsWith("/")) {
      const socketPath = host.replace(/^unix:\/\//, "");
      const req = request({ socketPath, path: "/_ping", method: "GET" }, (res) => {
        res.resume();
        done(res.statusCode === 200);
      });
      req.on("error", () => done(false));
      req.end();
      cleanup = () => req.destroy();
      return;
    }
    const match = /^(?:tcp|https?):\/\/([^:/]+):(\d+)/.exec(host);
    if (!match?.[1] || !match[2]) return done(false);
    // A TCP engine may need TLS; reaching its port is enough here, testcontainers does the rest.
    const socket = connect({ host: match[1], port: Number(match[2]) }, () => {
      socket.destroy();
      done(true);
    });
    socket.on("error", () => done(false));
    cleanup = () => socket.destroy();
  });
}
