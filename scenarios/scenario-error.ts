// ScenarioError: everything wrong with a scenario at once, each problem with the file, line and
// column it concerns and the field path inside the scenario ("workloads.generators[0].template.duration").

export interface ScenarioProblem {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  /** Field path; '' for the document as a whole (a YAML syntax error, an empty file). */
  path: string;
  message: string;
}

/** `file:line:col: path: message` (the path part is left out when empty). */
export function formatProblem(p: ScenarioProblem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.path ? `${p.path}: ` : ''}${p.message}`;
}

export class ScenarioError extends Error {
  readonly problems: readonly ScenarioProblem[];

  constructor(problems: readonly ScenarioProblem[]) {
    const n = problems.length;
    const file = problems[0]?.file ?? '<scenario>';
    super(`${file}: ${n} problem${n === 1 ? '' : 's'} in scenario:\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`);
    this.name = 'ScenarioError';
    this.problems = problems;
  }

  /** One line per problem, for the CLI. */
  lines(): string[] {
    return this.problems.map(formatProblem);
  }
}
