#!/usr/bin/env bats
# create/start/run/state/kill/delete/list and the global and create flags.

load helpers

@test "create: the process waits before exec until start" {
  set_cmd 'touch /ran; exec sleep 100'
  run create_container "$ID"
  assert_success
  [ -z "$output" ] || fail "create printed: $output"

  run sie state "$ID"
  assert_success
  [ "$(jq -r .status <<< "$output")" = created ]
  pid=$(jq -r .pid <<< "$output")
  [ "$pid" -gt 1 ]
  [ -d "/proc/$pid" ] || fail "init pid $pid does not exist"
  sleep 0.3
  [ ! -e "$BUNDLE/rootfs/ran" ] || fail "the container ran before start"

  run sie start "$ID"
  assert_success
  wait_for_file "$BUNDLE/rootfs/ran"
  [ "$(container_status "$ID")" = running ]
  [ "$(container_pid "$ID")" = "$pid" ]

  run sie kill "$ID" KILL
  assert_success
  wait_status "$ID" stopped
  run sie delete "$ID"
  assert_success
  assert_no_leftovers "$ID"
}

@test "start: a second start fails and names the container" {
  set_cmd 'echo once >> /count; exec sleep 100'
  create_container "$ID"
  run sie start "$ID"
  assert_success
  run sie start "$ID"
  assert_error_line "$ID"
  wait_for_file "$BUNDLE/rootfs/count"
  [ "$(wc -l < "$BUNDLE/rootfs/count")" -eq 1 ]
}

@test "start: of a missing container fails" {
  run sie start "$ID"
  assert_error_line "$ID"
  assert_no_leftovers "$ID"
}

@test "run: foreground passes the exit code through and deletes" {
  set_cmd 'echo hello-out; echo hello-err >&2; exit 7'
  run sie run -b "$BUNDLE" "$ID"
  assert_status 7
  assert_output_match '^hello-out$'
  assert_output_match '^hello-err$'
  assert_no_leftovers "$ID"
}

@test "run: bundle defaults to the current directory" {
  set_cmd 'exit 3'
  cd "$BUNDLE"
  run sie run "$ID"
  assert_status 3
  assert_no_leftovers "$ID"
}

@test "run: a container killed by a signal exits 128+N" {
  set_args sleep 100
  "$SIE" --root "$ROOT" run -b "$BUNDLE" "$ID" < /dev/null > "$TEST_DIR/out" 2>&1 &
  runpid=$!
  wait_status "$ID" running
  run sie kill "$ID" KILL
  assert_success
  wait_pid "$runpid"
  assert_status 137
  assert_no_leftovers "$ID"
}

@test "run: forwards SIGUSR1 and SIGTERM to the container" {
  set_cmd 'trap "echo got-usr1 >> /log" USR1
           trap "echo got-term >> /log; exit 3" TERM
           echo ready > /ready
           while :; do sleep 0.1; done'
  "$SIE" --root "$ROOT" run -b "$BUNDLE" "$ID" < /dev/null > "$TEST_DIR/out" 2>&1 &
  runpid=$!
  wait_for_file "$BUNDLE/rootfs/ready"
  kill -USR1 "$runpid"
  wait_until "grep -q got-usr1 '$BUNDLE/rootfs/log' 2>/dev/null"
  kill -TERM "$runpid"
  wait_pid "$runpid"
  assert_status 3 || fail "$(cat "$TEST_DIR/out")"
  grep -qx got-term "$BUNDLE/rootfs/log"
  [ "$(container_status "$ID" 2> /dev/null)" = "" ]
  assert_no_leftovers "$ID"
}

@test "run -d: returns once running" {
  set_args sleep 100
  run run_detached "$ID"
  assert_success
  [ "$(container_status "$ID")" = running ]
  pid=$(container_pid "$ID")
  grep -q '^State:.*[RS]' "/proc/$pid/status"
  [ "$(readlink "/proc/$pid/exe")" != "$(readlink -f "$SIE")" ]
  run sie delete --force "$ID"
  assert_success
  assert_no_leftovers "$ID"
}

