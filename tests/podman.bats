#!/usr/bin/env bats
# podman (Debian's package) with sie as its OCI runtime: what a user sees
# (output, exit codes, limits inside the container), and that removing a
# container leaves neither sie state (/run/sie/<id>, podman passes no
# --root) nor a cgroup.  podman runs with its own storage, run root,
# networks, locks and events file under a temporary directory, through
# CONTAINERS_CONF and CONTAINERS_STORAGE_CONF; no system instance is used.

load helpers
load engines

IMAGE=localhost/sietest-busybox

setup_file ()
{
  command -v podman > /dev/null || skip "podman is not installed (make deps)"
  podman_setup sietest0 10.89.76
}

teardown_file () { podman_teardown; }

setup ()
{
  touch "$PM_DIR/events.log"
  EVENTS_FROM=$(($(wc -l < "$PM_DIR/events.log") + 1))
  NAME=sietest-$(tr -dc 'a-z0-9' < /dev/urandom | head -c 8)
}

teardown () { podman_teardown_test; }

ctr_pid () { pm inspect --format '{{.State.Pid}}' "$1"; }
ctr_state () { pm inspect --format '{{.State.Status}} {{.State.ExitCode}}' "$1"; }

# host_cgroup PID CONTROLLER: the directory of PID's cgroup for a v1
# controller, or its cgroup2 directory when CONTROLLER is not on v1.
host_cgroup ()
{
  local rel mnt
  rel=$(awk -F: -v c="$2" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) { print $3; exit } }' \
    "/proc/$1/cgroup")
  if [ -n "$rel" ]; then
    mnt=$(cgroup_mountpoint "$2")
  else
    rel=$(awk -F: '$1 == "0" { print $3 }' "/proc/$1/cgroup")
    mnt=$(cgroup_mountpoint "")
  fi
  echo "$mnt$rel"
}

# ---------------------------------------------------------------- run

@test "podman run: output, exit code, sie is the runtime, nothing left" {
  run pm run --rm --name "$NAME" "$IMAGE" sh -c 'echo hello from $(hostname); id -u; exit 3'
  assert_status 3
  assert_output_match '^hello from '
  assert_output_match '^0$'
  run pm info --format '{{.Host.OCIRuntime.Path}}'
  assert_output_equal "$SIE"
}

@test "podman --runtime /path/to/sie run: the README's one-liner" {
  run pm --runtime "$SIE" --cgroup-manager cgroupfs --events-backend file run --rm "$IMAGE" echo ok
  assert_success
  assert_output_equal ok
}

@test "podman run: a missing command is exit 127 and shows sie's error" {
  run -127 pm run --rm "$IMAGE" /nonexistent
  assert_status 127
  assert_output_match 'sie: [0-9a-f]{64}: exec: "/nonexistent": No such file or directory'
  run pm run --rm "$IMAGE" /etc/passwd
  assert_status 126
  assert_output_match 'Permission denied'
}

@test "podman run -d, ps, logs, stop (SIGTERM and the exit status), rm" {
  run_bg "$IMAGE" sh -c 'echo started; trap "echo got TERM; exit 7" TERM; while :; do sleep 0.1; done'
  wait_until "pm logs $NAME 2> /dev/null | grep -q started"
  run pm ps --format '{{.Names}} {{.Status}}'
  assert_output_match "^$NAME Up "
  [ -d "/run/sie/$CID" ] || fail "no sie state dir /run/sie/$CID"
  run pm stop -t 10 "$NAME"
  assert_success
  run ctr_state "$NAME"
  assert_output_equal "exited 7"
  run pm logs "$NAME"
  assert_output_equal $'started\ngot TERM'
  run pm rm "$NAME"
  assert_success
  assert_engine_container_gone /run/sie "$CID" "libpod-$CID"
}

@test "podman kill: the signal reaches the container's init" {
  run_bg "$IMAGE" sh -c 'trap "echo got USR1; exit 0" USR1; while :; do sleep 0.1; done'
  sleep 0.3
  run pm kill -s USR1 "$NAME"
  assert_success
  wait_until "[ \"\$(ctr_state $NAME)\" = 'exited 0' ]"
  run pm logs "$NAME"
  assert_output_equal "got USR1"
  NAME=$NAME-2
  run_bg "$IMAGE" sleep 1000
  run pm kill "$NAME"
  assert_success
  wait_until "[ \"\$(ctr_state $NAME)\" = 'exited 137' ]"
}

@test "podman run -it: a terminal with the caller's size, exit code" {
  run in_tty "podman run --rm -it $IMAGE sh" <<< $'tty; stty size; exit 6\n'
  assert_status 6
  assert_output_match '^/dev/pts/[0-9]+'
  assert_output_match '^33 101'
}

