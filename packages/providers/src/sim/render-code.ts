/**
 * The simulator's code: a small module in the language asked (TypeScript by default) that names
 * the task in its header, with a test where the language has a template. Given review comments, it
 * revises the first given file and adds one `sim-revision` marker (see directives.ts).
 */
import type { ActionInput, ActionResult, SourceFile } from "@synapse/core";
import { countRevisionMarkers } from "./directives.js";
import { languageInTask, names, styleFor } from "./languages.js";
import type { Rendered } from "./render-plan.js";
import { keywords, subject, wrap } from "./words.js";

export function renderCode(input: ActionInput["code"]): Rendered<ActionResult["code"]> {
  const style = styleFor(input.language ?? languageInTask(input.task));
  const n = names(keywords(input.step?.goal ?? input.task, 3));
  const given = input.files ?? [];
  const carried = given.reduce((m, f) => m + countRevisionMarkers(f.content), 0);
  const comments = input.comments ?? [];
  const revisions = comments.length > 0 ? carried + 1 : carried;
  const c = style.comment;
  const header = [
    // The whole task goes in the header, directives included, so a reviewer sees what was asked.
    ...wrap(`Task: ${input.task}`, 78).map((l) => `${c} ${l}`),
    ...(input.step ? [`${c} Step ${input.step.id}: ${input.step.goal}`] : []),
    ...Array.from({ length: revisions }, (_, i) => `${c} sim-revision: ${i + 1}`),
    `${c} Written by the sim provider (offline, deterministic): a starting point, not a solution.`,
  ];
  const path = given[0]?.path ?? style.path(n);
  const files: SourceFile[] = [{ path, content: `${header.join("\n")}\n\n${style.module(n)}\n` }];
  if (given.length === 0 && style.test) {
    files.push({ path: style.test.path(n), content: `${style.test.content(n)}\n` });
  }
  const what = `"${subject(input.task)}"`;
  const explanation =
    comments.length > 0
      ? `Revision ${revisions} of \`${path}\` for ${what}, addressing ${comments.length} review comment${
          comments.length === 1 ? "" : "s"
        } (first: ${comments[0]!.message}).`
      : `A small ${style.label} module for ${what}${input.step ? ` (step ${input.step.id})` : ""}: \`${
          files[0]!.path
        }\`${files.length > 1 ? ` with a test in \`${files[1]!.path}\`` : ""}.`;
  const blocks = files.map((f) => `\`${f.path}\`\n\n\`\`\`${style.fence}\n${f.content}\`\`\`\n`);
  return { text: `${explanation}\n\n${blocks.join("\n")}`, result: { files, explanation } };
}
