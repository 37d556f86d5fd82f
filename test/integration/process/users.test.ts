// `user:` and `group:` resolved through this machine's real user database.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { isCorralError } from '../../../src/errors.js';
import { resolveGroup, resolveUser } from '../../../src/process/users.js';

// /etc/passwd and /etc/group as getent would list them (files only: enough to compare with)
function entries(file: string): string[][] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.split(':'));
}

test('users by name and by id, with home, shell and groups', () => {
  const root = resolveUser('root');
  assert.deepEqual(
    { ...root, groups: root.groups.includes(0) },
    {
      name: 'root',
      uid: 0,
      gid: 0,
      home: '/root',
      shell: root.shell,
      groups: true,
    },
  );
  assert.deepEqual(resolveUser(0), root);
  assert.deepEqual(resolveUser('0'), root, 'a string of digits is an id');
  for (const [name, , uid, gid, , home, shell] of entries('/etc/passwd')) {
    const u = resolveUser(name);
    assert.deepEqual(
      { name: u.name, uid: u.uid, gid: u.gid, home: u.home, shell: u.shell },
      { name, uid: Number(uid), gid: Number(gid), home, shell },
    );
    assert.ok(u.groups.includes(u.gid), `${name}'s groups include its primary group`);
  }
});

test('supplementary groups come from the group database', (t) => {
  const passwd = new Set(entries('/etc/passwd').map((e) => e[0]));
  const withMembers = entries('/etc/group').flatMap(([group, , gid, members]) =>
    (members ?? '')
      .split(',')
      .filter((m) => passwd.has(m))
      .map((member) => ({ group, gid: Number(gid), member })),
  );
  if (withMembers.length === 0) return t.skip('no group in /etc/group lists a member');
  for (const { group, gid, member } of withMembers) {
    assert.ok(resolveUser(member).groups.includes(gid), `${member} is in ${group}`);
  }
});

test('groups by name and by id', () => {
  assert.deepEqual(resolveGroup('root'), { name: 'root', gid: 0 });
  assert.deepEqual(resolveGroup(0), { name: 'root', gid: 0 });
  for (const [name, , gid] of entries('/etc/group')) {
    assert.deepEqual(resolveGroup(name), { name, gid: Number(gid) });
    assert.deepEqual(resolveGroup(Number(gid)).gid, Number(gid));
  }
});

test('unknown users and groups are config errors that name them', () => {
  const cases: Array<[() => unknown, string]> = [
    [
      () => resolveUser('no-such-user-x'),
      'no such user "no-such-user-x" (not in the password database of this machine)',
    ],
    [
      () => resolveUser(3999999),
      'no such user with uid 3999999 (not in the password database of this machine)',
    ],
    [
      () => resolveGroup('no-such-group-x'),
      'no such group "no-such-group-x" (not in the group database of this machine)',
    ],
    [
      () => resolveGroup('3999999'),
      'no such group with gid 3999999 (not in the group database of this machine)',
    ],
    [() => resolveUser(-1), 'Expected `user` to be a name or an id, got -1'],
    [() => resolveUser(''), 'Expected `user` to be a name or an id, got ""'],
    [() => resolveGroup(1.5), 'Expected `group` to be a name or an id, got 1.5'],
  ];
  for (const [call, message] of cases) {
    assert.throws(
      call,
      (e: unknown) => isCorralError(e) && e.code === 'CONFIG_INVALID' && e.message === message,
    );
  }
});
