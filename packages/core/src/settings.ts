/**
 * The building blocks of the configuration schema: a setting has a type, a default, the
 * environment variable that sets it, a one-line doc, and whether it is a secret.
 */
import { z } from "zod";

export interface Setting<T> {
  readonly kind: "setting";
  readonly schema: z.ZodType<T>;
  readonly default: T;
  readonly env: string;
  readonly doc: string;
  readonly secret: boolean;
  /** Turns an environment variable's text into a value for `schema`. */
  readonly fromEnv: (raw: string) => unknown;
}

export type SettingTree = { readonly [key: string]: Setting<unknown> | SettingTree };

/** The typed configuration a tree of settings describes. */
export type ConfigOf<T> = T extends Setting<infer V> ? V : { readonly [K in keyof T]: ConfigOf<T[K]> };

function make<T>(
  schema: z.ZodType<T>,
  def: T,
  env: string,
  doc: string,
  fromEnv: (raw: string) => unknown,
  secret = false,
): Setting<T> {
  return { kind: "setting", schema, default: def, env, doc, secret, fromEnv };
}

const asNumber = (raw: string): unknown => (raw.trim() === "" ? raw : Number(raw));

export const str = (def: string, env: string, doc: string) => make(z.string(), def, env, doc, (r) => r);

export const secret = (env: string, doc: string) => make(z.string(), "", env, doc, (r) => r, true);

export const int = (def: number, env: string, doc: string, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  make(z.number().int().min(min).max(max), def, env, doc, asNumber);

export const num = (def: number, env: string, doc: string, min = 0, max = Number.MAX_VALUE) =>
  make(z.number().min(min).max(max), def, env, doc, asNumber);

export const port = (def: number, env: string, doc: string) => int(def, env, doc, 0, 65535);

export const bool = (def: boolean, env: string, doc: string) =>
  make(z.boolean(), def, env, doc, (raw) => {
    const v = raw.trim().toLowerCase();
    if (["1", "true", "yes", "on"].includes(v)) return true;
    if (["0", "false", "no", "off"].includes(v)) return false;
    return raw;
  });

export const oneOf = <const V extends readonly [string, ...string[]]>(
  values: V,
  def: V[number],
  env: string,
  doc: string,
) => make(z.enum(values) as unknown as z.ZodType<V[number]>, def, env, doc, (r) => r.trim());

/** A comma-separated list in the environment, an array in a config file. */
export const list = (def: string[], env: string, doc: string, isSecret = false) =>
  make(
    z.array(z.string()),
    def,
    env,
    doc,
    (r) =>
      r
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
    isSecret,
  );

export function isSetting(node: unknown): node is Setting<unknown> {
  return typeof node === "object" && node !== null && (node as { kind?: unknown }).kind === "setting";
}

/** Every setting of a tree with its dotted path, in declaration order. */
export function flattenSettings(
  tree: SettingTree,
  prefix = "",
): { path: string; setting: Setting<unknown> }[] {
  return Object.entries(tree).flatMap(([key, node]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return isSetting(node) ? [{ path, setting: node }] : flattenSettings(node, path);
  });
}

/** A list whose items must each be one of `values` (comma-separated in the environment). */
export const listOf = <const V extends readonly [string, ...string[]]>(
  values: V,
  def: V[number][],
  env: string,
  doc: string,
) =>
  make(z.array(z.enum(values)) as unknown as z.ZodType<V[number][]>, def, env, doc, (r) =>
    r
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  );
