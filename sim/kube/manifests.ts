// Loading Kubernetes manifests (multi-document YAML or JSON) into the store, with errors that
// name the file, the line and the document. Used by `raysim apiserver --crds`, the demo, and
// scenario files later.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineCounter, parseAllDocuments } from 'yaml';
import { ApiError } from '../../controller/runtime/api-error.js';
import type { KubeObject } from '../../controller/runtime/kube-object.js';
import type { ObjectStore } from './store.js';

export interface Manifest {
  object: KubeObject;
  file: string;
  /** 1-based line where the document starts. */
  line: number;
}

export class ManifestError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    message: string,
  ) {
    super(`${file}:${line}: ${message}`);
    this.name = 'ManifestError';
  }
}

/** Parses every document; throws one error listing every malformed document. */
export function parseManifests(text: string, file: string): Manifest[] {
  const lc = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lc, prettyErrors: false });
  const out: Manifest[] = [];
  const problems: string[] = [];
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    const line = doc.contents?.range ? lc.linePos(doc.contents.range[0]).line : 1;
    if (doc.errors.length) {
      for (const e of doc.errors) problems.push(`${file}:${e.linePos?.[0].line ?? line}:${e.linePos?.[0].col ?? 1}: ${e.message.split('\n')[0]}`);
      continue;
    }
    const value = doc.toJSON();
    if (value === null || value === undefined) continue;
    const items = value?.kind && /List$/.test(value.kind) && Array.isArray(value.items) ? value.items : [value];
    for (const item of items) {
      if (item === null || typeof item !== 'object' || Array.isArray(item)) {
        problems.push(`${file}:${line}: a manifest document must be an object`);
        continue;
      }
      const missing = ['apiVersion', 'kind'].filter((k) => typeof item[k] !== 'string' || item[k] === '');
      if (missing.length) {
        problems.push(`${file}:${line}: ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} missing`);
        continue;
      }
      out.push({ object: item as KubeObject, file, line });
    }
  }
  if (problems.length) throw new ManifestError(file, 0, `invalid manifest:\n  ${problems.join('\n  ')}`);
  return out;
}

export function readManifests(file: string): Manifest[] {
  return parseManifests(fs.readFileSync(file, 'utf8'), file);
}

/** Create or update each manifest, in order (CRDs before the objects that use them). */
export function applyManifests(store: ObjectStore, manifests: Manifest[]): KubeObject[] {
  const out: KubeObject[] = [];
  for (const m of manifests) {
    try {
      const rt = store.typeFor(m.object);
      const existing = store.peek(rt, m.object.metadata?.namespace || (rt.namespaced ? 'default' : undefined), m.object.metadata?.name ?? '');
      if (existing) {
        const next = { ...m.object, metadata: { ...m.object.metadata, resourceVersion: existing.metadata.resourceVersion } };
        out.push(store.update(rt, next));
      } else out.push(store.create(rt, m.object));
    } catch (e) {
      if (e instanceof ApiError) throw new ManifestError(m.file, m.line, `${m.object.kind} "${m.object.metadata?.name ?? ''}": ${e.message}`);
      throw e;
    }
  }
  return out;
}

/** The YAML and JSON files of a directory, sorted so loading order is stable. */
export function manifestFiles(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /\.(ya?ml|json)$/.test(f))
    .sort()
    .map((f) => path.join(dir, f));
}

/** The installed package's root (holds package.json), from src or dist alike. */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && JSON.parse(fs.readFileSync(pkg, 'utf8')).name === 'raysim') return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('cannot find the raysim package root');
    dir = up;
  }
}

/** controller/deploy/crds: the ray.io CRDs loaded by default. */
export function defaultCrdDir(): string {
  return path.join(packageRoot(), 'controller', 'deploy', 'crds');
}

export function loadCrdDirs(store: ObjectStore, dirs: string[]): KubeObject[] {
  const out: KubeObject[] = [];
  for (const dir of dirs) for (const f of manifestFiles(dir)) out.push(...applyManifests(store, readManifests(f)));
  return out;
}
