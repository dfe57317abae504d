// One scenario run in a process of its own, for `npm run bench`: peak RSS then belongs to the run
// alone. Prints one JSON line: wall and simulated time, events, peak RSS and what was alive at the
// end. Usage: node dist/bench/scenario-run.js SCENARIO [--until DURATION]

import { loadScenario } from '../scenarios/loader.js';
import { parseDuration } from '../scenarios/duration.js';
import { runScenario } from '../sim/run.js';

async function main(): Promise<void> {
  const [file, ...rest] = process.argv.slice(2);
  if (!file) throw new Error('usage: scenario-run SCENARIO [--until DURATION]');
  const until = rest.includes('--until') ? parseDuration(rest[rest.indexOf('--until') + 1]!) : undefined;
  const r = await runScenario({ scenario: loadScenario(file), untilMs: until });
  process.stdout.write(
    `${JSON.stringify({
      wallMs: r.wallMs,
      simMs: r.simMs,
      events: r.eventsRun,
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
      pollsSkipped: r.pollsSkipped,
      alive: r.alive,
      violations: r.violations.map((v) => v.message),
      programmingErrors: r.programmingErrors.length,
      jobsSubmitted: r.metrics.jobs_submitted,
      jobsCompleted: r.metrics.jobs_completed,
    })}\n`,
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(3);
});
