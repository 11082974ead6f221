#!/usr/bin/env bats
# linux.seccomp: actions, errnoRet, argument conditions, architectures,
# flags, and SCMP_ACT_NOTIFY with a listener.

load helpers

setup_file ()
{
  compile_helper seccomp_listener -lseccomp
}

ARCHES='["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]'

# set_seccomp 'syscalls JSON array' [extra jq assignments on .linux.seccomp]
set_seccomp ()
{
  update_config ".linux.seccomp = {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": $ARCHES, \"syscalls\": $1} ${2:+| .linux.seccomp += $2}"
}

@test "seccomp: SCMP_ACT_ERRNO with errnoRet, and the default EPERM" {
  set_seccomp '[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 122},
                {"names": ["rmdir", "unlinkat"], "action": "SCMP_ACT_ERRNO"}]'
  set_cmd 'mkdir /blocked 2>&1; rmdir /tmp 2>&1; grep -E "^Seccomp:" /proc/self/status; echo end'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  assert_output_match 'Disk quota exceeded'
  assert_output_match 'Operation not permitted'
  assert_output_match '^Seccomp:[[:space:]]+2$'
  [ "${lines[-1]}" = end ]
  [ ! -e "$BUNDLE/rootfs/blocked" ]
  [ -d "$BUNDLE/rootfs/tmp" ]
}

@test "seccomp: SCMP_ACT_KILL and SCMP_ACT_KILL_PROCESS end the process with SIGSYS" {
  set_seccomp '[{"names": ["sethostname"], "action": "SCMP_ACT_KILL"},
                {"names": ["sync"], "action": "SCMP_ACT_KILL_PROCESS"}]'
  set_cmd 'hostname changed; echo "sethostname=$?"; sync; echo "sync=$?"; hostname'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  assert_output_match '^sethostname=159$'
  assert_output_match '^sync=159$'
  assert_output_no_match '^changed$'
}

@test "seccomp: argument conditions select the call" {
  # kill(pid, SIGUSR1) is refused; kill(pid, 0) is not.
  set_seccomp '[{"names": ["kill"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
                 "args": [{"index": 1, "value": 10, "op": "SCMP_CMP_EQ"}]}]'
  set_cmd 'trap "" USR1; kill -0 $$ && echo sig0-ok; kill -USR1 $$ 2>&1 || echo usr1-refused'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  assert_output_match '^sig0-ok$'
  assert_output_match '^usr1-refused$'
}

@test "seccomp: SCMP_CMP_MASKED_EQ and two conditions on one rule" {
  # openat(..., flags & O_CREAT, 0666) is refused: busybox touch creates with
  # 0666, cp with the source's mode, and cat does not create at all.
  set_seccomp '[{"names": ["openat", "open", "creat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 122,
                 "args": [{"index": 2, "value": 64, "valueTwo": 64, "op": "SCMP_CMP_MASKED_EQ"},
                          {"index": 3, "value": 438, "op": "SCMP_CMP_EQ"}]}]'
  set_cmd 'cat /etc/passwd | grep -q root && echo read-ok; cp /etc/passwd /tmp/copied && echo cp-ok; touch /tmp/touched 2>&1; true'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  assert_output_match '^read-ok$'
  assert_output_match '^cp-ok$'
  assert_output_match 'Disk quota exceeded'
  [ ! -e "$BUNDLE/rootfs/tmp/touched" ]
}

@test "seccomp: flags are accepted" {
  set_seccomp '[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 122}]' \
    '{"flags": ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"]}'
  set_cmd 'mkdir /blocked 2>&1; true'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  assert_output_match 'Disk quota exceeded'
}

@test "seccomp: works with noNewPrivileges false" {
  update_config '.process.noNewPrivileges = false'
  set_seccomp '[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 122}]'
  set_cmd 'mkdir /blocked 2>&1; grep ^NoNewPrivs: /proc/self/status'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  assert_output_match 'Disk quota exceeded'
  assert_output_match '^NoNewPrivs:[[:space:]]+0$'
}

@test "seccomp: unknown syscall names are skipped" {
  set_seccomp '[{"names": ["no_such_syscall_xyz", "mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 122}]'
  set_cmd 'mkdir /blocked 2>&1; true'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  assert_output_match 'Disk quota exceeded'
}

