/**
 * A small Dockerfile reader for the checks in dockerfile.test.ts: instructions with their stage,
 * continuation lines joined and comments dropped, and FROM's ARG defaults resolved. (No Docker
 * engine or hadolint runs here; BuildKit's own parser is Go, so the rules are read directly.)
 */
export interface Instruction {
  keyword: string;
  /** The instruction's arguments as written, continuation lines joined with spaces. */
  args: string;
  /** 0-based index of the stage (FROM) the instruction belongs to; -1 before the first FROM. */
  stage: number;
}

export interface Stage {
  index: number;
  /** The base image, global ARG defaults substituted. */
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

export function parseDockerfile(text: string): { instructions: Instruction[]; stages: Stage[] } {
  const logical: string[] = [];
  let current = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (current === "" && (line === "" || line.startsWith("#"))) continue;
    if (line.startsWith("#")) continue; // a comment inside a continued instruction
    if (line.endsWith("\\")) {
      current += `${line.slice(0, -1).trim()} `;
      continue;
    }
    logical.push((current + line).trim());
    current = "";
  }
  const globals = new Map<string, string>();
  const instructions: Instruction[] = [];
  const stages: Stage[] = [];
  for (const line of logical) {
    const space = line.search(/\s/);
    const keyword = (space < 0 ? line : line.slice(0, space)).toUpperCase();
    const args = space < 0 ? "" : line.slice(space + 1).trim();
    if (keyword === "ARG" && stages.length === 0) {
      const [name, value] = args.split("=");
      if (name !== undefined) globals.set(name, value ?? "");
    }
    if (keyword === "FROM") {
      const [image = "", as, name] = args.split(/\s+/);
      const from = image.replace(
        /\$\{(\w+)\}|\$(\w+)/g,
        (_, a: string, b: string) => globals.get(a ?? b) ?? "",
      );
      stages.push({
        index: stages.length,
        from,
        name: as?.toUpperCase() === "AS" ? name : undefined,
        instructions: [],
      });
    }
    const instruction = { keyword, args, stage: stages.length - 1 };
    instructions.push(instruction);
    stages.at(-1)?.instructions.push(instruction);
  }
  return { instructions, stages };
}

/** The exec-form (JSON array) arguments of CMD, ENTRYPOINT or HEALTHCHECK … CMD; throws on shell form. */
export function execForm(args: string): string[] {
  const json = args.slice(args.indexOf("["));
  const parsed: unknown = JSON.parse(json);
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === "string")) {
    throw new Error(`not an exec-form array: ${args}`);
  }
  return parsed;
}

/** KEY=value pairs of an ENV instruction (the `ENV KEY=value …` form). */
export function envPairs(args: string): [string, string][] {
  return [...args.matchAll(/(\w+)=("[^"]*"|\S+)/g)].map((m) => [
    m[1] ?? "",
    (m[2] ?? "").replace(/^"|"$/g, ""),
  ]);
}
