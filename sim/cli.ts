#!/usr/bin/env -S node --max-semi-space-size=64
// The raysim command line: the composition root that wires the store, servers and (later) the
// simulation together. Exit codes: 0 ok, 1 expectations violated, 2 invalid input, 3 internal error.

import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { ApiError } from '../controller/runtime/api-error.js';
import { createWallClockStore, wallClock } from './kube/create-store.js';
import { ApiServer } from './kube/http/server.js';
import { ManifestError, packageRoot } from './kube/manifests.js';
import path from 'node:path';
import { loadScenario } from '../scenarios/loader.js';
import { parseDuration } from '../scenarios/duration.js';
import { ScenarioError } from '../scenarios/scenario-error.js';
import { human, profileTable, progressReporter, summary, writeOutputs, type ExpectationsVerdict } from './run-report.js';
import { RunError, runScenario } from './run.js';
import { SimulationError } from './core/simulation.js';
import { HttpKubeClient } from '../controller/runtime/http-kube-client.js';
import { createLogger, parseLogLevel } from '../controller/runtime/logger.js';
import { OperatorSetupError, startOperator } from './operator.js';

export const EXIT = { ok: 0, expectationsViolated: 1, invalidInput: 2, internalError: 3 } as const;

/** A user error found by a command (bad path, port in use...): message printed, exit code 2. */
export class CliError extends Error {}

function version(): string {
  return JSON.parse(fs.readFileSync(`${packageRoot()}/package.json`, 'utf8')).version;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be an integer port between 0 and 65535');
  return n;
}

function collect(value: string, prev: string[]): string[] {
  return [...prev, value];
}

export function kubeconfigFor(url: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: raysim',
    '  cluster:',
    `    server: ${url}`,
    'users:',
    '- name: raysim',
    '  user: {}',
    'contexts:',
    '- name: raysim',
    '  context: {cluster: raysim, user: raysim, namespace: default}',
    'current-context: raysim',
    '',
  ].join('\n');
}

