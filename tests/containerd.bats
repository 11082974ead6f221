#!/usr/bin/env bats
# containerd (Debian's package) driving sie through the runc v2 shim
# (`ctr run --runc-binary sie`): run, exec, kill, task list, pause, delete;
# the output and exit codes a user sees, and no sie state or cgroup left.
#
# The daemon is this file's own: root, state, sockets and config under a
# temporary directory, started in setup_file and stopped in teardown_file.
# Two paths are fixed by containerd 1.6 itself: the shim sockets in
# /run/containerd/s/<hash of our address> and the shim's runc root
# /run/containerd/runc/<namespace>; the namespace "sietest" keeps ours apart.

load helpers
load engines

IMAGE=localhost/sietest-busybox:latest
NS=sietest
SIE_ROOT=/run/containerd/runc/$NS

setup_file ()
{
  command -v containerd > /dev/null || skip "containerd is not installed (make deps)"
  mkdir -p "$SIE_TEST_BASE"
  CD_DIR=$(mktemp -d "$SIE_TEST_BASE/containerd.XXXXXX")
  chmod 0755 "$CD_DIR"
  cat > "$CD_DIR/config.toml" << EOF
version = 2
root = "$CD_DIR/root"
state = "$CD_DIR/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$CD_DIR/containerd.sock"
[ttrpc]
  address = "$CD_DIR/containerd.sock.ttrpc"
[debug]
  address = "$CD_DIR/debug.sock"
  level = "debug"
[metrics]
  address = ""
EOF
  [ -d /run/containerd ] && CD_HAD_RUN_DIR=1 || CD_HAD_RUN_DIR=0
  containerd --config "$CD_DIR/config.toml" > "$CD_DIR/containerd.log" 2>&1 < /dev/null 3>&- &
  CD_PID=$!
  export CD_DIR CD_PID CD_HAD_RUN_DIR
  wait_until "ctr --address $CD_DIR/containerd.sock version > /dev/null 2>&1" 100 \
    || { cat "$CD_DIR/containerd.log" >&2; return 1; }
  make_rootfs_tar "$CD_DIR/rootfs.tar"
  make_oci_archive "$CD_DIR/rootfs.tar" "$IMAGE" "$CD_DIR/image.tar"
  cctr image import "$CD_DIR/image.tar" > /dev/null
}

teardown_file ()
{
  local p
  [ -n "${CD_DIR:-}" ] || return 0
  # Shims whose daemon is ours (the address is on their command line).
  for p in $(pgrep -f "containerd-shim-runc-v2 .*-address $CD_DIR/containerd.sock"); do
    kill -9 "$p" 2> /dev/null
  done
  if [ -n "${CD_PID:-}" ]; then
    kill "$CD_PID" 2> /dev/null
    wait_until "! kill -0 $CD_PID 2> /dev/null" 50 || kill -9 "$CD_PID" 2> /dev/null
  fi
  grep -F "$CD_DIR/" /proc/self/mountinfo | awk '{print $5}' | sort -r | xargs -r -n1 umount -l
  rm -rf "$CD_DIR"
  rmdir "$SIE_ROOT" 2> /dev/null
  # The parent cgroup of ctr's /<namespace>/<id> paths.
  cgroup_dirs "$NS" | xargs -r rmdir 2> /dev/null
  if [ "$CD_HAD_RUN_DIR" = 0 ]; then
    rmdir /run/containerd/runc /run/containerd/s /run/containerd 2> /dev/null
  fi
  return 0
}

cctr () { timeout -k 5 "$SIE_CMD_TIMEOUT" ctr --address "$CD_DIR/containerd.sock" -n "$NS" "$@"; }

setup ()
{
  CID=sietest-$(tr -dc 'a-z0-9' < /dev/urandom | head -c 10)
}

