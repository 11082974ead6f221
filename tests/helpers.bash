# Common setup for the sie integration suites (bats).
#
# Every test gets its own directory under $SIE_TEST_BASE (/run/sie-test), holding
# its state root ($ROOT), its bundle ($BUNDLE) and scratch files.  Container IDs
# start with "sietest-" so that tests/run-all can find what a crashed run left
# (state dirs, cgroups, netns) and so assert_no_leftovers can search for them.
#
# SIE_BIN=/usr/sbin/runc runs the behavioural tests against runc, which is how
# they were checked against the reference; sie-specific messages then differ.

bats_require_minimum_version 1.5.0

SIE_REPO=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
SIE=${SIE_BIN:-$SIE_REPO/sie}
SIE_TEST_BASE=${SIE_TEST_BASE:-/run/sie-test}
# Compiled test helpers (recvtty, seccomp_listener).
SIE_TEST_BIN=$SIE_REPO/build/tests
# Per-command bound, so a hung sie fails one test instead of the whole run.
SIE_CMD_TIMEOUT=${SIE_CMD_TIMEOUT:-60}

BUSYBOX_APPLETS="sh true false cat echo ls sleep id hostname mount ps env grep
  readlink stat touch mkdir wc head tail tr cut sed printf uname tty stty kill
  pwd ip df ionice test [ cp rm ln mkfifo dd nproc od seq sysctl awk xargs
  basename dirname sort uniq"

# ---------------------------------------------------------------- setup

sie_setup ()
{
  [ -x "$SIE" ] || { echo "sie binary $SIE is missing: run make" >&2; return 1; }
  mkdir -p "$SIE_TEST_BASE"
  chmod 0755 "$SIE_TEST_BASE"
  TEST_DIR=$(mktemp -d "$SIE_TEST_BASE/t.XXXXXX")
  # A container root in a user namespace must be able to reach the rootfs.
  chmod 0755 "$TEST_DIR"
  ROOT=$TEST_DIR/root
  BUNDLE=$TEST_DIR/bundle
  ID=sietest-$(tr -dc 'a-z0-9' < /dev/urandom | head -c 10)
  TEARDOWN_CMDS=()
  make_bundle "$BUNDLE"
}

# Force-deletes every container of the test root, runs the test's deferred
# cleanups, then fails the test if anything survived: a state dir, a cgroup
# named after a container, or a mount under the test directory.
sie_teardown ()
{
  local problems=() id d cmd mnt cg
  [ -n "${TEST_DIR:-}" ] || return 0
  if [ -d "$ROOT" ]; then
    for d in "$ROOT"/*/; do
      [ -d "$d" ] || continue
      id=$(basename "$d")
      timeout -k 5 30 "$SIE" --root "$ROOT" delete --force "$id" > /dev/null 2>&1
    done
    for d in "$ROOT"/*/; do
      [ -d "$d" ] && problems+=("delete --force left state dir $d")
    done
  fi
  for cmd in "${TEARDOWN_CMDS[@]}"; do
    eval "$cmd" > /dev/null 2>&1 || true
  done
  while read -r mnt; do
    problems+=("mount left behind: $mnt")
    umount -l "$mnt" 2> /dev/null
  done < <(awk -v p="$TEST_DIR" 'index($5, p) == 1 || index($4, p) == 1 {print $5}' /proc/self/mountinfo | sort -r)
  while read -r cg; do
    problems+=("cgroup left behind: $cg")
    remove_cgroup_tree "$cg"
  done < <(find /sys/fs/cgroup -maxdepth 7 -type d -name "${ID}*" 2> /dev/null | sort -r)
  rm -rf "$TEST_DIR"
  if [ ${#problems[@]} -gt 0 ]; then
    printf '# teardown: %s\n' "${problems[@]}" >&2
    return 1
  fi
}

setup () { sie_setup; }
teardown () { sie_teardown; }

# Runs CMD (a string, eval'ed) at teardown, after the containers are gone.
on_teardown () { TEARDOWN_CMDS+=("$1"); }

# Kills what is left in a cgroup directory tree and removes it, deepest first.
remove_cgroup_tree ()
{
  local d
  [ -d "$1" ] || return 0
  while read -r d; do
    if [ -f "$d/cgroup.procs" ]; then
      xargs -r kill -9 < "$d/cgroup.procs" 2> /dev/null
    fi
  done < <(find "$1" -type d)
  sleep 0.1
  find "$1" -depth -type d -exec rmdir {} \; 2> /dev/null
  return 0
}

# ---------------------------------------------------------------- bundles

# make_bundle DIR: a busybox-static rootfs and a config.json from `sie spec`,
# made non-interactive and writable so tests can leave files in the rootfs.
make_bundle ()
{
  local dir=$1 a
  mkdir -p "$dir"/rootfs/{bin,proc,dev,sys,tmp,etc,root}
  chmod 1777 "$dir/rootfs/tmp"
  cp /bin/busybox "$dir/rootfs/bin/busybox"
  for a in $BUSYBOX_APPLETS; do
    ln -sf busybox "$dir/rootfs/bin/$a"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' \
    > "$dir/rootfs/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' > "$dir/rootfs/etc/group"
  (cd "$dir" && "$SIE" spec) || { echo "make_bundle: sie spec failed in $dir" >&2; return 1; }
  update_config '.process.terminal = false | .root.readonly = false | .process.args = ["true"]' "$dir"
}

# update_config 'jq filter' [BUNDLE]: edits config.json in place.
update_config ()
{
  local dir=${2:-$BUNDLE}
  jq "$1" "$dir/config.json" > "$dir/config.json.new" && mv "$dir/config.json.new" "$dir/config.json"
}

# set_args ARG...: process.args = the given words.
set_args ()
{
  local args
  args=$(jq -cn '$ARGS.positional' --args -- "$@")
  update_config ".process.args = $args"
}

# set_cmd 'shell command': process.args = ["sh", "-c", command].
set_cmd () { set_args sh -c "$1"; }

# add_mount '{"destination": ...}' appends a mount to config.json.
add_mount () { update_config ".mounts += [$1]"; }

# ---------------------------------------------------------------- sie

sie ()
{
  timeout --foreground -k 5 "$SIE_CMD_TIMEOUT" "$SIE" --root "$ROOT" "$@"
}

# For create and run -d: the container keeps sie's stdio, so bats' `run`
# would wait for it to exit.  The container's stdout/stderr go to
# $TEST_DIR/ctr.out / ctr.err; this call's own stderr is echoed back.
sie_detached ()
{
  local before rc
  touch "$TEST_DIR/ctr.err"
  before=$(stat -c %s "$TEST_DIR/ctr.err")
  sie "$@" < /dev/null >> "$TEST_DIR/ctr.out" 2>> "$TEST_DIR/ctr.err" 3>&-
  rc=$?
  tail -c +$((before + 1)) "$TEST_DIR/ctr.err"
  return $rc
}

# create_container [create flags] ID (bundle is $BUNDLE unless -b given).
create_container () { sie_detached create -b "$BUNDLE" "$@"; }
run_detached () { sie_detached run -d -b "$BUNDLE" "$@"; }

state_field () { sie state "$1" | jq -r ".$2"; }
container_pid () { state_field "$1" pid; }
container_status () { state_field "$1" status; }

# wait_status ID STATUS [tries]: polls `sie state` every 0.1 s.
wait_status ()
{
  local i s
  for ((i = 0; i < ${3:-100}; i++)); do
    s=$(container_status "$1" 2> /dev/null)
    [ "$s" = "$2" ] && return 0
    sleep 0.1
  done
  echo "container $1 status is '$s', expected '$2'" >&2
  return 1
}

# wait_for_file PATH [tries]
wait_for_file ()
{
  local i
  for ((i = 0; i < ${2:-100}; i++)); do
    [ -e "$1" ] && return 0
    sleep 0.1
  done
  echo "timed out waiting for $1" >&2
  return 1
}

# wait_until 'shell condition' [tries]
wait_until ()
{
  local i
  for ((i = 0; i < ${2:-100}; i++)); do
    eval "$1" && return 0
    sleep 0.1
  done
  echo "timed out waiting for: $1" >&2
  return 1
}

# ---------------------------------------------------------------- assertions

fail () { printf '%s\n' "$@" >&2; return 1; }

# assert_status N: the last `run` exited with N, else show its output.
assert_status ()
{
  [ "$status" -eq "$1" ] || fail "expected exit status $1, got $status" "output: $output"
}

assert_success () { assert_status 0; }

assert_failure ()
{
  [ "$status" -ne 0 ] || fail "expected failure, got exit 0" "output: $output"
  [ "$status" -ne 124 ] || fail "command timed out" "output: $output"
}

# assert_output_match 'ERE': some line of $output matches.
assert_output_match ()
{
  grep -Eq -- "$1" <<< "$output" || fail "no output line matches /$1/" "output: $output"
}

assert_output_no_match ()
{
  ! grep -Eq -- "$1" <<< "$output" || fail "output unexpectedly matches /$1/" "output: $output"
}

assert_output_equal ()
{
  [ "$output" = "$1" ] || fail "expected output: $1" "actual output:   $output"
}

# assert_error_line ID: sie's one-line error format, "sie: <id>: <cause>".
assert_error_line ()
{
  assert_failure
  [ "$status" -eq 1 ] || fail "errors must exit 1, got $status" "output: $output"
  assert_output_match "^sie: $1: .+"
}

# Nothing of container ID survives: no state dir, no cgroup named ID in any
# hierarchy, no mount referencing the bundle's rootfs.
assert_no_leftovers ()
{
  local id=$1 cg mnt
  [ ! -e "$ROOT/$id" ] || fail "state dir $ROOT/$id left behind"
  cg=$(find /sys/fs/cgroup -maxdepth 7 -type d -name "$id" 2> /dev/null || true)
  [ -z "$cg" ] || fail "cgroup left behind: $cg"
  mnt=$(grep -F "$BUNDLE/rootfs" /proc/self/mountinfo || true)
  [ -z "$mnt" ] || fail "mount left behind: $mnt"
}

# ---------------------------------------------------------------- host facts

# Own cgroup path of this shell in the hierarchy whose /proc/self/cgroup
# controller field is $1 ("" for cgroup2, "memory", "name=systemd").
own_cgroup ()
{
  awk -F: -v c="$1" '$2 == c { sub(/^[^:]*:[^:]*:/, ""); print; exit }' /proc/self/cgroup
}

# Mountpoint of the hierarchy with controller field $1 ("" for cgroup2).
cgroup_mountpoint ()
{
  local want=$1
  awk -v want="$want" '
    {
      for (i = 7; $i != "-"; i++) ;
      fstype = $(i + 1); opts = $(i + 3)
      if (want == "" && fstype == "cgroup2") { print $5; exit }
      if (want != "" && fstype == "cgroup") {
        n = split(want, w, ","); found = 0
        for (j = 1; j <= n; j++) if (("," opts ",") ~ ("," w[j] ",")) found++
        if (found == n) { print $5; exit }
      }
    }' /proc/self/mountinfo
}

# compile_helper NAME [LIBS]: builds tests/NAME.c into build/tests/NAME when stale.
compile_helper ()
{
  local src=$SIE_REPO/tests/$1.c out=$SIE_TEST_BIN/$1
  mkdir -p "$SIE_TEST_BIN"
  if [ ! -x "$out" ] || [ "$src" -nt "$out" ] || [ "$SIE_REPO/tests/fdsock.h" -nt "$out" ]; then
    cc -O1 -g -Wall -Wextra -Werror -o "$out.tmp.$$" "$src" "${@:2}" && mv "$out.tmp.$$" "$out"
  fi
}

# A unique name for host objects (netns, dirs in /tmp) that teardown and
# tests/run-all recognise.
host_name () { echo "${ID}-$1"; }

# tests/tap_reader, linked against sie's own netns/ objects; always
# relinked, since those objects change with sie.
build_tap_reader ()
{
  local out=$SIE_TEST_BIN/tap_reader
  mkdir -p "$SIE_TEST_BIN"
  cc -O1 -g -Wall -Wextra -Werror -I"$SIE_REPO" -D_GNU_SOURCE -o "$out.tmp.$$" \
    "$SIE_REPO/tests/tap_reader.c" "$SIE_REPO"/build/netns/*.o "$SIE_REPO"/build/util/*.o \
    -lmnl -lyajl && mv "$out.tmp.$$" "$out"
}

# make_host_pair A B NET: network namespaces A and B, two "hosts" joined by
# a veth (eth0 on each side, NET.1/24 in A and NET.2/24 in B, lo up);
# removed at teardown.
make_host_pair ()
{
  local n
  for n in "$1" "$2"; do
    ip netns add "$n"
    on_teardown "ip netns del $n"
  done
  ip -n "$1" link add eth0 type veth peer name eth0 netns "$2"
  ip -n "$1" addr add "$3.1/24" dev eth0
  ip -n "$2" addr add "$3.2/24" dev eth0
  for n in "$1" "$2"; do
    ip -n "$n" link set lo up
    ip -n "$n" link set eth0 up
  done
}

# wait_pid PID: waits for a background job of this shell and sets $status
# (bats' `run wait` would wait from a subshell, which is not the parent).
wait_pid ()
{
  wait "$1" && status=0 || status=$?
}

# count_procs CGROUP_DIR 'argv joined by spaces': processes of the cgroup
# with exactly that command line.
count_procs ()
{
  local p
  for p in $(cat "$1/cgroup.procs" 2> /dev/null); do
    tr '\0' ' ' 2> /dev/null < "/proc/$p/cmdline"
    echo
  done | grep -cx -- "$2 " || true
}
