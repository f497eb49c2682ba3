import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runBounded } from '../../server/pdf-intake/bounded-process.js';
import { qpdfComplaint, runQpdf } from '../../server/pdf-intake/qpdf.js';

/**
 * The intake's child processes (R7): whatever the command does, the promise settles — on exit, at
 * the time limit (the whole process group killed), on abort — and neither stderr nor stdout can
 * hold it or fill the server's memory.
 */
describe('a bounded child process always settles within its limits', () => {
  it('survives 300,000 warning lines on stderr (execFile would have failed at maxBuffer): the run succeeds and keeps only the head and tail', async () => {
    const r = await runBounded('sh', ['-c', 'yes "WARNING: file.pdf (offset 12): damaged object" | head -n 300000 >&2; echo done'], { timeoutMs: 30_000 });
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toBe('done\n');
    expect(r.stderrBytes).toBeGreaterThan(10_000_000);
    expect(r.stderr.length).toBeLessThan(64 * 1024);
    expect(r.stderr).toMatch(/bytes of stderr skipped/);
    // Finished by itself, not stopped at the limit: the flood did not stall the run.
    expect(r.timedOut).toBe(false);
  }, 40_000);

  it('kills the whole process group at the time limit, grandchildren included, and settles at once', async () => {
    const marker = `gatehouse-bounded-${process.pid}-${Date.now()}`;
    // The marker is in a grandchild's command line: killing only the direct child would leave it running.
    // The grandchild holds the pipes for 301 s, so a run that waited for them to close could not
    // settle within this test's own timeout: settling at all shows it did not wait.
    const r = await runBounded('sh', ['-c', `sh -c 'sleep 301; : ${marker}' & wait`], { timeoutMs: 500 });
    expect(r).toMatchObject({ timedOut: true, status: null, signal: 'SIGKILL' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })).not.toContain(marker);
  });

  it('kills the process when its budget is aborted', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const r = await runBounded('sleep', ['300'], { timeoutMs: 60_000, signal: controller.signal });
    expect(r).toMatchObject({ aborted: true, timedOut: false, status: null });
  });

  it('kills a process whose stdout passes its cap, and returns none of it', async () => {
    const r = await runBounded('sh', ['-c', 'yes 0123456789 | head -c 50000000'], { timeoutMs: 30_000, maxStdoutBytes: 1024 * 1024 });
    expect(r).toMatchObject({ overflow: true, status: null });
    expect(r.stdout.length).toBe(0);
  });

  it('caps the memory a process may take, and says it ran out', async () => {
    const r = await runBounded('perl', ['-e', '$x = "a" x (600 * 1024 * 1024); print length $x'], { timeoutMs: 30_000, memoryBytes: 128 * 1024 * 1024 });
    expect(r.status).not.toBe(0);
    expect(r.outOfMemory).toBe(true);
    expect(r.stdout.toString()).toBe('');
  });

  it('passes the child only the environment it is given, never the server’s', async () => {
    process.env.GATEHOUSE_TEST_SECRET = 'do-not-pass-on';
    try {
      const r = await runBounded('env', [], { timeoutMs: 10_000 });
      const names = r.stdout.toString().trim().split('\n').map((l) => l.split('=')[0]).sort();
      expect(names).toEqual(['HOME', 'LANG', 'PATH']);
    } finally {
      delete process.env.GATEHOUSE_TEST_SECRET;
    }
  });

  it('answers "not found" for a command that is not installed, without spawning anything', async () => {
    expect((await runBounded('/nonexistent/soffice', [], { timeoutMs: 1_000 })).notFound).toBe(true);
    expect((await runBounded('no-such-command-gatehouse', [], { timeoutMs: 1_000 })).notFound).toBe(true);
  });

  it('names qpdf’s own error for a damaged file, not the first of the warnings before it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-qpdf-'));
    try {
      const file = path.join(dir, 'no-trailer.pdf');
      const objects = Array.from({ length: 50 }, (_, i) => `${i + 1} 0 obj\n<< /Length ${i} >>\nstream\nx\nendobj\n`).join('');
      fs.writeFileSync(file, `garbage\n${objects}trailer\n<< /Root 1 0 R /Size 5 \nstartxref\n99999999\n%%EOF\n`);
      const r = await runQpdf(['--check', file], { timeoutMs: 10_000 });
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/^WARNING: /);
      expect(qpdfComplaint(r)).toBe('unable to find trailer dictionary while recovering damaged file');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
