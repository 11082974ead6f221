#!/usr/bin/env bats
# sie exec: a process joins a running container (namespaces, cgroups,
# security), runc's flags, exit codes, signals, terminals, failure paths.

load helpers

setup_file ()
{
  compile_helper recvtty
  compile_helper keyring_probe -static
}

ns_of () { readlink "/proc/$1/ns/$2"; }

ALL_NS="cgroup ipc mnt net pid time user uts"

# start_container: the bundle's container running `sleep 1000`; sets $PID.
start_container ()
{
  set_args sleep 1000
  run_detached "$ID" || return 1
  PID=$(container_pid "$ID")
}

# exec_detached [exec flags] -- COMMAND...: `sie exec -d --pid-file`, the
# process's host pid in $EPID.
exec_detached ()
{
  local flags=()
  while [ "$1" != -- ]; do flags+=("$1"); shift; done
  shift
  sie_detached exec -d --pid-file "$TEST_DIR/exec.pid" "${flags[@]}" "$ID" "$@" || return 1
  EPID=$(cat "$TEST_DIR/exec.pid")
}

# status_field PID FIELD: a line of /proc/PID/status, value only.
status_field () { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }

# cap_bit HEXMASK N: 1 when capability N is in the mask.
cap_bit () { echo $(((0x$1 >> $2) & 1)); }

# The container's cgroup paths, one "controllers:path" per hierarchy.
cgroup_lines () { cut -d: -f2- "/proc/$1/cgroup"; }

