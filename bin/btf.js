#!/usr/bin/env node
// Entry point of the `btf` command: loads the compiled CLI (npm ci runs the build via `prepare`).
import { existsSync } from 'node:fs';

const cli = new URL('../dist/runner/cli.js', import.meta.url);
if (!existsSync(cli)) {
  console.error('btf: the TypeScript build is missing (dist/runner/cli.js); run `npm run build` in the behind-the-face folder');
  process.exit(2);
}
const { main } = await import(cli.href);
process.exitCode = await main(process.argv.slice(2));
