/**
 * Conditions in `next: {if: …}`: comparisons of paths and literals joined by && and ||, e.g.
 * `steps.review.result.verdict == 'request_changes'`. Parsed once when a definition is loaded
 * (so a bad condition is rejected with the definition), evaluated with no access to anything but
 * the run's input and outputs. Hand-written: the grammar is a dozen lines and its paths must be
 * checked against the definition, which general expression libraries cannot do.
 */
import { checkPath, type Path, parsePath, resolvePath, type TemplateScope } from "./template.js";

type Operand = { kind: "path"; path: Path } | { kind: "literal"; value: unknown };
export type Condition =
  | { kind: "compare"; op: "==" | "!=" | "<" | "<=" | ">" | ">="; left: Operand; right: Operand }
  | { kind: "truthy"; operand: Operand; negate: boolean }
  | { kind: "and" | "or"; left: Condition; right: Condition };

const TOKEN =
  /\s*(&&|\|\||==|!=|<=|>=|<|>|!|\(|\)|'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|[A-Za-z_][A-Za-z0-9_.-]*)/y;

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  let at = 0;
  while (at < text.length) {
    if (text.slice(at).trim() === "") break;
    TOKEN.lastIndex = at;
    const m = TOKEN.exec(text);
    if (!m) throw new Error(`unexpected "${text.slice(at).trim().slice(0, 20)}"`);
    tokens.push(m[1] ?? "");
    at = TOKEN.lastIndex;
  }
  return tokens;
}

/** Parses a condition; throws an Error naming the problem. `{{…}}` around it is allowed. */
export function parseCondition(source: string): Condition {
  const text = source.trim().replace(/^\{\{([\s\S]*)\}\}$/, "$1");
  const tokens = tokenize(text);
  let i = 0;
  const peek = () => tokens[i];
  const take = () => {
    const t = tokens[i++];
    if (t === undefined) throw new Error("the condition ends too early");
    return t;
  };
  const operand = (): Operand => {
    const t = take();
    if (/^['"]/.test(t)) return { kind: "literal", value: t.slice(1, -1).replace(/\\(.)/g, "$1") };
    if (/^-?\d/.test(t)) return { kind: "literal", value: Number(t) };
    if (t === "true" || t === "false") return { kind: "literal", value: t === "true" };
    if (t === "null") return { kind: "literal", value: null };
    if (/^[A-Za-z_]/.test(t)) return { kind: "path", path: parsePath(t) };
    throw new Error(`expected a path or a value, got "${t}"`);
  };
  const primary = (): Condition => {
    if (peek() === "(") {
      take();
      const inner = or();
      if (take() !== ")") throw new Error('missing ")"');
      return inner;
    }
    if (peek() === "!") {
      take();
      return { kind: "truthy", operand: operand(), negate: true };
    }
    const left = operand();
    const op = peek();
    if (op === "==" || op === "!=" || op === "<" || op === "<=" || op === ">" || op === ">=") {
      take();
      return { kind: "compare", op, left, right: operand() };
    }
    return { kind: "truthy", operand: left, negate: false };
  };
  const and = (): Condition => {
    let left = primary();
    while (peek() === "&&") {
      take();
      left = { kind: "and", left, right: primary() };
    }
    return left;
  };
  const or = (): Condition => {
    let left = and();
    while (peek() === "||") {
      take();
      left = { kind: "or", left, right: and() };
    }
    return left;
  };
  if (tokens.length === 0) throw new Error("the condition is empty");
  const condition = or();
  if (i < tokens.length) throw new Error(`unexpected "${tokens[i]}"`);
  return condition;
}

/** Problems with the paths a condition uses. */
export function checkCondition(condition: Condition, scope: TemplateScope): string[] {
  const operands: Operand[] =
    condition.kind === "compare"
      ? [condition.left, condition.right]
      : condition.kind === "truthy"
        ? [condition.operand]
        : [];
  const own = operands.flatMap((o) => {
    const problem = o.kind === "path" ? checkPath(o.path, scope) : undefined;
    return problem === undefined ? [] : [problem];
  });
  if (condition.kind === "and" || condition.kind === "or")
    return [...checkCondition(condition.left, scope), ...checkCondition(condition.right, scope)];
  return own;
}

export function evaluate(condition: Condition, context: Record<string, unknown>): boolean {
  const value = (o: Operand) => (o.kind === "literal" ? o.value : resolvePath(o.path, context));
  switch (condition.kind) {
    case "and":
      return evaluate(condition.left, context) && evaluate(condition.right, context);
    case "or":
      return evaluate(condition.left, context) || evaluate(condition.right, context);
    case "truthy":
      return Boolean(value(condition.operand)) !== condition.negate;
    case "compare": {
      const l = value(condition.left);
      const r = value(condition.right);
      if (condition.op === "==") return l === r;
      if (condition.op === "!=") return l !== r;
      if (typeof l !== typeof r || (typeof l !== "number" && typeof l !== "string")) return false;
      const a = l as number | string;
      const b = r as number | string;
      return condition.op === "<"
        ? a < b
        : condition.op === "<="
          ? a <= b
          : condition.op === ">"
            ? a > b
            : a >= b;
    }
  }
}