# ---------------------------------------------------------------- exec

@test "podman exec: output, exit code, -e -u -w" {
  run_bg "$IMAGE" sleep 1000
  run pm exec "$NAME" sh -c 'echo in exec; exit 5'
  assert_status 5
  assert_output_equal "in exec"
  run pm exec -e FOO=bar -u 1000:1000 -w /tmp "$NAME" sh -c 'echo $FOO $(id -u):$(id -g) $(pwd)'
  assert_success
  assert_output_equal "bar 1000:1000 /tmp"
  run -127 pm exec "$NAME" /nonexistent
  assert_status 127
}

@test "podman exec -t and -it: a terminal" {
  run_bg "$IMAGE" sleep 1000
  run pm exec -t "$NAME" tty
  assert_success
  assert_output_match '^/dev/pts/[0-9]+'
  run in_tty "podman exec -it $NAME sh" <<< $'stty size; exit 4\n'
  assert_status 4
  assert_output_match '^33 101'
}

# ---------------------------------------------------------------- inspection

@test "podman top and stats read the container" {
  run_bg "$IMAGE" sh -c 'sleep 1000 & wait'
  wait_until "pm top $NAME args 2> /dev/null | grep -q 'sleep 1000'"
  run pm stats --no-stream --format '{{.Name}} {{.PIDs}} {{.MemUsage}}' "$NAME"
  assert_success
  assert_output_match "^$NAME 2 [0-9.]+[kMG]B / "
}

@test "podman pause and unpause freeze and thaw the container" {
  run_bg "$IMAGE" sh -c 'while :; do date +%s%N > /tmp/tick; sleep 0.05; done'
  local tick before after
  tick=/proc/$(ctr_pid "$NAME")/root/tmp/tick
  wait_for_file "$tick"
  run pm pause "$NAME"
  assert_success
  run ctr_state "$NAME"
  assert_output_equal "paused 0"
  before=$(cat "$tick")
  sleep 0.4
  after=$(cat "$tick")
  [ "$before" = "$after" ] || fail "the container ran while paused: $before -> $after"
  run pm unpause "$NAME"
  assert_success
  run ctr_state "$NAME"
  assert_output_equal "running 0"
  # under a loaded suite the first tick after the thaw may take a moment
  wait_until "[ \"\$(cat $tick)\" != '$before' ]" 50 || fail "the container did not resume"
}

# ---------------------------------------------------------------- limits

@test "podman run --memory --cpus: the values in the container's cgroup" {
  run_bg --memory 64m --cpus 0.5 "$IMAGE" sleep 1000
  local pid mem cpu
  pid=$(ctr_pid "$NAME")
  mem=$(host_cgroup "$pid" memory)
  cpu=$(host_cgroup "$pid" cpu)
  if [ -f "$mem/memory.limit_in_bytes" ]; then
    [ "$(cat "$mem/memory.limit_in_bytes")" = 67108864 ] || fail "host memory limit"
    run pm exec "$NAME" cat /sys/fs/cgroup/memory/memory.limit_in_bytes
    assert_output_equal 67108864
  else
    [ "$(cat "$mem/memory.max")" = 67108864 ] || fail "host memory.max"
  fi
  if [ -f "$cpu/cpu.cfs_quota_us" ]; then
    [ "$(cat "$cpu/cpu.cfs_quota_us") $(cat "$cpu/cpu.cfs_period_us")" = "50000 100000" ] \
      || fail "cpu quota: $(cat "$cpu/cpu.cfs_quota_us") $(cat "$cpu/cpu.cfs_period_us")"
    run pm exec "$NAME" cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us
    assert_output_equal 50000
  else
    [ "$(cat "$cpu/cpu.max")" = "50000 100000" ] || fail "cpu.max: $(cat "$cpu/cpu.max")"
  fi
}

@test "podman run --pids-limit: pids.max is set and fork fails beyond it" {
  run pm run --rm --pids-limit 10 "$IMAGE" sh -c '
    cat /sys/fs/cgroup/pids/pids.max 2> /dev/null || cat /sys/fs/cgroup/pids.max
    for i in $(seq 1 15); do sleep 5 & done'
  assert_output_match '^10$'
  assert_output_match "can't fork"
}

# ---------------------------------------------------------------- security

@test "podman run --read-only: / is read-only, the tmpfs mounts copy the image's /run" {
  run pm run --rm --read-only "$IMAGE" sh -c '
    touch /x 2>&1
    cat /run/sub/marker; stat -c "%a %u:%g" /run /run/sub /run/sub/marker; readlink /run/link
    touch /run/new /tmp/new /var/tmp/new && echo writable'
  assert_success
  assert_output_match '/x: Read-only file system'
  assert_output_equal $'touch: /x: Read-only file system\nimage-run-file\n711 0:0\n755 5:6\n640 0:0\n/etc/passwd\nwritable'
}