# Whatever the test did, its containers must go, and with them sie's state
# dir and the cgroup (ctr's default cgroupsPath is /<namespace>/<id>).
teardown ()
{
  local id problems=()
  for id in $(cctr task ls -q 2> /dev/null); do
    cctr task kill -s KILL "$id" > /dev/null 2>&1
  done
  for id in $(cctr container ls -q 2> /dev/null); do
    wait_until "! cctr task ls -q | grep -qx $id || cctr task ls | grep -q \"^$id .*STOPPED\"" 50
    cctr task delete "$id" > /dev/null 2>&1
    cctr container rm "$id" > /dev/null 2>&1
  done
  for id in "$CID" "$CID-2"; do
    [ -e "$SIE_ROOT/$id" ] && problems+=("sie state dir $SIE_ROOT/$id left behind")
    [ -z "$(cgroup_dirs "$id")" ] || problems+=("cgroup $id left behind")
  done
  if [ ${#problems[@]} -gt 0 ]; then
    printf '# teardown: %s\n' "${problems[@]}" >&2
    return 1
  fi
}

# ctr_run [run flags] ID ARGS...: `ctr run` with the runc v2 shim and sie.
ctr_run ()
{
  local flags=()
  while [[ $1 == -* ]]; do flags+=("$1"); shift; done
  cctr run --fifo-dir "$CD_DIR/fifo" --runtime io.containerd.runc.v2 --runc-binary "$SIE" \
    "${flags[@]}" "$IMAGE" "$@"
}

# start_bg [run flags] ARGS...: a detached task $CID running ARGS, and its
# pid in $PID.
start_bg ()
{
  local flags=()
  while [[ $1 == -* ]]; do flags+=("$1"); shift; done
  ctr_run -d "${flags[@]}" "$CID" "$@" < /dev/null > /dev/null || fail "ctr run -d failed"
  wait_until "cctr task ls | grep -q \"^$CID .*RUNNING\"" 50 || return 1
  PID=$(cctr task ls | awk -v id="$CID" '$1 == id { print $2 }')
}

task_status () { cctr task ls | awk -v id="$1" '$1 == id { print $3 }'; }

@test "ctr run: output, exit code, nothing left" {
  run ctr_run --rm "$CID" sh -c 'echo hello; id -u; exit 3'
  assert_status 3
  assert_output_equal $'hello\n0'
}

@test "ctr run: a missing command fails with sie's error" {
  run ctr_run --rm "$CID" /nonexistent
  assert_failure
  assert_output_match 'OCI runtime create failed: .*exec: "/nonexistent": No such file or directory'
}

@test "ctr run -d: sie holds the state, ctr task ls shows it running" {
  start_bg sleep 1000
  run "$SIE" --root "$SIE_ROOT" state "$CID"
  assert_success
  [ "$(jq -r .status <<< "$output")" = running ] || fail "sie state: $output"
  [ "$(jq -r .pid <<< "$output")" = "$PID" ] || fail "pid $PID, sie state: $output"
  run cctr task ls
  assert_output_match "^$CID +$PID +RUNNING"
  run cctr task ps "$CID"
  assert_success
  assert_output_match "^$PID "
}

@test "ctr task exec: output, exit code, and -t" {
  start_bg sleep 1000
  run cctr task exec --fifo-dir "$CD_DIR/fifo" --exec-id e1 "$CID" sh -c 'echo from exec; exit 4'
  assert_status 4
  assert_output_equal "from exec"
  run in_tty "ctr --address $CD_DIR/containerd.sock -n $NS task exec --fifo-dir $CD_DIR/fifo -t --exec-id e2 $CID sh -c 'tty; sleep 0.5; stty size'" < /dev/null
  assert_success
  assert_output_match '/dev/pts/[0-9]+'
  # ctr sends the size after the process started, hence the sleep above.
  assert_output_match '33 101'
}

@test "ctr task kill: the signal reaches the init, its status is reported, delete cleans up" {
  start_bg sh -c 'trap "exit 9" TERM; while :; do sleep 0.1; done'
  sleep 0.3
  run cctr task kill "$CID"
  assert_success
  wait_until "[ \"\$(task_status $CID)\" = STOPPED ]"
  run cctr task delete "$CID"
  assert_success
  assert_output_match 'exit code 9'
  [ ! -e "$SIE_ROOT/$CID" ] || fail "sie state left after task delete"
  [ -z "$(cgroup_dirs "$CID")" ] || fail "cgroup left after task delete: $(cgroup_dirs "$CID")"
  run cctr container rm "$CID"
  assert_success
  CID=$CID-2
  start_bg sleep 1000
  run cctr task kill -s KILL "$CID"
  assert_success
  wait_until "[ \"\$(task_status $CID)\" = STOPPED ]"
}

# frozen: 1 when the task's cgroup is frozen (v1 freezer or cgroup2).
frozen ()
{
  local v1
  v1=$(cgroup_mountpoint freezer)
  if [ -n "$v1" ]; then
    [ "$(cat "$v1/$NS/$CID/freezer.state")" = FROZEN ] && echo 1 || echo 0
  else
    awk '$1 == "frozen" { print $2 }' "$(cgroup_mountpoint "")/$NS/$CID/cgroup.events"
  fi
}

@test "ctr task pause and resume" {
  start_bg sleep 1000
  run cctr task pause "$CID"
  assert_success
  [ "$(task_status "$CID")" = PAUSED ] || fail "status $(task_status "$CID")"
  [ "$(frozen)" = 1 ] || fail "the task's cgroup is not frozen"
  run cctr task resume "$CID"
  assert_success
  [ "$(task_status "$CID")" = RUNNING ] || fail "status $(task_status "$CID")"
  [ "$(frozen)" = 0 ] || fail "the task's cgroup is still frozen"
}

@test "ctr run --memory-limit: the container's cgroup has it" {
  start_bg --memory-limit=67108864 sleep 1000
  local dir
  dir=$(cgroup_mountpoint memory)
  if [ -n "$dir" ]; then
    run cat "$dir/$NS/$CID/memory.limit_in_bytes"
  else
    run cat "$(cgroup_mountpoint "")/$NS/$CID/memory.max"
  fi
  assert_output_equal 67108864
}
