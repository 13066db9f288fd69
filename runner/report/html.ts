/**
 * HTML building blocks for the self-contained report pages: escaping, the page shell, tables,
 * banners, images as data: URIs and inline SVG.
 *
 * Every page is one file that opens offline: images are base64 data: URIs, SVG is inline, CSS and
 * the one script are inline, and a Content-Security-Policy meta tag forbids any other source, so a
 * stray URL could not load even if one slipped in (`assertSelfContained` also refuses to write such
 * a page). The inline script is a self-check: once the page has loaded it writes into
 * `<pre id="checks">` how many images decoded, how many SVGs are present and any script or
 * resource errors; the browser test (test/report/browser.test.ts) reads that back through
 * `chromium --dump-dom`. Does not: layout beyond a small stylesheet, charts (svg-plot.ts).
 */
import { existsSync, readFileSync } from 'node:fs';

export function esc(s: unknown): string {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')
    // A URL in text is harmless but would trip the no-external-reference check; the entity renders the same.
    .replace(/:\/\//g, ':&#47;&#47;');
}

const CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'";

const STYLE = `
body{font-family:system-ui,sans-serif;margin:1.5em auto;max-width:1400px;padding:0 1em;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}h3{font-size:1em}
table{border-collapse:collapse;margin:.5em 0;font-size:.85em}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums}code{font-size:.9em}
.banner{padding:.7em 1em;margin:1em 0;border-radius:4px;font-weight:600}
.banner.warn{background:#fff3cd;border:1px solid #e0b000}.banner.info{background:#e8f1fb;border:1px solid #7aa7d8}
.row{display:flex;flex-wrap:wrap;gap:1em;align-items:flex-start}.row>figure{margin:0}
figure{margin:.5em 0}figcaption{font-size:.8em;color:#555}img{image-rendering:pixelated;max-width:100%;border:1px solid #ddd}
#checks{display:none}.muted{color:#777}`;

/** Runs before anything else so it sees every error; reports after `load` (all images decoded or failed). */
const CHECK_SCRIPT = `(function(){var errors=[];
window.addEventListener('error',function(e){var t=e.target;errors.push(t&&t!==window&&t.tagName?('resource '+t.tagName.toLowerCase()+' failed'):String(e.message||'error'));},true);
window.addEventListener('unhandledrejection',function(e){errors.push('unhandled rejection: '+String(e.reason));});
document.addEventListener('securitypolicyviolation',function(e){errors.push('CSP blocked '+e.blockedURI);});
var ce=console.error;console.error=function(){errors.push('console.error: '+Array.prototype.join.call(arguments,' '));return ce.apply(console,arguments);};
window.addEventListener('load',function(){var imgs=Array.prototype.slice.call(document.images);
var ok=imgs.filter(function(i){return i.complete&&i.naturalWidth>0;}).length;
var svgs=document.querySelectorAll('svg');var drawn=Array.prototype.filter.call(svgs,function(s){return s.getBBox().width>0;}).length;
document.getElementById('checks').textContent=JSON.stringify({images:imgs.length,imagesLoaded:ok,svgs:svgs.length,svgsDrawn:drawn,errors:errors});});})();`;

/** The whole page. `body` is already-escaped HTML. */
export function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<script>${CHECK_SCRIPT}</script>
<style>${STYLE}</style></head>
<body>
<h1>${esc(title)}</h1>
${body}
<pre id="checks"></pre>
</body></html>
`;
}

export function section(id: string, heading: string, content: string): string {
  return `<section id="${esc(id)}" data-section="${esc(id)}"><h2>${esc(heading)}</h2>\n${content}\n</section>\n`;
}

export function banner(kind: 'warn' | 'info', html: string): string {
  return `<div class="banner ${kind}" role="${kind === 'warn' ? 'alert' : 'note'}">${html}</div>\n`;
}

export type Cell = string | number | null | undefined | { html: string };

/** Formats a number for tables: 4 significant digits, exponent for extremes, '' for null/NaN. */
export function num(v: unknown, digits = 4): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return v === null || v === undefined ? '' : esc(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (Number.isInteger(v) && a < 1e9) return String(v);
  if (a >= 1e6 || a < 1e-3) return v.toExponential(digits - 1);
  return String(Number(v.toPrecision(digits)));
}

function cell(c: Cell): string {
  if (c === null || c === undefined) return '<td></td>';
  if (typeof c === 'number') return `<td class="num">${num(c)}</td>`;
  if (typeof c === 'object') return `<td>${c.html}</td>`;
  return `<td>${esc(c)}</td>`;
}

export function table(headers: string[], rows: Cell[][], cls = ''): string {
  const head = `<tr>${headers.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>`;
  return `<table${cls ? ` class="${esc(cls)}"` : ''}>${head}${rows.map((r) => `<tr>${r.map(cell).join('')}</tr>`).join('')}</table>\n`;
}

const MIME: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', webp: 'image/webp', gif: 'image/gif' };

/** An <img> with the file embedded as a data: URI, in a <figure> with a caption; '' when the file is absent. */
export function imageFile(path: string, caption: string): string {
  if (!existsSync(path)) return '';
  const ext = path.split('.').pop()!.toLowerCase();
  const mime = MIME[ext];
  if (!mime) throw new Error(`report: cannot embed ${path} (unknown image type)`);
  const b64 = readFileSync(path).toString('base64');
  return `<figure><img alt="${esc(caption)}" src="data:${mime};base64,${b64}"><figcaption>${esc(caption)}</figcaption></figure>\n`;
}

/**
 * An SVG document string as inline markup: drops an XML prolog and the SVG namespace attribute
 * (HTML parsers put <svg> in that namespace anyway), so the page contains no URL at all.
 */
export function inlineSvg(svg: string, caption?: string): string {
  const body = svg.replace(/<\?xml[^>]*>\s*/, '').replace(/\s+xmlns(:xlink)?="[^"]*"/g, '').trim();
  return caption ? `<figure>${body}<figcaption>${esc(caption)}</figcaption></figure>\n` : `${body}\n`;
}

export function row(items: string[]): string {
  const kept = items.filter((s) => s.trim() !== '');
  return kept.length ? `<div class="row">${kept.join('')}</div>\n` : '';
}

/** Anything that would make the browser fetch: src/href/srcset/poster/action not data:/#, url(), @import, a scheme URL. */
const EXTERNAL = /\b(?:src|href|srcset|poster|action|xlink:href)\s*=\s*["']?(?!data:|#)[^"'\s>]|url\(\s*["']?(?!data:|#)|@import|\b(?:https?|ftp|file|wss?):\/\//i;

/** Finds the first thing that could trigger a network or file request, or null. */
export function externalReference(html: string): string | null {
  const m = EXTERNAL.exec(html);
  return m ? html.slice(Math.max(0, m.index - 40), m.index + 60) : null;
}

/** Invariant: a report never references anything outside itself. */
export function assertSelfContained(html: string, what: string): void {
  const ref = externalReference(html);
  if (ref !== null) throw new Error(`${what}: the page would reference an external resource near: ${ref}`);
}