# make_sub_cgroup PID NAME [CONTROLLER-FIELD]: mkdir NAME under PID's cgroup
# in every hierarchy, or only in the one whose /proc/PID/cgroup field is given.
make_sub_cgroup ()
{
  local pid=$1 name=$2 only=${3-all} line ctrl path mp
  while IFS= read -r line; do
    ctrl=${line#*:}
    ctrl=${ctrl%%:*}
    path=${line#*:*:}
    [ "$only" = all ] || [ "$ctrl" = "$only" ] || continue
    mp=$(cgroup_mountpoint "$ctrl")
    [ -n "$mp" ] || continue
    mkdir "$mp$path/$name" || return 1
    # a new v1 cpuset is empty: nothing can join it until it has cpus and mems
    if [ -f "$mp$path/cpuset.cpus" ]; then
      cat "$mp$path/cpuset.cpus" > "$mp$path/$name/cpuset.cpus"
      cat "$mp$path/cpuset.mems" > "$mp$path/$name/cpuset.mems"
    fi
  done < "/proc/$pid/cgroup"
}

# ---------------------------------------------------------------- namespaces

@test "exec: joins every namespace of the container, user and time included" {
  [ -e /proc/self/ns/time ] || skip "kernel without time namespaces"
  update_config '.linux.namespaces += [{"type": "user"}, {"type": "time"}]
    | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .linux.timeOffsets = {"boottime": {"secs": 1000000, "nanosecs": 0}}'
  start_container
  run sie exec "$ID" sh -c "for n in $ALL_NS; do echo \"\$n \$(readlink /proc/self/ns/\$n)\"; done"
  assert_success
  [ "${#lines[@]}" -eq 8 ] || fail "$output"
  for line in "${lines[@]}"; do
    set -- $line
    [ "$2" = "$(ns_of "$PID" "$1")" ] || fail "$1: exec'd process in $2, init in $(ns_of "$PID" "$1")"
    [ "$2" != "$(ns_of $$ "$1")" ] || fail "$1: the container's namespace is the host's: test is void"
  done
  # the mapping and the clocks are the container's
  run sie exec "$ID" sh -c 'cat /proc/self/uid_map; id -u; cut -d" " -f1 /proc/uptime'
  assert_success
  [[ "${lines[0]}" =~ ^\ *0\ +100000\ +65536$ ]] || fail "uid_map: ${lines[0]}"
  [ "${lines[1]}" = 0 ]
  host_up=$(cut -d' ' -f1 /proc/uptime)
  diff=$((${lines[2]%.*} - ${host_up%.*}))
  [ "$diff" -ge 999990 ] && [ "$diff" -le 1000010 ] || fail "uptime differs from the host's by $diff s"
}

@test "exec: joins a host network namespace given by path beside a user namespace" {
  netns=$(host_name net)
  ip netns add "$netns"
  on_teardown "ip netns del '$netns'"
  v=se${ID: -6}
  ip link add "${v}h" type veth peer name "${v}c" netns "$netns"
  on_teardown "ip link del '${v}h'"
  update_config ".linux.namespaces += [{\"type\": \"user\"}]
    | .linux.uidMappings = [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}]
    | .linux.gidMappings = [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}]
    | .linux.namespaces |= map(if .type == \"network\" then .path = \"/var/run/netns/$netns\" else . end)"
  set_args sleep 1000
  run run_detached "$ID"
  assert_success
  PID=$(container_pid "$ID")
  run sie exec "$ID" sh -c "readlink /proc/self/ns/net; readlink /proc/self/ns/user; ip -o link show ${v}c"
  assert_success
  [ "${lines[0]}" = "$(readlink "/proc/$PID/ns/net")" ]
  [ "${lines[1]}" = "$(readlink "/proc/$PID/ns/user")" ]
  assert_output_match "${v}c"
}

@test "exec: pid 1 is the container's init, the process is not" {
  start_container
  run sie exec "$ID" sh -c 'tr "\0" " " < /proc/1/cmdline; echo; echo "$$"; ls /proc | grep -c "^[0-9]"'
  assert_success
  [ "${lines[0]}" = "sleep 1000 " ] || fail "pid 1 is: ${lines[0]}"
  [ "${lines[1]}" != 1 ]
  [ "${lines[2]}" -le 4 ] || fail "sees ${lines[2]} processes: not the container's pid namespace"
}

@test "exec: the namespaces the container shares with the host stay the host's" {
  start_container
  run sie exec "$ID" sh -c 'readlink /proc/self/ns/user; readlink /proc/self/ns/time'
  assert_success
  [ "${lines[0]}" = "$(ns_of $$ user)" ]
  [ "${lines[1]}" = "$(ns_of $$ time)" ]
}

# ---------------------------------------------------------------- cgroups

@test "exec: joins the container's cgroup in every hierarchy" {
  start_container
  exec_detached -- sleep 1000
  [ "$(cgroup_lines "$EPID")" = "$(cgroup_lines "$PID")" ] \
    || fail "exec'd: $(cat "/proc/$EPID/cgroup")" "init: $(cat "/proc/$PID/cgroup")"
  [ "$(wc -l < "/proc/$EPID/cgroup")" -eq "$(wc -l < /proc/self/cgroup)" ]
}

@test "exec --cgroup sub: an existing sub-cgroup, in every hierarchy" {
  start_container
  make_sub_cgroup "$PID" sub
  exec_detached --cgroup sub -- sleep 1000
  want=$(cgroup_lines "$PID" | sed 's|$|/sub|')
  [ "$(cgroup_lines "$EPID")" = "$want" ] || fail "exec'd: $(cat "/proc/$EPID/cgroup")"
}

@test "exec --cgroup pids:sub: only the pids hierarchy" {
  grep -q ':pids:' /proc/self/cgroup || skip "no cgroup v1 pids hierarchy"
  start_container
  make_sub_cgroup "$PID" sub pids
  exec_detached --cgroup pids:sub -- sleep 1000
  want=$(cgroup_lines "$PID" | sed '/^pids:/s|$|/sub|')
  [ "$(cgroup_lines "$EPID")" = "$want" ] || fail "exec'd: $(cat "/proc/$EPID/cgroup")" "want: $want"
}

@test "exec --cgroup: a missing sub-cgroup is an error naming it" {
  start_container
  run sie exec --cgroup nosuch "$ID" true
  assert_error_line "$ID"
  assert_output_match 'nosuch'
  run sie exec --cgroup ../escape "$ID" true
  assert_error_line "$ID"
  assert_output_match 'escape'
  run sie exec --cgroup nosuchctrl:sub "$ID" true
  assert_error_line "$ID"
  assert_output_match 'nosuchctrl'
}

@test "exec --cgroup: the last one naming a hierarchy wins, from the container's cgroup" {
  grep -q ':pids:' /proc/self/cgroup || skip "no cgroup v1 pids hierarchy"
  start_container
  make_sub_cgroup "$PID" a
  make_sub_cgroup "$PID" b pids
  exec_detached --cgroup a --cgroup pids:b -- sleep 1000
  want=$(cgroup_lines "$PID" | sed '/^pids:/s|$|/b|; /^pids:/!s|$|/a|')
  [ "$(cgroup_lines "$EPID")" = "$want" ] || fail "exec'd: $(cat "/proc/$EPID/cgroup")" "want: $want"
}

# ---------------------------------------------------------------- security

@test "exec: the container's capabilities, and --cap adds one" {
  start_container
  run sie exec "$ID" sh -c 'grep -E "^Cap(Bnd|Eff|Prm):" /proc/self/status'
  assert_success
  for f in CapBnd CapEff CapPrm; do
    assert_output_match "^$f:[[:space:]]+$(status_field "$PID" "$f")\$"
  done
  # CAP_SYS_ADMIN (21) is not in the default spec's sets
  [ "$(cap_bit "$(status_field "$PID" CapBnd)" 21)" = 0 ]
  exec_detached --cap CAP_SYS_ADMIN -- sleep 1000
  for f in CapBnd CapEff CapPrm; do
    [ "$(cap_bit "$(status_field "$EPID" "$f")" 21)" = 1 ] || fail "$f lacks CAP_SYS_ADMIN"
  done
  [ "$(status_field "$EPID" CapAmb)" = 0000000000000000 ]
}

@test "exec --cap: ambient too when the process has inheritable capabilities" {
  update_config '.process.capabilities.inheritable = ["CAP_KILL"] | .process.capabilities.ambient = ["CAP_KILL"]'
  start_container
  exec_detached --cap CAP_SYS_ADMIN -- sleep 1000
  [ "$(cap_bit "$(status_field "$EPID" CapEff)" 21)" = 1 ]
  # CAP_KILL (5) stays ambient; CAP_SYS_ADMIN is not inheritable so it
  # cannot be ambient (the kernel refuses, as under runc)
  [ "$(cap_bit "$(status_field "$EPID" CapAmb)" 5)" = 1 ]
}

@test "exec --cap: a malformed name is an error naming it, an unknown one is ignored" {
  start_container
  run sie exec --cap NOT-A-CAP "$ID" true
  assert_error_line "$ID"
  assert_output_match 'NOT-A-CAP'
  # as runc: a name this kernel or libcap does not know is skipped
  run sie exec --cap CAP_NO_SUCH "$ID" echo ran
  assert_success
  assert_output_equal ran
}

@test "exec: the container's seccomp profile applies" {
  update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
      "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
      "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 122}]}'
  start_container
  run sie exec "$ID" sh -c 'mkdir /blocked 2>&1; grep -E "^Seccomp:" /proc/self/status'
  assert_success
  assert_output_match 'Disk quota exceeded'
  assert_output_match '^Seccomp:[[:space:]]+2$'
  [ ! -e "$BUNDLE/rootfs/blocked" ]
}

@test "exec --no-new-privs: sets no_new_privs" {
  update_config '.process.noNewPrivileges = false'
  start_container
  run sie exec "$ID" grep NoNewPrivs /proc/self/status
  assert_success
  assert_output_match '^NoNewPrivs:[[:space:]]+0$'
  run sie exec --no-new-privs "$ID" grep NoNewPrivs /proc/self/status
  assert_success
  assert_output_match '^NoNewPrivs:[[:space:]]+1$'
}

@test "exec: rlimits are the container's, or process.json's with -p" {
  update_config '.process.rlimits = [{"type": "RLIMIT_NOFILE", "hard": 900, "soft": 800}]'
  start_container
  run sie exec "$ID" sh -c 'ulimit -Sn; ulimit -Hn'
  assert_success
  assert_output_equal "$(printf '800\n900')"
  jq '.process | .args = ["sh", "-c", "ulimit -Sn; ulimit -Hn"]
       | .rlimits = [{"type": "RLIMIT_NOFILE", "hard": 600, "soft": 500}]' \
    "$BUNDLE/config.json" > "$TEST_DIR/process.json"
  run sie exec -p "$TEST_DIR/process.json" "$ID"
  assert_success
  assert_output_equal "$(printf '500\n600')"
}

@test "exec --apparmor and --process-label: a clear error without the LSM" {
  [ "$(cat /sys/module/apparmor/parameters/enabled 2> /dev/null)" != Y ] || skip "AppArmor is enabled here"
  [ ! -e /sys/fs/selinux/enforce ] || skip "SELinux is enabled here"
  start_container
  run sie exec --apparmor some-profile "$ID" true
  assert_error_line "$ID"
  assert_output_match 'AppArmor'
  run sie exec --process-label system_u:system_r:container_t:s0 "$ID" true
  assert_error_line "$ID"
  assert_output_match 'SELinux'
}

# ---------------------------------------------------------------- flags

@test "exec -p: args, env, cwd and user come from process.json" {
  start_container
  cat > "$TEST_DIR/process.json" << 'EOF'
{
  "terminal": false,
  "user": {"uid": 1000, "gid": 1001},
  "args": ["sh", "-c", "id -u; id -g; pwd; echo \"$FROM_FILE\""],
  "env": ["PATH=/bin", "FROM_FILE=yes"],
  "cwd": "/tmp"
}
EOF
  run sie exec -p "$TEST_DIR/process.json" "$ID"
  assert_success
  assert_output_equal "$(printf '1000\n1001\n/tmp\nyes')"
}

@test "exec -p: a missing or invalid process.json is an error naming it" {
  start_container
  run sie exec -p "$TEST_DIR/nosuch.json" "$ID"
  assert_error_line "$ID"
  assert_output_match 'nosuch\.json'
  echo '{"args": 5}' > "$TEST_DIR/bad.json"
  run sie exec -p "$TEST_DIR/bad.json" "$ID"
  assert_error_line "$ID"
  assert_output_match 'args'
}

@test "exec --env: replaces the container's value and adds new ones" {
  update_config '.process.env = ["PATH=/bin:/usr/bin", "KEEP=kept", "OVER=old"]'
  start_container
  run sie exec --env OVER=new -e ADDED=1 "$ID" env
  assert_success
  assert_output_match '^OVER=new$'
  assert_output_match '^ADDED=1$'
  assert_output_match '^KEEP=kept$'
  [ "$(grep -c '^OVER=' <<< "$output")" -eq 1 ] || fail "$output"
  run sie exec --env NOEQUALS "$ID" true
  assert_error_line "$ID"
  assert_output_match 'NOEQUALS'
}

@test "exec --cwd: the working directory inside the container" {
  start_container
  mkdir -p "$BUNDLE/rootfs/srv/app"
  run sie exec --cwd /srv/app "$ID" pwd
  assert_success
  assert_output_equal /srv/app
  run sie exec "$ID" sh -c 'pwd; readlink /proc/self/cwd'
  assert_success
  assert_output_equal "$(printf '/\n/')"
}

@test "exec --user uid:gid and --additional-gids" {
  start_container
  run sie exec --user 1000:1001 --additional-gids 20 -g 30 "$ID" sh -c 'id -u; id -g; id -G'
  assert_success
  [ "${lines[0]}" = 1000 ]
  [ "${lines[1]}" = 1001 ]
  [ "$(tr ' ' '\n' <<< "${lines[2]}" | sort -n | tr '\n' ' ')" = "20 30 1001 " ] || fail "groups: ${lines[2]}"
  # without a gid the container's gid stays
  run sie exec -u 1234 "$ID" sh -c 'id -u; id -g'
  assert_success
  assert_output_equal "$(printf '1234\n0')"
}

@test "exec --user: bad input is an error naming the flag" {
  start_container
  for bad in abc 1000:x -1 '' 1000: :1000 99999999999 1.5 1000:1001:5 ' 1000' +5 4294967295; do
    run sie exec --user "$bad" "$ID" true
    assert_error_line "$ID"
    assert_output_match -- '--user'
  done
  for bad in nope 5:3 -1; do
    run sie exec --additional-gids "$bad" "$ID" true
    assert_error_line "$ID"
    assert_output_match -- '--additional-gids'
  done
}

@test "exec --tty: a pty relayed by sie in the foreground" {
  start_container
  run sie exec -t "$ID" sh -c 'tty; [ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo all-tty; read -r l; echo "got:$l"; exit 5' <<< typed
  [ "$status" -eq 5 ] || fail "exit $status, want 5" "$output"
  output=$(tr -d '\r' <<< "$output")
  assert_output_match '^/dev/pts/[0-9]+$'
  assert_output_match '^all-tty$'
  assert_output_match '^got:typed$'
}

@test "exec --tty: the caller's window size reaches the pty" {
  start_container
  run script -qec "stty rows 37 cols 91; $SIE --root $ROOT exec -t $ID stty size" /dev/null < /dev/null
  assert_success
  assert_output_match '(^|[^0-9])37 91'
}

@test "exec: without -t no pty, even when the container's process has one" {
  update_config '.process.terminal = true'
  SOCK=$TEST_DIR/console.sock
  "$SIE_TEST_BIN/recvtty" "$SOCK" > "$TEST_DIR/tty.out" 2> "$TEST_DIR/tty.err" 3>&- &
  on_teardown "kill $!"
  wait_for_file "$SOCK"
  set_args sleep 1000
  run_detached --console-socket "$SOCK" "$ID"
  run sie exec "$ID" sh -c 'tty; true'
  assert_success
  assert_output_equal 'not a tty'
}

@test "exec --tty: in a user namespace, the pty belongs to the process's user" {
  update_config '.linux.namespaces += [{"type": "user"}]
    | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
  start_container
  run sie exec -t -u 1000 "$ID" sh -c 'stat -c "%u %n" "$(tty)"; id -u' < /dev/null
  assert_success
  output=$(tr -d '\r' <<< "$output")
  assert_output_match '^1000 /dev/pts/[0-9]+$'
  run sie exec -u 70000 "$ID" true
  assert_error_line "$ID"
  assert_output_match '70000'
}

@test "exec --tty --detach --console-socket: the master goes to the socket, as under conmon" {
  start_container
  SOCK=$TEST_DIR/console.sock
  "$SIE_TEST_BIN/recvtty" "$SOCK" $'from-socket\n' > "$TEST_DIR/tty.out" 2> "$TEST_DIR/tty.err" 3>&- &
  recv=$!
  on_teardown "kill $recv"
  wait_for_file "$SOCK"
  exec_detached -t --console-socket "$SOCK" -- sh -c 'tty; read -r l; echo "got:$l"'
  wait_until "! kill -0 $recv 2>/dev/null" 100 || fail "recvtty still running" "$(cat "$TEST_DIR/tty.out")"
  wait_pid "$recv"
  assert_success
  output=$(tr -d '\r' < "$TEST_DIR/tty.out")
  assert_output_match '^/dev/pts/[0-9]+$'
  assert_output_match '^got:from-socket$'
}

@test "exec -t: -p process.json with terminal true and --console-socket" {
  start_container
  SOCK=$TEST_DIR/console.sock
  "$SIE_TEST_BIN/recvtty" "$SOCK" > "$TEST_DIR/tty.out" 2> "$TEST_DIR/tty.err" 3>&- &
  recv=$!
  on_teardown "kill $recv"
  wait_for_file "$SOCK"
  jq '.process | .terminal = true | .args = ["tty"]' "$BUNDLE/config.json" > "$TEST_DIR/process.json"
  run sie_detached exec -d --console-socket "$SOCK" -p "$TEST_DIR/process.json" "$ID"
  assert_success
  wait_until "! kill -0 $recv 2>/dev/null" 100
  grep -Eq '^/dev/pts/[0-9]+' "$TEST_DIR/tty.out"
}

@test "exec --detach: returns at once, the process runs" {
  start_container
  t0=$(date +%s%N)
  exec_detached -- sh -c 'sleep 2; echo done > /detached'
  elapsed=$((($(date +%s%N) - t0) / 1000000))
  [ "$elapsed" -lt 1500 ] || fail "exec -d took ${elapsed} ms"
  [ ! -e "$BUNDLE/rootfs/detached" ]
  kill -0 "$EPID"
  wait_for_file "$BUNDLE/rootfs/detached" 50
}

@test "exec --pid-file: the process's host pid" {
  start_container
  exec_detached -- sleep 999
  [ "$(tr '\0' ' ' < "/proc/$EPID/cmdline")" = "sleep 999 " ]
  [ "$(ns_of "$EPID" pid)" = "$(ns_of "$PID" pid)" ]
  # foreground: the pid file is written before the process ends
  run sie exec --pid-file "$TEST_DIR/fg.pid" "$ID" sh -c 'cat /proc/self/stat | cut -d" " -f1'
  assert_success
  [ -s "$TEST_DIR/fg.pid" ]
}

@test "exec --preserve-fds: fds 3.. reach the process, others do not" {
  start_container
  echo preserved > "$TEST_DIR/extra"
  run sie exec --preserve-fds 1 "$ID" sh -c 'cat <&3' 3< "$TEST_DIR/extra"
  assert_success
  assert_output_equal preserved
  run sie exec "$ID" sh -c 'cat <&3 && echo LEAKED' 3< "$TEST_DIR/extra"
  assert_failure
  assert_output_no_match 'LEAKED|preserved'
}

@test "exec: a paused container needs --ignore-paused" {
  start_container
  run sie pause "$ID"
  [ "$status" -eq 0 ] || skip "sie pause does not work yet: $output"
  run sie exec "$ID" true
  assert_error_line "$ID"
  assert_output_match 'paused'
  # the process joins the frozen cgroup: it runs once the container resumes
  "$SIE" --root "$ROOT" exec -d --ignore-paused "$ID" sh -c 'echo ran > /ignored' < /dev/null > /dev/null 2>&1 &
  execpid=$!
  sleep 0.5
  [ ! -e "$BUNDLE/rootfs/ignored" ]
  run sie resume "$ID"
  assert_success
  wait_pid "$execpid"
  assert_success
  wait_for_file "$BUNDLE/rootfs/ignored"
}

@test "exec: into a created container" {
  set_args sleep 1000
  create_container "$ID"
  run sie exec "$ID" sh -c 'tr "\0" " " < /proc/1/cmdline'
  assert_success
}

# ---------------------------------------------------------------- exit and signals

@test "exec: the exit code passes through, 128+N for a signal" {
  start_container
  run sie exec "$ID" sh -c 'exit 42'
  assert_status 42
  run sie exec "$ID" sh -c 'kill -KILL $$'
  assert_status 137
  run sie exec "$ID" sh -c 'kill -TERM $$'
  assert_status 143
  [ "$(container_status "$ID")" = running ]
}

@test "exec: signals to sie exec reach the process; sie runs from a sealed memfd" {
  start_container
  "$SIE" --root "$ROOT" exec "$ID" sh -c '
    trap "echo got-usr1 >> /log" USR1
    trap "echo got-term >> /log; exit 3" TERM
    echo ready > /ready
    while :; do sleep 0.1; done' < /dev/null > "$TEST_DIR/out" 2>&1 &
  execpid=$!
  wait_for_file "$BUNDLE/rootfs/ready"
  exe=$(readlink "/proc/$execpid/exe")
  [[ "$exe" == /memfd:* ]] || fail "sie exec runs from $exe, not a sealed memfd"
  kill -USR1 "$execpid"
  wait_until "grep -q got-usr1 '$BUNDLE/rootfs/log' 2>/dev/null"
  kill -TERM "$execpid"
  wait_pid "$execpid"
  assert_status 3 || fail "$(cat "$TEST_DIR/out")"
  grep -qx got-term "$BUNDLE/rootfs/log"
  [ "$(container_status "$ID")" = running ]
}

# ---------------------------------------------------------------- failures

# The container's processes, from the host (its pids cgroup).
container_procs ()
{
  local mp path
  mp=$(cgroup_mountpoint pids)
  path=$(awk -F: '$2 == "pids" { print $3 }' "/proc/$PID/cgroup")
  cat "$mp$path/cgroup.procs"
}

# assert_exec_left_nothing: only the init in the container, the state dir
# as it was, the container still running and usable.
assert_exec_left_nothing ()
{
  [ "$(container_procs | tr '\n' ' ')" = "$PID " ] || fail "processes left: $(container_procs | tr '\n' ' ')"
  [ "$(ls -A "$ROOT/$ID")" = "$STATE_FILES" ] || fail "state dir changed: $(ls -A "$ROOT/$ID")"
  [ "$(container_status "$ID")" = running ] || fail "container is $(container_status "$ID")"
  run sie exec "$ID" echo still-usable
  assert_output_equal still-usable
}

@test "exec: failures leave no process or state behind and the container runs on" {
  start_container
  STATE_FILES=$(ls -A "$ROOT/$ID")
  run sie exec "$ID" /no/such/binary
  assert_error_line "$ID"
  assert_output_match '/no/such/binary'
  assert_exec_left_nothing
  run sie exec "$ID" no-such-command
  assert_error_line "$ID"
  assert_output_match 'no-such-command'
  assert_exec_left_nothing
  run sie exec --user bad "$ID" true
  assert_error_line "$ID"
  assert_exec_left_nothing
  run sie exec --cwd /etc/passwd "$ID" true
  assert_error_line "$ID"
  assert_output_match '/etc/passwd'
  assert_exec_left_nothing
  run sie exec -d "$ID" /no/such/binary
  assert_error_line "$ID"
  assert_exec_left_nothing
}

@test "exec: into a stopped container fails" {
  set_args true
  run_detached "$ID"
  wait_status "$ID" stopped
  run sie exec "$ID" true
  assert_error_line "$ID"
  assert_output_match 'stopped'
}

@test "exec: into a missing container fails naming it" {
  run sie exec "$ID" true
  assert_error_line "$ID"
  assert_output_match 'not exist|no such|not found'
}

@test "exec: usage errors" {
  start_container
  run sie exec
  assert_failure
  run sie exec "$ID"
  assert_failure
  assert_output_match 'COMMAND|process'
  run sie exec --no-such-flag "$ID" true
  assert_failure
  assert_output_match 'no-such-flag'
}

@test "exec --tty --detach without --console-socket is an error" {
  start_container
  STATE_FILES=$(ls -A "$ROOT/$ID")
  run sie exec -t -d "$ID" true
  assert_error_line "$ID"
  assert_output_match 'console-socket'
  assert_exec_left_nothing
}

@test "exec --console-socket without --tty is an error" {
  start_container
  STATE_FILES=$(ls -A "$ROOT/$ID")
  run sie exec -d --console-socket "$TEST_DIR/c.sock" "$ID" true
  assert_error_line "$ID"
  assert_output_match 'tty'
  assert_exec_left_nothing
}

# ---------------------------------------------------------------- hardening

@test "exec: a session keyring named after the container, not the caller's" {
  cp "$SIE_TEST_BIN/keyring_probe" "$BUNDLE/rootfs/bin/"
  start_container
  read -r host_serial host_name < <("$SIE_TEST_BIN/keyring_probe")
  run sie exec "$ID" keyring_probe
  assert_success
  read -r serial name <<< "$output"
  [ "$name" = "$ID" ] || fail "exec'd process's session keyring: $output"
  [ "$serial" != "$host_serial" ] || fail "the caller's session keyring ($host_name) reached the container"
  # the init's keyring is searchable by its user, so every exec joins that
  # same keyring (as with runc) instead of making a new one
  run sie exec "$ID" keyring_probe
  assert_success
  read -r serial2 name2 <<< "$output"
  [ "$serial2" = "$serial" ] || fail "two execs got different keyrings: $serial, $serial2"
}

@test "exec: no host fd reaches the process" {
  start_container
  run sie exec "$ID" ls /proc/self/fd 3< /dev/null 5< "$TEST_DIR" 7> "$TEST_DIR/w"
  assert_success
  # 0 1 2, and 3 is ls's own directory
  [ "$(echo $output | tr -s ' ')" = "0 1 2 3" ] || fail "fds: $output"
  exec_detached -- sleep 1000
  [ "$(ls "/proc/$EPID/fd" | sort -n | tr '\n' ' ')" = "0 1 2 " ] || fail "$(ls -l "/proc/$EPID/fd")"
}
