#!/usr/bin/env bats
# podman (Debian's package) checkpointing and restoring containers with sie
# as its OCI runtime, through CRIU (/usr/local/sbin/criu, which must come
# before Debian's /usr/sbin/criu in PATH).  The isolation is podman.bats':
# podman runs with its own storage, run root, networks, locks and events
# file under a temporary directory, through CONTAINERS_CONF and
# CONTAINERS_STORAGE_CONF; no system instance is used.  Each test shows
# that a counter kept in the container's memory goes on from where it was,
# and that nothing of sie (state dir, cgroup) is left afterwards.

load helpers
load engines

IMAGE=localhost/sietest-busybox
CRIU_DIR=/usr/local/sbin

setup_file ()
{
  command -v podman > /dev/null || skip "podman is not installed (make deps)"
  [ -x "$CRIU_DIR/criu" ] || skip "no CRIU at $CRIU_DIR/criu (make deps)"
  # podman runs `criu` from PATH, and sie does too (podman passes no --criu).
  export PATH="$CRIU_DIR:$PATH"
  local check
  check=$(criu check 2>&1) || skip "criu check fails on this kernel: $(tail -n 1 <<< "$check")"
  podman_setup sietest2 10.89.78
}

teardown_file () { podman_teardown; }

setup ()
{
  touch "$PM_DIR/events.log"
  EVENTS_FROM=$(($(wc -l < "$PM_DIR/events.log") + 1))
  NAME=sietest-$(tr -dc 'a-z0-9' < /dev/urandom | head -c 8)
  EXPORT=$PM_DIR/$NAME.tar.gz
}

# podman_teardown_test, and the exported archive goes.
teardown ()
{
  rm -f "$EXPORT"
  podman_teardown_test
}

ctr_id () { pm inspect --format '{{.ID}}' "$1"; }
ctr_pid () { pm inspect --format '{{.State.Pid}}' "$1"; }
ctr_state () { pm inspect --format '{{.State.Status}} {{.State.Checkpointed}}' "$1"; }

# The counter: $i lives only in the shell's memory.  Every value is
# appended to /tmp/seq (one write each, so never half there), and
# /tmp/starts gets a line each time the script starts.  A container that
# was restored, rather than started again, has one start and a /tmp/seq of
# 1, 2, 3 ... with neither a gap nor a second 1.
COUNTER='echo start >> /tmp/starts; i=0
  while :; do i=$((i+1)); echo $i >> /tmp/seq; sleep 0.05; done'

run_counter () { run_bg "$@" "$IMAGE" sh -c "$COUNTER"; }

count_of () { pm exec "$1" tail -n 1 /tmp/seq; }

# wait_count_above NAME N: the counter of NAME passes N.
wait_count_above ()
{
  wait_until "[ \"\$(count_of $1 2> /dev/null)\" -gt $2 ] 2> /dev/null" 100 \
    || fail "$1: count stayed at $(count_of "$1" 2>&1), expected more than $2"
}

# assert_counted_on NAME: one start, and /tmp/seq is 1 .. N in order.
assert_counted_on ()
{
  local starts bad
  starts=$(pm exec "$1" cat /tmp/starts) || fail "$1: no /tmp/starts"
  [ "$starts" = start ] || fail "$1: the counter started more than once: $starts"
  bad=$(pm exec "$1" cat /tmp/seq | awk 'NR != $1 { print "line " NR ": " $1; exit }')
  [ -z "$bad" ] || fail "$1: /tmp/seq does not go 1, 2, 3 ...: $bad"
}

# upper_count NAME: the last value the counter of a stopped container
# wrote, from its overlay upper directory: where it was at the dump.
upper_count () { tail -n 1 "$(pm inspect --format '{{.GraphDriver.Data.UpperDir}}' "$1")/tmp/seq"; }

# assert_running_under_sie NAME ID: podman and sie agree the container runs,
# with the same pid, and that pid is in the container's cgroup.
assert_running_under_sie ()
{
  local pid sie_pid cg
  run ctr_state "$1"
  assert_output_equal "running false"
  pid=$(ctr_pid "$1")
  sie_pid=$("$SIE" state "$2" | jq -r 'select(.status == "running") | .pid')
  [ "$pid" -gt 0 ] && [ "$pid" = "$sie_pid" ] || fail "podman's pid $pid, sie's running pid '$sie_pid'"
  cg=$(cgroup_dirs "libpod-$2" | head -n 1)
  [ -n "$cg" ] || fail "no cgroup libpod-$2"
  grep -qx "$pid" "$cg/cgroup.procs" || fail "pid $pid is not in $cg"
}

# assert_checkpointed_and_gone NAME ID PID: podman shows the container exited
# after a checkpoint; sie's state dir, the cgroup and the init are gone.
assert_checkpointed_and_gone ()
{
  local pid=$3
  run ctr_state "$1"
  assert_output_equal "exited true"
  assert_engine_container_gone /run/sie "$2" "libpod-$2"
  [ ! -e "/proc/$pid" ] || fail "the container's init $pid still runs after the checkpoint"
}

# ---------------------------------------------------------------- the probe

# podman decides whether a runtime can checkpoint by running
# `RUNTIME checkpoint --help` and looking only at its exit status; both
# podman and sie then run the `criu` that PATH finds first.
@test "podman's probe: sie checkpoint --help succeeds, criu in PATH is CRIU 4" {
  run "$SIE" checkpoint --help
  assert_success
  run command -v criu
  assert_output_equal "$CRIU_DIR/criu"
  run criu --version
  assert_output_match '^Version: 4\.'
}

