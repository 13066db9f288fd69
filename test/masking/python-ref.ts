/**
 * Finds a Python with numpy and Pillow for reference checks (Debian's /usr/bin/python3 has both when
 * python3-pil is installed; a pyenv python3 may lack Pillow) and runs small scripts with it.
 */
import { spawnSync } from 'node:child_process';

let found: string | null | undefined;

/** Path of a python that imports numpy and PIL, or null. */
export function pythonWithPillow(): string | null {
  if (found !== undefined) return found;
  for (const py of [process.env.BTF_PYTHON, '/usr/bin/python3', 'python3'].filter(Boolean) as string[]) {
    const r = spawnSync(py, ['-c', 'import numpy, PIL'], { encoding: 'utf8' });
    if (r.status === 0) return (found = py);
  }
  return (found = null);
}

export function runPython(py: string, script: string, args: string[] = []): string {
  const r = spawnSync(py, ['-c', script, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`python reference failed: ${r.stderr}`);
  return r.stdout;
}
