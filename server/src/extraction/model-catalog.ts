// The GGUF models the appliance knows about: the recommended catalog (models/catalog.json), which files
// are present in models/, and sha256 verification on load, cached by size + mtime so restarts stay fast.

import { createHash } from 'node:crypto';
import {
  createReadStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CatalogEntry, Model, ModelStatus } from './model-schema.ts';

export type { ModelStatus };

/** A catalog.json entry: what the admin API shows of it (CatalogEntry), plus its identity. */
export interface CatalogModel extends CatalogEntry {
  id: string;
  name: string;
  file: string;
  sizeApproximate?: boolean;
  /** Null when not confirmed from the publisher: such files load as `unverified`. */
  sha256: string | null;
}

/** A model as the admin API lists it; its catalog entry keeps the fields the API does not show. */
export interface ModelListing extends Model {
  catalog: CatalogModel | null;
}

export interface ModelStoreOptions {
  /** Folder holding `catalog.json` and the `.gguf` files (default: the repository's `models/`). */
  modelsDir?: string;
  /** Verification cache (default: `data/model-verification.json` under the working directory). */
  cacheFile?: string;
}

export const DEFAULT_MODELS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../models');

export function readCatalog(modelsDir = DEFAULT_MODELS_DIR): CatalogModel[] {
  const path = join(modelsDir, 'catalog.json');
  if (!existsSync(path)) return [];
  return (JSON.parse(readFileSync(path, 'utf8')) as { models: CatalogModel[] }).models;
}

interface CacheEntry {
  size: number;
  mtimeMs: number;
  sha256: string;
}

export class ModelStore {
  readonly modelsDir: string;
  private readonly cacheFile: string;

  constructor(options: ModelStoreOptions = {}) {
    this.modelsDir = resolve(options.modelsDir ?? DEFAULT_MODELS_DIR);
    this.cacheFile = resolve(options.cacheFile ?? 'data/model-verification.json');
  }

  /** Catalog models and any other `.gguf` present, with status; hashes only what the cache already knows. */
  list(): ModelListing[] {
    const catalog = readCatalog(this.modelsDir);
    const present = existsSync(this.modelsDir)
      ? readdirSync(this.modelsDir).filter((f) => f.endsWith('.gguf'))
      : [];
    const cache = this.readCache();
    const listing: ModelListing[] = catalog.map((entry) => {
      const path = join(this.modelsDir, entry.file);
      if (!existsSync(path))
        return { ...base(entry, path), status: 'missing', sizeBytes: null, sha256: null };
      const known = this.cached(cache, path);
      return {
        ...base(entry, path),
        sizeBytes: statSync(path).size,
        sha256: known,
        status: statusOf(entry, known),
      };
    });
    for (const file of present) {
      if (catalog.some((c) => c.file === file)) continue;
      const path = join(this.modelsDir, file);
      listing.push({
        id: null,
        name: basename(file, '.gguf'),
        file,
        path,
        status: 'uncatalogued',
        sizeBytes: statSync(path).size,
        sha256: this.cached(cache, path),
        catalog: null,
      });
    }
    return listing;
  }

  /**
   * Resolves a model (catalog id, file name or path) to a loadable path, hashing it unless the cache
   * already vouches for this size + mtime. A catalogued file with a different sha256 is refused.
   */
  async verify(model: string): Promise<ModelListing> {
    const catalog = readCatalog(this.modelsDir);
    const entry =
      catalog.find((c) => c.id === model || c.file === model || c.file === basename(model)) ?? null;
    const path = existsSync(model) ? resolve(model) : join(this.modelsDir, entry?.file ?? model);
    if (!existsSync(path)) {
      return {
        id: entry?.id ?? null,
        name: entry?.name ?? model,
        file: basename(path),
        path,
        status: 'missing',
        sizeBytes: null,
        sha256: null,
        catalog: entry,
      };
    }
    const cache = this.readCache();
    let sha256 = this.cached(cache, path);
    if (!sha256) {
      sha256 = await hashFile(path);
      const st = statSync(path);
      cache[path] = { size: st.size, mtimeMs: st.mtimeMs, sha256 };
      this.writeCache(cache);
    }
    return {
      id: entry?.id ?? null,
      name: entry?.name ?? basename(path, '.gguf'),
      file: basename(path),
      path,
      status: entry ? statusOf(entry, sha256) : 'uncatalogued',
      sizeBytes: statSync(path).size,
      sha256,
      catalog: entry,
    };
  }

  private cached(cache: Record<string, CacheEntry>, path: string): string | null {
    const hit = cache[path];
    if (!hit) return null;
    const st = statSync(path);
    return hit.size === st.size && hit.mtimeMs === st.mtimeMs ? hit.sha256 : null;
  }

  private readCache(): Record<string, CacheEntry> {
    try {
      return JSON.parse(readFileSync(this.cacheFile, 'utf8')) as Record<string, CacheEntry>;
    } catch {
      return {};
    }
  }

  private writeCache(cache: Record<string, CacheEntry>): void {
    mkdirSync(dirname(this.cacheFile), { recursive: true });
    writeFileSync(this.cacheFile, `${JSON.stringify(cache, null, 2)}\n`);
  }
}

function base(entry: CatalogModel, path: string) {
  return { id: entry.id, name: entry.name, file: entry.file, path, catalog: entry };
}

function statusOf(entry: CatalogModel, sha256: string | null): ModelStatus {
  if (!entry.sha256 || !sha256) return 'unverified';
  return entry.sha256.toLowerCase() === sha256 ? 'verified' : 'checksum_mismatch';
}

export function hashFile(path: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolvePromise(hash.digest('hex')));
  });
}