# ---------------------------------------------------------------- in place

@test "podman container checkpoint, then restore: the counter goes on from where it was" {
  run_counter
  wait_count_above "$NAME" 20
  local pid before dumped after
  pid=$(ctr_pid "$NAME")
  before=$(count_of "$NAME")
  run pm inspect --format '{{.OCIRuntime}}' "$NAME"
  assert_output_equal sie
  run pm container checkpoint "$NAME"
  assert_success
  assert_output_equal "$NAME"
  assert_checkpointed_and_gone "$NAME" "$CID" "$pid"
  [ -f "$PM_DIR/storage/overlay-containers/$CID/userdata/checkpoint/inventory.img" ] \
    || fail "no CRIU images: $(ls "$PM_DIR/storage/overlay-containers/$CID/userdata/checkpoint" 2>&1)"
  dumped=$(upper_count "$NAME")
  [ "$dumped" -ge "$before" ] || fail "count on disk $dumped, before the checkpoint $before"
  sleep 1
  [ "$(upper_count "$NAME")" = "$dumped" ] || fail "the counter ran while checkpointed"

  run pm container restore "$NAME"
  assert_success
  assert_output_equal "$NAME"
  assert_running_under_sie "$NAME" "$CID"
  after=$(count_of "$NAME")
  [ "$after" -ge "$dumped" ] || fail "restored count $after, checkpointed at $dumped: the counter started again"
  wait_count_above "$NAME" "$((after + 5))"
  assert_counted_on "$NAME"
  run pm stop -t 1 "$NAME"
  assert_success
  run pm rm "$NAME"
  assert_success
  assert_engine_container_gone /run/sie "$CID" "libpod-$CID"
}

# ---------------------------------------------------------------- export/import

@test "podman container checkpoint --export, rm, restore --import: the counter goes on" {
  run_counter
  wait_count_above "$NAME" 20
  local pid dumped after
  pid=$(ctr_pid "$NAME")
  run pm container checkpoint --compress gzip --export "$EXPORT" "$NAME"
  assert_success
  assert_checkpointed_and_gone "$NAME" "$CID" "$pid"
  dumped=$(upper_count "$NAME")
  run tar -tzf "$EXPORT"
  assert_success
  assert_output_match '^(\./)?checkpoint/inventory\.img$'
  assert_output_match '^(\./)?rootfs-diff\.tar$'
  run pm rm "$NAME"
  assert_success
  run pm container exists "$NAME"
  assert_status 1

  run pm container restore --import "$EXPORT"
  assert_success
  [ "$(ctr_id "$NAME")" = "$CID" ] || fail "restored under id $(ctr_id "$NAME"), not $CID"
  assert_running_under_sie "$NAME" "$CID"
  after=$(count_of "$NAME")
  [ "$after" -ge "$dumped" ] || fail "restored count $after, checkpointed at $dumped: the counter started again"
  wait_count_above "$NAME" "$((after + 5))"
  assert_counted_on "$NAME"
  run pm rm -f -t 0 "$NAME"
  assert_success
  assert_engine_container_gone /run/sie "$CID" "libpod-$CID"
}

# ---------------------------------------------------------------- --leave-running

@test "podman container checkpoint --leave-running: the original runs on, a copy restores beside it" {
  run_counter
  wait_count_above "$NAME" 20
  local pid before copy=$NAME-copy copy_id n
  pid=$(ctr_pid "$NAME")
  before=$(count_of "$NAME")
  run pm container checkpoint --leave-running --compress gzip --export "$EXPORT" "$NAME"
  assert_success
  # the original: the same init, still counting, never restarted
  assert_running_under_sie "$NAME" "$CID"
  [ "$(ctr_pid "$NAME")" = "$pid" ] || fail "the init changed from $pid to $(ctr_pid "$NAME")"
  wait_count_above "$NAME" "$((before + 10))"
  assert_counted_on "$NAME"

  # a copy from the export, under another name and address, counts on from
  # the dumped value while the original keeps going (its /tmp/seq is not
  # checked: the rootfs diff was exported after the dump, while the
  # original went on writing, so it may hold a few values more)
  run pm container restore --import "$EXPORT" --name "$copy" --ignore-static-ip --ignore-static-mac
  assert_success
  copy_id=$(ctr_id "$copy")
  [ -n "$copy_id" ] && [ "$copy_id" != "$CID" ] || fail "the copy's id '$copy_id'"
  assert_running_under_sie "$copy" "$copy_id"
  n=$(count_of "$copy")
  [ "$n" -ge "$before" ] || fail "the copy counts from $n, the original was at $before when dumped"
  wait_count_above "$copy" "$((n + 5))"
  run pm exec "$copy" cat /tmp/starts
  assert_output_equal start
  assert_running_under_sie "$NAME" "$CID"
  [ "$(ctr_pid "$NAME")" = "$pid" ] || fail "the original's init changed"

  run pm rm -f -t 0 "$NAME" "$copy"
  assert_success
  assert_engine_container_gone /run/sie "$CID" "libpod-$CID"
  assert_engine_container_gone /run/sie "$copy_id" "libpod-$copy_id"
}
