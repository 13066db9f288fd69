/**
 * `npm run bench [NAME...]`: runs the benchmark modules (each exports `bench()`) and prints their
 * numbers. Benchmarks measure; they never assert. Names: runner, compute, datasets, masking, vae,
 * stylegan, inception, metrics (whichever exist). Timings on a shared 2-core machine are noisy.
 */
import { existsSync } from 'node:fs';

const ALL = ['runner', 'datasets', 'masking', 'composite', 'compute', 'vae', 'stylegan', 'inception', 'metrics', 'evaluation', 'analysis', 'report'];

const wanted = process.argv.slice(2).length ? process.argv.slice(2) : ALL;
for (const name of wanted) {
  const url = new URL(`./${name}.js`, import.meta.url);
  if (!existsSync(url)) {
    console.log(`# ${name}: no benchmark module`);
    continue;
  }
  const t0 = Date.now();
  const mod = (await import(url.href)) as { bench: () => Promise<Record<string, number | string>> };
  const res = await mod.bench();
  console.log(`# ${name} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  for (const [k, v] of Object.entries(res)) console.log(`${k}: ${v}`);
}