@test "run --keep: leaves a stopped container that delete removes" {
  set_cmd 'exit 4'
  run sie run --keep -b "$BUNDLE" "$ID"
  assert_status 4
  run sie state "$ID"
  assert_success
  [ "$(jq -r .status <<< "$output")" = stopped ]
  pid=$(jq -r '.pid // 0' <<< "$output")
  [ "$pid" -eq 0 ] || fail "a stopped container reports pid $pid"
  run sie delete "$ID"
  assert_success
  assert_no_leftovers "$ID"
}

@test "state: runc's fields, indented" {
  update_config '.annotations = {"org.example.key": "value-1"}'
  set_args sleep 100
  create_container "$ID"
  run sie state "$ID"
  assert_success
  [ "${lines[0]}" = "{" ] || fail "not indented: $output"
  [[ "${lines[1]}" =~ ^\ \ \"ociVersion\":\ \" ]] || fail "second line: ${lines[1]}"
  json=$output
  [ "$(jq -r .id <<< "$json")" = "$ID" ]
  [ "$(jq -r .status <<< "$json")" = created ]
  [ "$(jq -r '.pid | type' <<< "$json")" = number ]
  [ "$(jq -r .bundle <<< "$json")" = "$BUNDLE" ]
  [ "$(jq -r .rootfs <<< "$json")" = "$BUNDLE/rootfs" ]
  [ "$(jq -r .owner <<< "$json")" = "" ]
  [[ "$(jq -r .ociVersion <<< "$json")" =~ ^1\.[0-9]+\.[0-9]+ ]]
  [[ "$(jq -r .created <<< "$json")" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$ ]] \
    || fail "created: $(jq -r .created <<< "$json")"
  created=$(date -d "$(jq -r .created <<< "$json")" +%s)
  [ $(($(date +%s) - created)) -lt 60 ]
  [ "$(jq -r '.annotations["org.example.key"]' <<< "$json")" = value-1 ]
  # runc's order (annotations, when present, come before owner)
  [ "$(jq -c 'keys_unsorted[0:7]' <<< "$json")" = '["ociVersion","id","pid","status","bundle","rootfs","created"]' ]
  [ "$(jq -c 'has("owner")' <<< "$json")" = true ]
}

@test "state: of a missing container fails" {
  run sie state "$ID"
  assert_error_line "$ID"
}

@test "kill: signal names, SIG prefix, lower case and numbers" {
  set_cmd 'for s in USR1 USR2 HUP INT; do trap "echo $s >> /log" $s; done
           echo ready > /ready
           while :; do sleep 0.1; done'
  run_detached "$ID"
  wait_for_file "$BUNDLE/rootfs/ready"
  n=0
  for sig in USR1 SIGUSR2 sighup 2; do
    run sie kill "$ID" "$sig"
    assert_success
    n=$((n + 1))
    wait_until "[ \$(cat '$BUNDLE/rootfs/log' 2>/dev/null | wc -l) -ge $n ]"
  done
  [ "$(cat "$BUNDLE/rootfs/log")" = "$(printf 'USR1\nUSR2\nHUP\nINT')" ]
  run sie kill "$ID" NOSUCHSIG
  assert_error_line "$ID"
  run sie kill "$ID" 9
  assert_success
  wait_status "$ID" stopped
}

@test "kill: defaults to SIGTERM" {
  set_cmd 'trap "echo term > /log; exit 0" TERM; echo ready > /ready; while :; do sleep 0.1; done'
  run_detached "$ID"
  wait_for_file "$BUNDLE/rootfs/ready"
  run sie kill "$ID"
  assert_success
  wait_status "$ID" stopped
  [ "$(cat "$BUNDLE/rootfs/log")" = term ]
}

@test "kill --all: signals every process of the container" {
  set_cmd 'trap "echo term >> /log" TERM
           sleep 4242 &
           echo ready > /ready
           while :; do wait; sleep 0.1; done'
  run_detached "$ID"
  wait_for_file "$BUNDLE/rootfs/ready"
  pidscg=$(cgroup_mountpoint pids)$(sed -n 's/^[0-9]*:pids://p' "/proc/$(container_pid "$ID")/cgroup")
  [ "$(count_procs "$pidscg" "sleep 4242")" -eq 1 ]
  run sie kill --all "$ID" TERM
  assert_success
  wait_until "grep -q term '$BUNDLE/rootfs/log' 2>/dev/null"
  wait_until '[ "$(count_procs "$pidscg" "sleep 4242")" -eq 0 ]'
  [ "$(container_status "$ID")" = running ]
  run sie kill -a "$ID" KILL
  assert_success
  wait_status "$ID" stopped
  wait_until "[ -z \"\$(cat '$pidscg/cgroup.procs' 2>/dev/null)\" ]"
}

@test "kill: a created container can be killed, then deleted" {
  set_cmd 'touch /ran'
  create_container "$ID"
  pid=$(container_pid "$ID")
  run sie kill "$ID" KILL
  assert_success
  wait_status "$ID" stopped
  [ ! -e "$BUNDLE/rootfs/ran" ]
  run sie delete "$ID"
  assert_success
  assert_no_leftovers "$ID"
}

@test "kill: a stopped container cannot be signalled" {
  set_args true
  run sie run --keep -b "$BUNDLE" "$ID"
  assert_success
  run sie kill "$ID" KILL
  assert_error_line "$ID"
}

@test "delete: a running container needs --force" {
  set_args sleep 100
  run_detached "$ID"
  pid=$(container_pid "$ID")
  run sie delete "$ID"
  assert_error_line "$ID"
  [ "$(container_status "$ID")" = running ]
  run sie delete --force "$ID"
  assert_success
  [ ! -d "/proc/$pid" ] || grep -q '^State:.*Z' "/proc/$pid/status" 2> /dev/null || fail "pid $pid still alive"
  assert_no_leftovers "$ID"
}

@test "delete: a created container" {
  set_cmd 'touch /ran'
  create_container "$ID"
  run sie delete "$ID"
  assert_success
  assert_no_leftovers "$ID"
  [ ! -e "$BUNDLE/rootfs/ran" ]
}

@test "delete: of a missing container fails unless --force" {
  run sie delete "$ID"
  assert_error_line "$ID"
  run sie delete --force "$ID"
  assert_success
  run sie delete -f "$ID"
  assert_success
}

@test "list: table, quiet and json" {
  set_args sleep 100
  create_container "$ID-a"
  run_detached "$ID-b"
  run sie list
  assert_success
  [[ "${lines[0]}" =~ ^ID\ +PID\ +STATUS\ +BUNDLE\ +CREATED\ +OWNER\ *$ ]] || fail "header: ${lines[0]}"
  [ "${#lines[@]}" -eq 3 ]
  assert_output_match "^$ID-a +[0-9]+ +created +$BUNDLE +[0-9]{4}-"
  assert_output_match "^$ID-b +[0-9]+ +running +$BUNDLE +[0-9]{4}-"

  run sie list -q
  assert_success
  [ "$(sort <<< "$output")" = "$(printf '%s\n' "$ID-a" "$ID-b")" ]
  run sie list --quiet
  assert_success
  [ "${#lines[@]}" -eq 2 ]

  run sie list --format json
  assert_success
  [ "$(jq -r 'type' <<< "$output")" = array ]
  [ "$(jq -r 'sort_by(.id) | map(.id + "=" + .status) | join(",")' <<< "$output")" = "$ID-a=created,$ID-b=running" ]
  [ "$(jq -r '.[0].bundle' <<< "$output")" = "$BUNDLE" ]
  run sie list -f json
  assert_success
  [ "$(jq length <<< "$output")" -eq 2 ]
}

@test "list: an empty or missing root lists nothing" {
  run sie list
  assert_success
  [ "${#lines[@]}" -le 1 ]
  run sie list -q
  assert_success
  [ -z "$output" ]
}

@test "create --pid-file: writes the init pid" {
  set_args sleep 100
  run create_container --pid-file "$TEST_DIR/pidfile" "$ID"
  assert_success
  [ "$(cat "$TEST_DIR/pidfile")" = "$(container_pid "$ID")" ]
}

@test "run --pid-file: relative to the current directory" {
  set_args sleep 100
  cd "$TEST_DIR"
  run run_detached --pid-file rel.pid "$ID"
  assert_success
  [ "$(cat "$TEST_DIR/rel.pid")" = "$(container_pid "$ID")" ]
}

@test "run --preserve-fds: the container reads the extra fd" {
  echo preserved-content > "$TEST_DIR/extra"
  set_cmd 'cat <&3; cat <&4'
  run sie run --preserve-fds 2 -b "$BUNDLE" "$ID" 3< "$TEST_DIR/extra" 4< "$TEST_DIR/extra"
  assert_success
  [ "$output" = "$(printf 'preserved-content\npreserved-content')" ]
  assert_no_leftovers "$ID"
}

@test "run: without --preserve-fds extra fds do not reach the container" {
  echo secret > "$TEST_DIR/extra"
  set_cmd 'cat <&3 && echo LEAKED'
  run sie run -b "$BUNDLE" "$ID" 3< "$TEST_DIR/extra"
  assert_failure
  assert_output_no_match 'LEAKED|secret'
}

@test "run: LISTEN_FDS passes socket-activation fds through" {
  echo activation-fd > "$TEST_DIR/extra"
  set_cmd 'echo "fds=$LISTEN_FDS pid=$LISTEN_PID"; cat <&3'
  # LISTEN_PID must be sie's own pid, as sd_listen_fds(3) requires: exec keeps it.
  run bash -c 'export LISTEN_FDS=1 LISTEN_PID=$$; exec "$@"' _ \
    "$SIE" --root "$ROOT" run -b "$BUNDLE" "$ID" 3< "$TEST_DIR/extra"
  assert_success
  [ "${lines[0]}" = "fds=1 pid=1" ]
  [ "${lines[1]}" = activation-fd ]
}

@test "run --no-pivot: runs inside the rootfs" {
  set_cmd 'ls /bin/busybox && [ ! -e /etc/os-release ] && cat /proc/self/mountinfo'
  run sie run --no-pivot -b "$BUNDLE" "$ID"
  assert_success
  assert_output_match '^/bin/busybox$'
  assert_no_leftovers "$ID"
}

@test "run --no-new-keyring: accepted and the container runs" {
  set_cmd 'echo ok-keyring'
  run sie run --no-new-keyring -b "$BUNDLE" "$ID"
  assert_success
  assert_output_equal ok-keyring
  assert_no_leftovers "$ID"
}

@test "--log --log-format json: errors are JSON lines" {
  rm -rf "$BUNDLE/rootfs"
  run "$SIE" --root "$ROOT" --log "$TEST_DIR/log.json" --log-format json run -b "$BUNDLE" "$ID"
  assert_failure
  [ -s "$TEST_DIR/log.json" ] || fail "log file is empty"
  run jq -c 'select(.level == "error")' "$TEST_DIR/log.json"
  assert_success
  [ "${#lines[@]}" -ge 1 ] || fail "no error line in $(cat "$TEST_DIR/log.json")"
  line=${lines[0]}
  [ -n "$(jq -r .msg <<< "$line")" ]
  [[ "$(jq -r .time <<< "$line")" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8} ]]
  jq -r .msg <<< "$line" | grep -q rootfs
  assert_no_leftovers "$ID"
}

@test "--log: text errors are appended to the file" {
  echo previous-line > "$TEST_DIR/log.txt"
  rm -rf "$BUNDLE/rootfs"
  run "$SIE" --root "$ROOT" --log "$TEST_DIR/log.txt" run -b "$BUNDLE" "$ID"
  assert_failure
  [ "$(head -1 "$TEST_DIR/log.txt")" = previous-line ]
  grep -q rootfs "$TEST_DIR/log.txt"
  assert_no_leftovers "$ID"
}

@test "--debug: debug lines on stderr, none without it" {
  set_cmd 'echo out-line'
  run --separate-stderr sie run -b "$BUNDLE" "$ID"
  assert_success
  [ "$output" = out-line ]
  [ -z "$stderr" ] || fail "stderr without --debug: $stderr"
  run --separate-stderr sie --debug run -b "$BUNDLE" "$ID"
  assert_success
  [ "$output" = out-line ]
  [ -n "$stderr" ] || fail "no debug output on stderr"
}

@test "--systemd-cgroup: fails clearly on a host without systemd" {
  [ ! -d /run/systemd/system ] || skip "systemd is running on this host"
  run sie --systemd-cgroup run -b "$BUNDLE" "$ID"
  assert_status 1
  assert_output_equal "sie: --systemd-cgroup: systemd is not running on this host"
  assert_no_leftovers "$ID"
}

@test "concurrency: racing starts, exactly one wins" {
  set_cmd 'echo started >> /count; exec sleep 100'
  for i in 1 2 3; do
    create_container "$ID-$i"
    sie start "$ID-$i" > "$TEST_DIR/s1" 2>&1 &
    p1=$!
    sie start "$ID-$i" > "$TEST_DIR/s2" 2>&1 &
    p2=$!
    wait $p1 && r1=0 || r1=$?
    wait $p2 && r2=0 || r2=$?
    [ $((r1 == 0)) -ne $((r2 == 0)) ] || fail "start exits: $r1 $r2" "$(cat "$TEST_DIR/s1" "$TEST_DIR/s2")"
    [ "$(container_status "$ID-$i")" = running ]
  done
  wait_until "[ \$(wc -l < '$BUNDLE/rootfs/count') -ge 3 ]"
  sleep 0.2
  [ "$(wc -l < "$BUNDLE/rootfs/count")" -eq 3 ]
}

@test "concurrency: racing deletes, exactly one wins and nothing is left" {
  set_args sleep 100
  for i in 1 2 3; do
    create_container "$ID-$i"
    sie kill "$ID-$i" KILL
    wait_status "$ID-$i" stopped
    sie delete "$ID-$i" > "$TEST_DIR/d1" 2>&1 &
    p1=$!
    sie delete "$ID-$i" > "$TEST_DIR/d2" 2>&1 &
    p2=$!
    wait $p1 && r1=0 || r1=$?
    wait $p2 && r2=0 || r2=$?
    [ $((r1 == 0)) -ne $((r2 == 0)) ] || fail "delete exits: $r1 $r2" "$(cat "$TEST_DIR/d1" "$TEST_DIR/d2")"
    assert_no_leftovers "$ID-$i"
  done
  run sie list -q
  [ -z "$output" ]
}

@test "--root: containers live under the given root only" {
  set_args sleep 100
  create_container "$ID"
  [ -d "$ROOT/$ID" ]
  [ ! -e "/run/sie/$ID" ]
  run "$SIE" --root "$TEST_DIR/other-root" list -q
  assert_success
  [ -z "$output" ]
  run "$SIE" --root "$TEST_DIR/other-root" state "$ID"
  assert_failure
  run "$SIE" "--root=$ROOT" state "$ID"
  assert_success
  run "$SIE" -root "$ROOT" list -q
  assert_success
  assert_output_equal "$ID"
}

@test "run: a missing binary is reported and leaves nothing" {
  set_args /bin/no-such-binary
  run sie run -b "$BUNDLE" "$ID"
  assert_failure
  assert_output_match 'no-such-binary'
  assert_no_leftovers "$ID"
  # As runc does, create already reports it (the binary is looked up before
  # the process waits for start).
  run create_container "$ID"
  assert_failure
  assert_output_match 'no-such-binary'
  assert_no_leftovers "$ID"
}

@test "run: a non-executable file is reported" {
  printf 'not a program\n' > "$BUNDLE/rootfs/bin/notexec"
  chmod 0644 "$BUNDLE/rootfs/bin/notexec"
  set_args /bin/notexec
  run sie run -b "$BUNDLE" "$ID"
  assert_failure
  assert_output_match 'notexec'
  assert_no_leftovers "$ID"
}

@test "run: args[0] is looked up in the container's PATH" {
  update_config '.process.env = ["PATH=/bin"]'
  set_args echo via-path
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  assert_output_equal via-path
}

@test "--version and --help" {
  run "$SIE" --version
  assert_success
  assert_output_match 'sie'
  run "$SIE" -v
  assert_success
  run "$SIE" --help
  assert_success
  assert_output_match 'create'
  run "$SIE" --root "$ROOT" no-such-command
  assert_status 1
  assert_output_match '^sie: '
}
