/** The Grafana dashboards and the alert rules, as the checks read them. */
import { listRepoDir, readRepoFile, readYamlDocuments } from "./repo.js";

export interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type: string; uid: string };
  targets?: { refId: string; expr: string; datasource?: { uid: string } }[];
}

export interface TemplateVariable {
  name: string;
  type: string;
  query: string | { query: string };
}

export interface Dashboard {
  file: string;
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: TemplateVariable[] };
}

export const DASHBOARD_DIR = ["monitoring", "grafana", "dashboards"];

export function readDashboards(): Dashboard[] {
  return listRepoDir(...DASHBOARD_DIR)
    .filter((f) => f.endsWith(".json"))
    .map((file) => ({
      file,
      ...(JSON.parse(readRepoFile(...DASHBOARD_DIR, file)) as Omit<Dashboard, "file">),
    }));
}

/** Every PromQL expression of every dashboard panel, with where it is. */
export function dashboardExpressions(): { where: string; expr: string }[] {
  return readDashboards().flatMap((d) =>
    d.panels.flatMap((p) =>
      (p.targets ?? []).map((t) => ({ where: `${d.file} "${p.title}" ${t.refId}`, expr: t.expr })),
    ),
  );
}

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export function readAlertRules(): AlertRule[] {
  const [doc] = readYamlDocuments("monitoring", "alerts.yml") as [{ groups: { rules: AlertRule[] }[] }];
  return doc.groups.flatMap((g) => g.rules);
}
