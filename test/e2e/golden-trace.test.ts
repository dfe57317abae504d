// The golden trace of the bundled h100-small scenario: any change to what the simulation does
// (a controller's decision, a timing, a random draw) shows up here as a diff. When a change is
// intended, refresh it explicitly:  RAYSIM_UPDATE_GOLDEN=1 npx vitest run test/e2e/golden-trace.test.ts

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../scenarios/loader.js';
import { runScenario } from '../../sim/run.js';

const GOLDEN = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'golden', 'h100-small.jsonl');

describe('golden trace', () => {
  it('h100-small produces exactly the committed trace', async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'raysim-golden-')), 'trace.jsonl');
    await runScenario({ scenario: loadScenario('scenarios/h100-small.yaml'), traceFile: out });
    const got = fs.readFileSync(out, 'utf8');
    if (process.env.RAYSIM_UPDATE_GOLDEN === '1') {
      fs.writeFileSync(GOLDEN, got);
      console.warn(`[golden-trace] refreshed ${GOLDEN}`);
    }
    expect(fs.existsSync(GOLDEN), `no golden trace at ${GOLDEN}: run with RAYSIM_UPDATE_GOLDEN=1 once`).toBe(true);
    const want = fs.readFileSync(GOLDEN, 'utf8');
    if (got !== want) {
      // Name the first differing line rather than dumping two large files.
      const a = got.split('\n');
      const b = want.split('\n');
      const i = a.findIndex((l, k) => l !== b[k]);
      expect.fail(`trace differs from ${GOLDEN} at line ${i + 1}:\n  got:  ${a[i]}\n  want: ${b[i]}\n(refresh with RAYSIM_UPDATE_GOLDEN=1 if the change is intended)`);
    }
  }, 60_000);
});
