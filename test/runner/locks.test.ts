// Per-key locks: a stale lock (dead process, reused pid) is taken over without manual unlock, a live
// one blocks, and under a race of many processes at most one holds the lock at any time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir, hostname } from 'node:os';
import { join } from 'node:path';
import { spawnSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { tryAcquire, HeldLock, acquire } from '../../runner/store/lock.js';

const lockModule = fileURLToPath(new URL('../../runner/store/lock.js', import.meta.url));

function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

test('a lock left by a dead process is taken over automatically', () => {
  const dir = mkdtempSync(join(tmpdir(), 'btf-lock-'));
  writeFileSync(join(dir, 'k.1.lock'), JSON.stringify({ pid: deadPid(), host: hostname(), startedAt: 'then' }));
  const l = tryAcquire(dir, 'k');
  assert.ok(l instanceof HeldLock);
  assert.deepEqual(readdirSync(dir).sort(), ['k.2.lock'], 'the stale generation is cleared once we hold it');
  l.release();
  assert.deepEqual(readdirSync(dir), []);
});

test('a lock whose pid now belongs to another process (pid reuse) is stale', () => {
  const dir = mkdtempSync(join(tmpdir(), 'btf-lock-'));
  writeFileSync(join(dir, 'k.1.lock'), JSON.stringify({ pid: process.ppid, host: hostname(), startedAt: 'then', pidStart: '1' }));
  const l = tryAcquire(dir, 'k');
  assert.ok(l instanceof HeldLock);
  l.release();
});

test('a live holder blocks, and the waiter gets the lock when it is released', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'btf-lock-'));
  writeFileSync(join(dir, 'k.1.lock'), JSON.stringify({ pid: process.ppid, host: hostname(), startedAt: 'now', purpose: 'other run' }));
  const r = tryAcquire(dir, 'k');
  assert.ok(!(r instanceof HeldLock));
  assert.equal(r.blockedBy.purpose, 'other run');
  let waited = '';
  const p = acquire(dir, 'k', { onWait: (h) => (waited = h.purpose ?? '') });
  setTimeout(() => {
    for (const f of readdirSync(dir)) if (f.endsWith('.lock')) writeFileSync(join(dir, f), JSON.stringify({ pid: deadPid(), host: hostname(), startedAt: 'x' }));
  }, 300);
  const l = await p;
  assert.equal(waited, 'other run');
  l.release();
});

test('a lock from another host is respected until its heartbeat is stale', () => {
  const dir = mkdtempSync(join(tmpdir(), 'btf-lock-'));
  writeFileSync(join(dir, 'k.1.lock'), JSON.stringify({ pid: 1, host: 'some-other-host', startedAt: 'now' }));
  assert.ok(!(tryAcquire(dir, 'k') instanceof HeldLock));
});

test('12 processes racing for one lock never overlap', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'btf-lock-'));
  const log = join(dir, 'log.txt');
  const script = `
    import { acquire } from ${JSON.stringify(lockModule)};
    import { appendFileSync } from 'node:fs';
    for (let i = 0; i < 3; i++) {
      const l = await acquire(${JSON.stringify(dir)}, 'race');
      appendFileSync(${JSON.stringify(log)}, 'in ' + process.pid + '\\n');
      await new Promise((r) => setTimeout(r, 15));
      appendFileSync(${JSON.stringify(log)}, 'out ' + process.pid + '\\n');
      l.release();
    }`;
  await Promise.all(
    Array.from({ length: 12 }, () => new Promise<void>((res) => spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'inherit' }).on('close', () => res()))),
  );
  const lines = readFileSync(log, 'utf8').trim().split('\n');
  assert.equal(lines.length, 12 * 3 * 2);
  for (let i = 0; i < lines.length; i += 2) {
    const [a, pa] = lines[i]!.split(' ');
    const [b, pb] = lines[i + 1]!.split(' ');
    assert.equal(a, 'in');
    assert.equal(b, 'out');
    assert.equal(pa, pb, `critical sections do not interleave (line ${i})`);
  }
});
