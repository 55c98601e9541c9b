/**
 * An action's input as the user message the model reads: every field the input has, labelled,
 * with code and files in fences the content cannot break out of.
 */
import type { ActionInput, ActionName, PlanStep, ReviewComment, SourceFile } from "@synapse/core";

/** `text` in a code fence longer than any run of backticks inside it. */
export function fence(text: string, language = ""): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const marks = "`".repeat(longest + 1);
  return `${marks}${language}\n${text}${text.endsWith("\n") ? "" : "\n"}${marks}`;
}

const section = (title: string, body: string) => `## ${title}\n\n${body}`;
const steps = (plan: readonly PlanStep[]) =>
  plan.map((s) => `${s.id}. ${s.goal} (done when: ${s.check})`).join("\n");
const files = (list: readonly SourceFile[], language = "") =>
  list.map((f) => `### ${f.path}\n\n${fence(f.content, language)}`).join("\n\n");
const comments = (list: readonly ReviewComment[]) =>
  list.map((c) => `- ${c.location}: ${c.message}`).join("\n");

/** The user message for `action` with `input` (already validated). */
export function userPrompt<A extends ActionName>(action: A, input: ActionInput[A]): string {
  const parts: unknown[] = [];
  switch (action) {
    case "plan": {
      const i = input as ActionInput["plan"];
      parts.push(section("Task", i.task), i.context && section("Context", i.context));
      break;
    }
    case "code": {
      const i = input as ActionInput["code"];
      parts.push(
        section("Task", i.task),
        i.language && section("Language", i.language),
        i.step && section("Step to do now", steps([i.step])),
        i.plan?.length && section("The whole plan", steps(i.plan)),
        i.files?.length && section("Current files", files(i.files)),
        i.comments?.length && section("Review comments to address", comments(i.comments)),
      );
      break;
    }
    case "analyze": {
      const i = input as ActionInput["analyze"];
      parts.push(
        i.focus && section("Focus", i.focus),
        i.language && section("Language", i.language),
        section("Input to analyse", fence(i.text, i.language ?? "")),
      );
      break;
    }
    case "review": {
      const i = input as ActionInput["review"];
      parts.push(
        i.task && section("The task the change is for", i.task),
        i.diff && section("Diff", fence(i.diff, "diff")),
        i.code && section("Code", fence(i.code)),
        i.files?.length && section("Files", files(i.files)),
      );
      break;
    }
    case "execute": {
      const i = input as ActionInput["execute"];
      parts.push(section("Task", i.task ?? ""));
      break;
    }
  }
  return parts.filter((p): p is string => typeof p === "string" && p !== "").join("\n\n");
}
