/**
 * Headless Chromium for the browser tests: loads a file with `--dump-dom` under a virtual time
 * budget and returns the page's self-check (`<pre id="checks">`, written by the inline script of
 * runner/report/html.ts after `load`) and the console lines Chromium logged to stderr.
 * No DevTools protocol, no network: everything is in the dumped DOM.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const INSTALL_HINT = 'headless Chromium is needed for this test: apt-get install -y chromium (Debian), or set BTF_CHROMIUM to a Chromium/Chrome binary';

/** The Chromium binary (BTF_CHROMIUM, else chromium / chromium-browser / google-chrome on PATH), or null. */
export function findChromium(): string | null {
  const candidates = [process.env['BTF_CHROMIUM'], 'chromium', 'chromium-browser', 'google-chrome'].filter((c): c is string => !!c);
  for (const c of candidates) {
    const r = spawnSync(c, ['--version'], { encoding: 'utf8', timeout: 30_000 });
    if (r.status === 0 && /chrom/i.test(r.stdout)) return c;
  }
  return null;
}

export interface PageChecks {
  images: number;
  imagesLoaded: number;
  svgs: number;
  svgsDrawn: number;
  errors: string[];
}

export function loadInChromium(bin: string, file: string): { checks: PageChecks | null; console: string[]; dom: string } {
  const profile = mkdtempSync(join(tmpdir(), 'btf-chromium-'));
  try {
    const r = spawnSync(bin, [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-dev-shm-usage', `--user-data-dir=${profile}`,
      '--virtual-time-budget=5000', '--enable-logging=stderr', '--v=0', '--dump-dom', pathToFileURL(file).href,
    ], { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
    if (r.error) throw r.error;
    if (r.status !== 0) throw new Error(`chromium exited with ${r.status}: ${r.stderr.slice(-2000)}`);
    const m = /<pre id="checks">([^<]*)<\/pre>/.exec(r.stdout);
    const text = m?.[1]?.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&') ?? '';
    return {
      checks: text ? (JSON.parse(text) as PageChecks) : null,
      console: r.stderr.split('\n').filter((l) => l.includes(':CONSOLE')),
      dom: r.stdout,
    };
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}