@test "podman run --cap-drop: all, and one" {
  run pm run --rm --cap-drop all "$IMAGE" sh -c 'grep -E "^Cap(Eff|Prm|Bnd)" /proc/self/status; chown 1 /tmp'
  assert_failure
  assert_output_match '^CapEff:[[:space:]]+0000000000000000$'
  assert_output_match '^CapBnd:[[:space:]]+0000000000000000$'
  assert_output_match 'Operation not permitted'
  run pm run --rm --cap-drop chown "$IMAGE" sh -c 'grep ^CapBnd /proc/self/status; chown 1 /tmp'
  assert_failure
  local bnd
  bnd=$(awk '/^CapBnd/ { print $2 }' <<< "$output")
  [ $((0x$bnd & 1)) -eq 0 ] && [ $((0x$bnd & 0x20)) -ne 0 ] || fail "CapBnd $bnd: CHOWN kept or KILL lost"
}

@test "podman run --security-opt seccomp=profile.json: the profile filters" {
  cat > "$PM_DIR/seccomp.json" << 'EOF'
{"defaultAction": "SCMP_ACT_ALLOW",
 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
EOF
  run pm run --rm --security-opt seccomp="$PM_DIR/seccomp.json" "$IMAGE" sh -c \
    'grep ^Seccomp: /proc/self/status; mkdir /tmp/d'
  assert_failure
  assert_output_match '^Seccomp:[[:space:]]+2$'
  assert_output_match "can't create directory '/tmp/d': Operation not permitted"
  run pm run --rm --security-opt seccomp=unconfined "$IMAGE" sh -c 'grep ^Seccomp: /proc/self/status; mkdir /tmp/d'
  assert_success
  assert_output_match '^Seccomp:[[:space:]]+0$'
}

@test "podman run --uidmap/--gidmap: a user namespace with that mapping" {
  run pm run --rm --uidmap 0:200000:65536 --gidmap 0:200000:65536 "$IMAGE" sh -c \
    'cat /proc/self/uid_map /proc/self/gid_map; id -u; touch /tmp/f && stat -c %u /tmp/f'
  assert_success
  [ "$(echo $output | tr -s ' ')" = "0 200000 65536 0 200000 65536 0 0" ] \
    || fail "unexpected mapping: $output"
  run_bg --uidmap 0:200000:65536 --gidmap 0:200000:65536 "$IMAGE" sleep 1000
  run stat -c %u "/proc/$(ctr_pid "$NAME")"
  assert_output_equal 200000
}

# ---------------------------------------------------------------- networks

@test "podman run -p 127.0.0.1:PORT:80: the host reaches a server in the container" {
  local port=$((20000 + RANDOM % 20000))
  run_bg -p "127.0.0.1:$port:80" "$IMAGE" sh -c \
    'mkdir -p /www && echo hello-web > /www/index.html && exec httpd -f -p 80 -h /www'
  wait_until "http_get $port > /dev/null 2>&1" 50
  run http_get "$port"
  assert_success
  assert_output_match '^HTTP/1.[01] 200 OK'
  assert_output_match '^hello-web'
}

@test "podman's own networks: the default one and a second one" {
  local net=$NAME-net ip
  run pm run --rm "$IMAGE" ip -4 -o addr show eth0
  assert_success
  assert_output_match 'inet 10\.89\.76\.'
  write_network "$net" sietest1 10.89.77
  run pm network inspect --format '{{.NetworkInterface}} {{range .Subnets}}{{.Subnet}}{{end}}' "$net"
  assert_output_equal "sietest1 10.89.77.0/24"
  run_bg --network "$net" "$IMAGE" sh -c 'mkdir -p /www && echo net-ok > /www/index.html && exec httpd -f -p 8080 -h /www'
  ip=$(pm inspect --format "{{(index .NetworkSettings.Networks \"$net\").IPAddress}}" "$NAME")
  [[ $ip == 10.89.77.* ]] || fail "server address $ip not in the network"
  run pm run --rm --network "$net" "$IMAGE" sh -c "ip -4 -o addr show eth0
    for i in \$(seq 1 50); do printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 2 $ip 8080 && exit 0; sleep 0.1; done; exit 1"
  assert_success
  assert_output_match 'inet 10\.89\.77\.'
  assert_output_match '^net-ok'
  pm rm -f -t 0 "$NAME" > /dev/null
  run pm network rm "$net"
  assert_success
}