@test "seccomp: an unknown action is an error naming it" {
  set_seccomp '[{"names": ["mkdir"], "action": "SCMP_ACT_EXPLODE"}]'
  run sie run -b "$BUNDLE" "$ID"
  assert_error_line "$ID"
  assert_output_match 'SCMP_ACT_EXPLODE'
  assert_no_leftovers "$ID"
}

@test "seccomp: an unknown architecture is an error naming it" {
  update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_PDP11"]}'
  run sie run -b "$BUNDLE" "$ID"
  assert_error_line "$ID"
  assert_output_match 'SCMP_ARCH_PDP11'
  assert_no_leftovers "$ID"
}

@test "seccomp: an unknown flag is an error naming it" {
  set_seccomp '[]' '{"flags": ["SECCOMP_FILTER_FLAG_BOGUS"]}'
  run sie run -b "$BUNDLE" "$ID"
  assert_error_line "$ID"
  assert_output_match 'SECCOMP_FILTER_FLAG_BOGUS'
  assert_no_leftovers "$ID"
}

@test "seccomp: an unknown operator is an error naming it" {
  set_seccomp '[{"names": ["kill"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 1, "value": 10, "op": "SCMP_CMP_ALMOST"}]}]'
  run sie run -b "$BUNDLE" "$ID"
  assert_error_line "$ID"
  assert_output_match 'SCMP_CMP_ALMOST'
  assert_no_leftovers "$ID"
}

@test "seccomp: SCMP_ACT_NOTIFY without listenerPath is an error" {
  set_seccomp '[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}]'
  run sie run -b "$BUNDLE" "$ID"
  assert_error_line "$ID"
  assert_output_match 'listenerPath'
  assert_no_leftovers "$ID"
}

@test "seccomp: SCMP_ACT_NOTIFY sends the state and the fd to listenerPath" {
  sock=$TEST_DIR/listener.sock
  "$SIE_TEST_BIN/seccomp_listener" "$sock" "$TEST_DIR/listener.out" 3>&- &
  listener=$!
  on_teardown "kill $listener"
  wait_for_file "$sock"
  set_seccomp '[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}]' \
    "{\"listenerPath\": \"$sock\", \"listenerMetadata\": \"meta-xyz\"}"
  set_cmd 'mkdir /first 2>&1; mkdir /second 2>&1; echo done'
  SIE_CMD_TIMEOUT=20 run sie run -b "$BUNDLE" "$ID"
  assert_success
  wait_pid "$listener"
  [ "$status" -eq 0 ] || fail "listener exit $status" "$(cat "$TEST_DIR/listener.out")"
  # the listener answered the first mkdir with ENAMETOOLONG; once it closed
  # the fd the second one failed with ENOSYS instead of hanging.
  [ "${lines[0]}" != "${lines[1]}" ] || fail "$output"
  assert_output_match 'File name too long'
  assert_output_match 'Function not implemented'
  [ "${lines[-1]}" = done ]

  json=$(sed '/^fd=/,$d' "$TEST_DIR/listener.out")
  [ "$(jq -r .ociVersion <<< "$json")" != null ]
  [ "$(jq -c .fds <<< "$json")" = '["seccompFd"]' ]
  [ "$(jq -r .metadata <<< "$json")" = meta-xyz ]
  [ "$(jq -r '.pid | type' <<< "$json")" = number ]
  [ "$(jq -r .pid <<< "$json")" -gt 0 ]
  [ "$(jq -r .state.id <<< "$json")" = "$ID" ]
  [ "$(jq -r .state.bundle <<< "$json")" = "$BUNDLE" ]
  [ "$(jq -r .state.pid <<< "$json")" = "$(jq -r .pid <<< "$json")" ]
  [ "$(jq -r .state.status <<< "$json")" = creating ] || fail "state: $json"
  grep -qx 'fd=anon_inode:seccomp notify' "$TEST_DIR/listener.out" || fail "$(cat "$TEST_DIR/listener.out")"
  grep -Eq '^syscall=mkdir(at)? pid=[0-9]+$' "$TEST_DIR/listener.out" || fail "$(cat "$TEST_DIR/listener.out")"
  assert_no_leftovers "$ID"
}

@test "seccomp: an unreachable listenerPath fails create and leaves nothing" {
  set_seccomp '[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}]' \
    "{\"listenerPath\": \"$TEST_DIR/nobody-listens.sock\"}"
  run create_container "$ID"
  assert_error_line "$ID"
  assert_output_match 'nobody-listens\.sock'
  assert_no_leftovers "$ID"
}
