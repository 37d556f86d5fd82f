#!/usr/bin/env bash
# A short life of corral as users install it: the packed tarball installed globally into an empty
# prefix (and run once through npx), then, with the installed `corral` and a home of its own: up of
# a small project, a service killed and restarted, the daemon SIGKILLed while the service survives
# and is adopted by the next daemon, down. Any step that does not happen fails the script loudly.
# Usage: .ci/installed-life.sh corral-X.Y.Z.tgz   (the `node` first on PATH runs it all)
set -euo pipefail

tarball=$(realpath "${1:?usage: $0 corral-X.Y.Z.tgz}")
work=$(mktemp -d /tmp/corral-life.XXXXXX)
prefix="$work/prefix"
project="$work/project"
export CORRAL_HOME="$work/home"
export NO_COLOR=1
installed="$prefix/bin/corral"
step="setting up"

say() { printf 'installed-life: %s\n' "$*"; }

fail() {
  printf '\ninstalled-life: FAILED while %s: %s\n' "$step" "$*" >&2
  if [ -f "$CORRAL_HOME/daemon.log" ]; then
    printf 'installed-life: the last lines of %s:\n' "$CORRAL_HOME/daemon.log" >&2
    tail -n 20 "$CORRAL_HOME/daemon.log" >&2 || true
  fi
  exit 1
}

# the installed corral, with a mark in the environment of every process it starts (the daemon,
# and through it the services), so that none outlives the script
corral() { CORRAL_LIFE_MARK="$work" "$installed" "$@"; }

cleanup() {
  local pids
  pids=$(grep -lsz "^CORRAL_LIFE_MARK=$work\$" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3 || true)
  for pid in $pids; do kill -9 "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# `json EXPR`: evaluates EXPR on the JSON read from stdin (bound to `j`) and prints the result
json() { node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const j=JSON.parse(s);console.log($1)})"; }

# `until_true SECONDS WHAT COMMAND...`: runs COMMAND until it succeeds, or fails after SECONDS
until_true() {
  local seconds=$1 what=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || fail "$what did not happen within ${seconds}s"
    sleep 0.1
  done
}

ticker() { corral ps --json | json "j.find((p)=>p.service==='ticker')?.$1 ?? ''"; }
daemon_pid() { corral daemon status --json | json 'j.running ? j.pid : ""'; }
alive() { kill -0 "$1" 2>/dev/null; }
restarted_from() { local pid; pid=$(ticker pid); [ -n "$pid" ] && [ "$pid" != "$1" ] && [ "$(ticker state)" = running ]; }

step="installing $tarball into an empty prefix"
mkdir -p "$prefix" "$project"
npm install --global --prefix "$prefix" --no-audit --no-fund --loglevel=error "$tarball" >/dev/null ||
  fail "npm install -g exited $?"
[ -x "$installed" ] || fail "no executable $installed after the install"
version=$(tar -xOzf "$tarball" package/package.json | json 'j.version')
[ "$(corral --version)" = "$version" ] || fail "corral --version did not print $version"
say "installed corral $version with $(node --version) into $prefix"

step="running corral through npx"
npx_out=$(cd "$work" && npx --yes --package "$tarball" corral --help) ||
  fail "npx exited $?"
grep -q '^Usage: corral' <<<"$npx_out" || fail "npx corral --help printed no usage"
say "npx runs it too"

step="bringing a project up"
cat >"$project/corral.yaml" <<'EOF'
name: life
services:
  ticker:
    command: [/bin/sh, -c, 'while :; do echo tick; sleep 1; done']
EOF
(cd "$project" && corral up --wait) || fail "corral up --wait exited $?"
first=$(ticker pid)
[ -n "$first" ] && alive "$first" || fail "no running ticker after up (ps: $(corral ps 2>&1))"
say "up: ticker runs as pid $first"

step="killing the service"
corral kill -s SIGKILL ticker || fail "corral kill exited $?"
until_true 15 "a restart of the killed ticker" restarted_from "$first"
second=$(ticker pid)
[ "$(ticker restarts)" = 1 ] || fail "restarts is $(ticker restarts), not 1"
say "kill: ticker restarted as pid $second"

step="SIGKILLing the daemon"
daemon=$(daemon_pid)
[ -n "$daemon" ] || fail "daemon status says no daemon runs"
kill -9 "$daemon"
until_true 10 "the end of the daemon $daemon" eval '! alive "$daemon"'
alive "$second" || fail "the ticker (pid $second) died with the daemon"
# the next command starts a new daemon, which adopts the ticker: same pid, no restart
[ "$(ticker pid)" = "$second" ] || fail "the next daemon shows pid $(ticker pid), not the adopted $second"
[ "$(ticker state)" = running ] || fail "the adopted ticker is $(ticker state)"
[ "$(ticker restarts)" = 1 ] || fail "the adopted ticker has $(ticker restarts) restarts, not 1"
next=$(daemon_pid)
[ -n "$next" ] && [ "$next" != "$daemon" ] || fail "no new daemon runs (was $daemon, now '$next')"
say "daemon SIGKILL: ticker $second survived, adopted by daemon $next"

step="bringing the project down"
(cd "$project" && corral down) || fail "corral down exited $?"
until_true 10 "the end of the ticker" eval '! alive "$second"'
corral daemon stop >/dev/null || fail "corral daemon stop exited $?"
until_true 10 "the end of the daemon $next" eval '! alive "$next"'
say "down: ticker and daemon gone"
say "passed"
