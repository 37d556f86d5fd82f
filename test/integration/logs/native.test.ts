// The libc bindings the log channels and the daemon rely on, against the real kernel.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  bytesInPipe,
  getPipeSize,
  mkfifo,
  pipe,
  setPipeSize,
  tryLockFile,
} from '../../../src/process/native/fd.js';
import { EAGAIN, SystemCallError } from '../../../src/process/native/koffi.js';
import { pidfdOpen } from '../../../src/process/native/pidfd.js';
import { splice, tee } from '../../../src/process/native/splice.js';
import { REPO_ROOT, tempHome } from '../../helpers/home.js';

test('flock: one holder at a time, released on close', (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const path = join(home.dir, 'daemon.lock');
  const a = openSync(path, 'w');
  const b = openSync(path, 'r');
  try {
    assert.equal(tryLockFile(a), true);
    assert.equal(tryLockFile(b), false);
    closeSync(a); // closing releases it
    assert.equal(tryLockFile(b), true);
  } finally {
    closeSync(b);
  }
});

test('pipes: size, pending bytes, tee peeks without consuming, splice moves', (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const [r, w] = pipe();
  const [sr, sw] = pipe();
  const file = openSync(join(home.dir, 'out'), 'w+');
  try {
    const granted = setPipeSize(w, 256 * 1024); // may be refused past the user's pipe quota
    if (granted > 0) assert.equal(getPipeSize(w), granted);
    assert.ok(getPipeSize(w) >= 4096);
    assert.equal(bytesInPipe(r), 0);
    assert.equal(tee(r, sw, 100), -EAGAIN);
    writeSync(w, 'hello\n');
    assert.equal(bytesInPipe(r), 6);
    assert.equal(tee(r, sw, 100), 6);
    assert.equal(bytesInPipe(r), 6, 'tee left the bytes in place');
    const peeked = Buffer.alloc(6);
    readSync(sr, peeked, 0, 6, null);
    assert.equal(peeked.toString(), 'hello\n');
    assert.equal(splice(r, file, 100, 10), 6);
    assert.equal(splice(r, file, 100, 16), -EAGAIN);
    const back = Buffer.alloc(16);
    readSync(file, back, 0, 16, 0);
    assert.equal(back.subarray(10).toString(), 'hello\n');
  } finally {
    for (const fd of [r, w, sr, sw, file]) closeSync(fd);
  }
});

test('mkfifo reports errors as system errors', (t) => {
  const home = tempHome();
  t.after(() => home.cleanup());
  const path = join(home.dir, 'f.fifo');
  mkfifo(path);
  assert.throws(
    () => mkfifo(path),
    (e: unknown) => e instanceof SystemCallError && e.code === 'EEXIST' && e.path === path,
  );
});

test('pidfd_open: a live pid gives an fd, a gone one ESRCH', () => {
  const fd = pidfdOpen(process.pid);
  assert.ok(fd > 2);
  closeSync(fd);
  assert.throws(
    () => pidfdOpen(2 ** 22 + 1),
    (e: unknown) => e instanceof SystemCallError && (e.code === 'ESRCH' || e.code === 'EINVAL'),
  );
});

test('setChildSubreaper works (in a throwaway process)', () => {
  const native = join(REPO_ROOT, 'dist', 'src', 'process', 'native', 'pidfd.js');
  const out = execFileSync(process.execPath, [
    '--input-type=module',
    '-e',
    `import { setChildSubreaper } from ${JSON.stringify(native)}; setChildSubreaper(); console.log('done');`,
  ]);
  assert.equal(out.toString().trim(), 'done'); // it throws SystemCallError when prctl fails
});
