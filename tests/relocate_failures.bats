#!/usr/bin/env bats
# sie serve when things go wrong: a daemon killed mid-transfer, the
# relocated bundle's life, a destination cgroup someone else uses
# (tests/relocate.bash sets up the two hosts).

load helpers
load relocate

setup () { relocate_setup; }

# The directories of host B's cgroup subtree ($ID-hostb), one per hierarchy.
hostb_cgroups ()
{
  local ctrl path mnt
  while IFS=: read -r _ ctrl path; do
    if [ -z "$ctrl" ]; then mnt=/sys/fs/cgroup/unified; [ -d "$mnt" ] || mnt=/sys/fs/cgroup; else mnt=/sys/fs/cgroup/${ctrl#name=}; fi
    [ -d "$mnt${path%/}/$ID-hostb" ] && echo "$mnt${path%/}/$ID-hostb"
  done < /proc/self/cgroup
}

# The processes of host B's cgroup subtree but its listening daemon.
hostb_others () { cat "$1/cgroup.procs" | grep -vx "$DAEMON"; }

# Nothing of the container at the destination: no state, no bundle, no
# cgroup below the daemon's, no process but the daemon in its subtree.
assert_destination_clean ()
{
  local d
  [ ! -e "$DST/$ID" ] || fail "the destination has state for $ID"
  [ ! -e "$DST/.bundles/$ID" ] || fail "the destination kept a bundle for $ID"
  for d in $(hostb_cgroups); do
    [ -z "$(find "$d" -mindepth 1 -type d)" ] || fail "cgroups left at the destination: $(find "$d" -mindepth 1 -type d)"
    wait_until "[ -z \"\$(hostb_others '$d')\" ]" 50 || fail "processes left in $d: $(hostb_others "$d")"
  done
}

# The handler has gone and taken its spool and its ID lock along.
wait_handler_done ()
{
  wait_until "[ -z \"\$(ls -A '$DST/.relocate' 2> /dev/null)\" ]" 100 ||
    fail "left in $DST/.relocate: $(ls -A "$DST/.relocate")"
}

# start_daemon once more, the first one killed: host B's cgroups go at
# teardown once this daemon has gone too (its kill is not its exit).
restart_daemon ()
{
  start_daemon
  on_teardown "for i in \$(seq 50); do kill -0 $DAEMON 2> /dev/null || break; sleep 0.1; done; for d in $(hostb_cgroups | tr '\n' ' '); do rmdir \$d; done"
}

spool_image_bytes () { cat "$DST"/.relocate/[0-9]*/images/* 2> /dev/null | wc -c; }

@test "sie serve killed mid-transfer: connection lost, the source runs on; the restarted daemon sweeps the spool and the move then completes" {
  start_daemon
  # enough memory, and a slow enough link, that the transfer takes seconds
  set_cmd "a=\$(head -c 64000000 /dev/zero | tr '\\0' x); i=0; while :; do i=\$((i+1)); echo \$i > /tmp/count; sleep 0.05; done"
  run_detached "$ID"
  wait_until "[ \"\$(count_at '$ROOT' 2>/dev/null || echo 0)\" -gt 2 ]" 600 || fail "the counter never started"
  tc -n "$HA" qdisc add dev eth0 root tbf rate 100mbit burst 64kb latency 400ms
  relocate --mode stop-copy "$ID" "$DEST" > "$TEST_DIR/reloc.out" 2>&1 &
  mover=$!
  wait_until "[ \$(spool_image_bytes) -gt 4000000 ]" 300 ||
    fail "no images arrived: $(cat "$TEST_DIR/reloc.out")"
  handler=$(pgrep -P "$DAEMON")
  [ -n "$handler" ] || fail "no per-connection process"
  kill -9 "$DAEMON" $handler
  wait "$DAEMON" || true
  rc=0
  wait "$mover" || rc=$?
  [ "$rc" -ne 0 ] || fail "the relocation succeeded: $(cat "$TEST_DIR/reloc.out")"
  grep -q "connection lost" "$TEST_DIR/reloc.out" || fail "$(cat "$TEST_DIR/reloc.out")"
  tail -n 1 "$ROOT/relocate.log" | jq -e '.result == "connection lost"' > /dev/null ||
    fail "log: $(tail -n 1 "$ROOT/relocate.log")"
  assert_still_here
  assert_destination_clean
  [ -d "$DST/.relocate/$handler" ] || fail "the killed handler left no spool (nothing to sweep)"
  [ -e "$DST/.relocate/$ID.lock" ] || fail "the killed handler left no ID lock (nothing to sweep)"
  # a bundle no container uses, as one killed between placing it and restoring leaves
  mkdir -p "$DST/.bundles/$ID-orphan"
  echo '{}' > "$DST/.bundles/$ID-orphan/config.json"

  tc -n "$HA" qdisc del dev eth0 root
  restart_daemon
  [ ! -e "$DST/.relocate/$handler" ] || fail "the stale spool is still there"
  [ ! -e "$DST/.relocate/$ID.lock" ] || fail "the stale ID lock is still there"
  [ ! -e "$DST/.bundles/$ID-orphan" ] || fail "the orphaned bundle is still there"
  grep -q "removed $DST/.relocate/$handler," "$TEST_DIR/serve.log" || fail "serve.log: $(cat "$TEST_DIR/serve.log")"
  run relocate --mode stop-copy "$ID" "$DEST"
  assert_success
  assert_moved
}

@test "relocate: the destination keeps the bundle in <root>/.bundles/ID; a restart leaves it, delete --force removes it" {
  start_daemon
  start_counter
  run relocate --mode stop-copy "$ID" "$DEST"
  assert_success
  assert_moved
  bundle=$("$SIE" --root "$DST" state "$ID" | jq -r .bundle)
  [ "$bundle" = "$(realpath "$DST")/.bundles/$ID" ] || fail "the bundle is $bundle"
  [ -f "$bundle/config.json" ] || fail "no config.json in $bundle"
  [ "$(readlink -f "$bundle/rootfs")" = "$(realpath "$BUNDLE/rootfs")" ] || fail "root.path: $(ls -l "$bundle")"
  wait_handler_done
  grep -Eq "^sie serve: $ID: restored as pid [0-9]+, running again after [0-9.]+ ms$" "$TEST_DIR/serve.log" &&
    grep -q "^sie serve: $ID: committed" "$TEST_DIR/serve.log" || fail "serve.log: $(cat "$TEST_DIR/serve.log")"
  # the living container's bundle survives the sweep at a restart
  kill -9 "$DAEMON"
  wait "$DAEMON" || true
  restart_daemon
  [ -f "$bundle/config.json" ] || fail "the restart removed the bundle of a running container"
  run "$SIE" --root "$DST" delete --force "$ID"
  assert_success
  [ ! -e "$bundle" ] || fail "delete left $bundle"
  [ -x "$BUNDLE/rootfs/bin/busybox" ] || fail "delete went through the root.path link"
}

@test "relocate --max-quiesce 1ms: aborted, the source keeps running, no bundle is left at the destination" {
  start_daemon
  start_counter
  run relocate --mode stop-copy --max-quiesce 1ms "$ID" "$DEST"
  assert_failure
  assert_output_match "max-quiesce exceeded"
  assert_still_here
  tail -n 1 "$ROOT/relocate.log" | jq -e '.result == "max-quiesce exceeded"' > /dev/null
  wait_handler_done
  assert_destination_clean
}

@test "delete removes only sie's own relocated bundle, never another one under the root" {
  dir=$ROOT/.bundles/$ID-user
  mkdir -p "$dir"
  cp "$BUNDLE/config.json" "$dir/"
  ln -s "$BUNDLE/rootfs" "$dir/rootfs"
  sie_detached run -d -b "$dir" "$ID"
  run "$SIE" --root "$ROOT" delete --force "$ID"
  assert_success
  [ -f "$dir/config.json" ] || fail "delete removed the bundle $dir"
  sie_detached run -d -b "$BUNDLE" "$ID"
  run "$SIE" --root "$ROOT" delete --force "$ID"
  assert_success
  [ -f "$BUNDLE/config.json" ] || fail "delete removed the bundle $BUNDLE"
}

@test "relocate: a destination cgroup that already holds processes is refused, and the source keeps running" {
  start_daemon
  start_counter
  # the cgroup the restore would use: the daemon's own, then the ID
  sleep 1000 < /dev/null > /dev/null 2>&1 3>&- &
  sleeper=$!
  on_teardown "kill -9 $sleeper; wait $sleeper"
  move_to_own_cgroup "$sleeper" "$ID-hostb/$ID"
  on_teardown "for d in $(hostb_cgroups | tr '\n' ' '); do rmdir \$d; done"
  run relocate "$ID" "$DEST"
  assert_failure
  assert_output_match "cgroup /sys/fs/cgroup/.*/$ID-hostb/$ID already holds processes"
  assert_still_here
  [ ! -e "$DST/.bundles/$ID" ] || fail "the destination kept a bundle"
  kill -0 "$sleeper" || fail "the process in that cgroup was killed"
  grep -qx "$sleeper" "$(hostb_cgroups | head -n 1)/$ID/cgroup.procs" || fail "the process left its cgroup"
}
