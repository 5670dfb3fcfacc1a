/**
 * Issue 11 item 7 (dependencies): every production dependency of @vigil/server is imported by
 * the server's own (non-test) code, libraries only tests and benches use are devDependencies,
 * and no installed package asks for a newer Node than the one Vigil supports (20), so that
 * `npm ci` is free of EBADENGINE warnings.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const serverRoot = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = join(serverRoot, '..', '..');
/**
 * Kept on purpose although Vigil's code does not import them: the backup engineer's scheduler, and
 * the optional peer dependencies that @cyclonedx/cyclonedx-library's JSON validator loads at run
 * time to check firmware SBOMs (updates/sbom.ts).
 */
const RESERVED = new Set(['croner', 'ajv-formats', 'ajv-formats-draft2019']);

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sources(path, out);
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !/fixtures?\.ts$|-fakes\.ts$|mqtt-clients\.ts$/.test(name) && !path.includes(`${join('src', 'bench')}`)) out.push(path);
  }
  return out;
}

function importedPackages(): Set<string> {
  const seen = new Set<string>();
  for (const file of sources(join(serverRoot, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"]([^'".][^'"]*)['"]/g)) {
      const spec = m[1]!;
      if (spec.startsWith('node:')) continue;
      const parts = spec.split('/');
      seen.add(spec.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!);
    }
  }
  return seen;
}

test('ok/every production dependency of the server is imported by its code', () => {
  const pkg = JSON.parse(readFileSync(join(serverRoot, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  const imported = importedPackages();
  const unused = Object.keys(pkg.dependencies).filter((d) => !imported.has(d) && !RESERVED.has(d));
  assert.deepEqual(unused, [], 'unused production dependencies (remove them, or make them devDependencies)');
});

test('ok/no installed package requires a Node newer than 20', () => {
  const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, { engines?: { node?: string }; dev?: boolean }> };
  const tooNew: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    const range = entry.engines?.node;
    if (range === undefined) continue;
    // Every alternative of the range (a || b) must not start above 20.
    const alternatives = range.split('||').map((r) => r.trim());
    const allowsTwenty = alternatives.some((alt) => {
      const floor = /(?:>=|\^|~|^)\s*v?(\d+)/.exec(alt);
      return floor === null || Number(floor[1]) <= 20;
    });
    if (!allowsTwenty) tooNew.push(`${path} (${range})`);
  }
  assert.deepEqual(tooNew, []);
});