export function buildProgram(): Command {
  const program = new Command('raysim')
    .description('Simulator and scheduling-policy testbed for Ray on Kubernetes')
    .version(version())
    .showHelpAfterError()
    .exitOverride();

  program
    .command('apiserver')
    .description('Serve the in-memory object store over the Kubernetes REST API on 127.0.0.1')
    .option('-p, --port <port>', 'port to listen on (0 picks a free one)', port, 6443)
    .option('--crds <dir>', 'also load the CRD manifests in DIR (repeatable)', collect, [] as string[])
    .option('--no-default-crds', 'do not load the ray.io CRDs from controller/deploy/crds')
    .option('--kubeconfig-out <file>', 'write a kubeconfig pointing at this server to FILE')
    .option('--seed <seed>', 'seed for uids and generated names', '1')
    .option('-v, --verbose', 'log every request')
    .action(async (o: { port: number; crds: string[]; defaultCrds: boolean; kubeconfigOut?: string; seed: string; verbose?: boolean }) => {
      for (const dir of o.crds) if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new CliError(`--crds ${dir}: no such directory`);
      const store = createWallClockStore(o.seed, { defaultCrds: o.defaultCrds, crdDirs: o.crds });
      const server = new ApiServer({ store, clock: wallClock, port: o.port, log: o.verbose ? (l) => console.error(l) : undefined });
      const url = await server.listen();
      if (o.kubeconfigOut) {
        try {
          fs.writeFileSync(o.kubeconfigOut, kubeconfigFor(url));
        } catch (e) {
          await server.close();
          throw new CliError(`--kubeconfig-out ${o.kubeconfigOut}: ${(e as Error).message}`);
        }
      }
      const kinds = store.registry.all().filter((rt) => rt.crd).map((rt) => `${rt.plural}.${rt.group}`);
      console.log(`raysim apiserver listening on ${url}`);
      console.log(`custom resources: ${kinds.length ? kinds.join(', ') : '(none)'}`);
      console.log(o.kubeconfigOut ? `kubeconfig: ${o.kubeconfigOut}` : `try: kubectl --server ${url} get namespaces`);
      const stop = async () => {
        // Bounded: open watches and keep-alive connections are closed, but never wait forever.
        setTimeout(() => process.exit(EXIT.ok), 3_000).unref();
        await server.close();
        process.exit(EXIT.ok);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });

  program
    .command('operator')
    .description('Run the KubeRay-compatible controllers (RayCluster, RayJob, RayService, RayCronJob) against an API server')
    .option('--kubeconfig <file>', 'kubeconfig to use (default: KUBECONFIG, ~/.kube/config, or in-cluster)')
    .option('-n, --namespace <ns>', 'watch only this namespace (default: all)')
    .option('--leader-elect', 'hold a coordination.k8s.io Lease so only one replica reconciles')
    .option('--lease-namespace <ns>', 'namespace of the leader-election Lease (default: --namespace or "default")')
    .option('--batch-scheduler <name>', 'KubeRay batch scheduler: "default" or "volcano"')
    .option('--dashboard-url <url>', 'send every cluster\'s Ray dashboard calls here (a port-forward or a test Ray head)')
    .option('--no-install-crds', 'only check that the ray.io CRDs exist; do not install them')
    .option('--log-level <level>', 'debug, info, warn or error', 'info')
    .action(
      async (o: { kubeconfig?: string; namespace?: string; leaderElect?: boolean; leaseNamespace?: string; batchScheduler?: string; dashboardUrl?: string; installCrds: boolean; logLevel: string }) => {
        if (o.kubeconfig && !fs.existsSync(o.kubeconfig)) throw new CliError(`--kubeconfig ${o.kubeconfig}: no such file`);
        let client: HttpKubeClient;
        try {
          client = HttpKubeClient.fromKubeconfig(o.kubeconfig);
        } catch (e) {
          throw new CliError(`cannot load the kubeconfig: ${(e as Error).message}`);
        }
        const logger = createLogger({ level: parseLogLevel(o.logLevel), format: 'text' });
        let manager;
        try {
          manager = await startOperator({ client, namespace: o.namespace, leaderElect: o.leaderElect, leaseNamespace: o.leaseNamespace, batchScheduler: o.batchScheduler, dashboardUrl: o.dashboardUrl, installCrds: o.installCrds, logger });
        } catch (e) {
          if (e instanceof OperatorSetupError) throw new CliError(e.message);
          if (e instanceof ApiError && e.code === 503) throw new CliError(`cannot reach the API server: ${e.message}`);
          throw e;
        }
        manager.installSignalHandlers();
      },
    );

  program
    .command('run')
    .description('Run a scenario: weeks of cluster time in seconds; prints the metrics and writes the trace')
    .argument('<scenario>', 'scenario YAML file')
    .option('--seed <seed>', "override the scenario's seed")
    .option('--until <duration>', "stop after this much simulated time (e.g. 2h, 30d; default: the scenario's duration)")
    .option('--out <dir>', 'write DIR/trace.jsonl, DIR/metrics.json and DIR/metrics.csv')
    .option('--no-progress', 'no progress bar (it is shown only on a terminal anyway)')
    .option('--profile', 'also print how many events of each kind ran, and the peak memory')
    .option('--every-poll', 'run every RayJob status poll (KubeRay polls every 3 s) instead of only those that can find something new; slower, same results')
    .option('--check-expectations', "check the scenario's expectations even when --until stops the run before the scenario's duration")
    .action(async (file: string, o: RunFlags) => {
      const code = await runCommand(file, o);
      if (code !== EXIT.ok) throw new ExitCode(code);
    });

  program
    .command('validate')
    .description('Check a scenario file and report every problem with file, line, column and field path')
    .argument('<scenario>', 'scenario YAML file')
    .action((file: string) => {
      const sc = loadScenario(file);
      const gpus = sc.cluster.nodePools.length;
      console.log(`${file}: valid (${sc.name}: ${human(sc.durationMs)}, ${gpus} node pool${gpus === 1 ? '' : 's'}, ${sc.workloads.manifests.length} manifests, ${sc.workloads.generators.length} generators, ${sc.expectations.length} expectations)`);
    });

  program
    .command('demo')
    .description('Run the bundled scenario scenarios/h100-small.yaml and print its summary (the README\'s main job)')
    .option('--seed <seed>', "override the scenario's seed")
    .option('--out <dir>', 'write the trace and metrics to DIR')
    .action(async (o: { seed?: string; out?: string }) => {
      const code = await runCommand(path.join(packageRoot(), 'scenarios', 'h100-small.yaml'), { ...o, progress: true });
      if (code !== EXIT.ok) throw new ExitCode(code);
    });

  return program;
}

/** Ends a command with a given exit code (expectations violated) without an error message. */
class ExitCode extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

interface RunFlags {
  seed?: string;
  until?: string;
  out?: string;
  progress: boolean;
  profile?: boolean;
  everyPoll?: boolean;
  checkExpectations?: boolean;
}

async function runCommand(file: string, o: RunFlags): Promise<number> {
  const scenario = loadScenario(file);
  let untilMs: number | undefined;
  if (o.until !== undefined) {
    untilMs = parseDuration(/^\d+(\.\d+)?$/.test(o.until) ? Number(o.until) : o.until);
    if (untilMs === undefined) throw new CliError(`--until ${o.until}: not a duration (examples: 90, 30s, 5m, 2h, 30d, 1h30m)`);
  }
  if (o.out) fs.mkdirSync(o.out, { recursive: true });
  const progress = progressReporter(o.progress && !!process.stderr.isTTY);
  let result;
  try {
    result = await runScenario({ scenario, seed: o.seed, untilMs, traceFile: o.out ? path.join(o.out, 'trace.jsonl') : undefined, onProgress: progress.onProgress, profile: o.profile, everyPoll: o.everyPoll });
  } finally {
    progress.stop();
  }
  if (o.out) writeOutputs(o.out, result);
  // Expectations bound a whole run (jobs_submitted >= 9700 over 30 days): a run cut short by
  // --until would fail them for being short, so they are checked only when asked.
  const cut = untilMs !== undefined && untilMs < scenario.durationMs && scenario.expectations.length > 0;
  const verdict: ExpectationsVerdict =
    cut && !o.checkExpectations
      ? { checked: false, why: `--until stopped the run at ${human(untilMs!)} of the scenario's ${human(scenario.durationMs)}; --check-expectations checks them anyway` }
      : { checked: true };
  console.log(summary(scenario.name, result, verdict));
  if (result.eventsByLabel) console.log(profileTable(result));
  if (o.out) console.log(`wrote ${path.join(o.out, 'trace.jsonl')}, metrics.json, metrics.csv, timeseries.csv`);
  if (result.programmingErrors.length) return EXIT.internalError;
  return verdict.checked && result.violations.length ? EXIT.expectationsViolated : EXIT.ok;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (e) {
    if (e instanceof ExitCode) return e.code;
    if (e instanceof ScenarioError) {
      console.error(e.lines().join('\n'));
      return EXIT.invalidInput;
    }
    if (e instanceof RunError) {
      console.error(`raysim: ${e.message}`);
      return EXIT.invalidInput;
    }
    const code = (e as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') return EXIT.ok;
    if (typeof code === 'string' && code.startsWith('commander.')) return EXIT.invalidInput;
    if (e instanceof SimulationError) {
      console.error(`raysim: the run stopped: ${e.message}${e.cause instanceof Error && e.cause.stack ? `\n${e.cause.stack}` : ''}`);
      return EXIT.internalError;
    }
    if (e instanceof ManifestError || e instanceof ApiError || e instanceof CliError) {
      console.error(`raysim: ${e.message}`);
      return EXIT.invalidInput;
    }
    const errno = (e as NodeJS.ErrnoException).code;
    if (errno === 'EADDRINUSE' || errno === 'EACCES' || errno === 'EADDRNOTAVAIL') {
      console.error(`raysim: cannot listen: ${(e as Error).message}`);
      return EXIT.invalidInput;
    }
    console.error(`raysim: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return EXIT.internalError;
  }
}

// Run when executed directly (bin or node dist/sim/cli.js), not when imported by tests.
function invokedDirectly(): boolean {
  try {
    return !!process.argv[1] && fs.realpathSync(process.argv[1]) === fs.realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false; // e.g. argv[1] names no file (node -e, REPL)
  }
}
if (invokedDirectly()) {
  main(process.argv).then((code) => {
    // The apiserver keeps running until a signal; everything else exits with its code.
    if (code !== EXIT.ok || process.argv[2] !== 'apiserver') process.exitCode = code;
  });
}
