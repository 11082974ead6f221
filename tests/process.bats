#!/usr/bin/env bats
# process.*: args, env, cwd, user, capabilities, rlimits and the other
# per-process attributes.

load helpers

status_field () { awk -v f="$1:" '$1 == f {$1 = ""; sub(/^ /, ""); print}' <<< "$output"; }

@test "process: args and env reach the container, the host env does not" {
  update_config '.process.env = ["PATH=/bin", "FOO=bar baz", "EMPTY="]'
  export SIE_HOST_ONLY=leak
  set_args sh -c 'echo "$0|$1|$2"; env | sort' arg-zero "one two" three
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  [ "${lines[0]}" = "arg-zero|one two|three" ]
  assert_output_match '^FOO=bar baz$'
  assert_output_match '^EMPTY=$'
  assert_output_match '^PATH=/bin$'
  assert_output_no_match 'SIE_HOST_ONLY|BATS_'
}

@test "process: HOME comes from /etc/passwd when not set, / for unknown users" {
  set_cmd 'echo "$HOME"'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  assert_output_equal /root
  update_config '.process.user = {"uid": 1000, "gid": 1000}'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  assert_output_equal /
  update_config '.process.user = {"uid": 0, "gid": 0}'
  update_config '.process.env += ["HOME=/custom"]'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  assert_output_equal /custom
}

@test "process: cwd is used and created when missing" {
  update_config '.process.cwd = "/work/dir"'
  set_cmd 'pwd; readlink /proc/self/cwd'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  assert_output_equal "$(printf '/work/dir\n/work/dir')"
  [ -d "$BUNDLE/rootfs/work/dir" ]
}

@test "process: a relative cwd is an error naming process.cwd" {
  update_config '.process.cwd = "relative"'
  run sie run -b "$BUNDLE" "$ID"
  assert_error_line "$ID"
  assert_output_match 'process\.cwd'
  assert_no_leftovers "$ID"
}

@test "process: user uid, gid and additionalGids" {
  update_config '.process.user = {"uid": 1000, "gid": 1001, "additionalGids": [10, 20, 1001]}'
  set_cmd 'grep -E "^(Uid|Gid|Groups):" /proc/self/status'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  [[ "$(status_field Uid)" =~ ^1000[[:space:]]+1000[[:space:]]+1000[[:space:]]+1000$ ]] || fail "$output"
  [[ "$(status_field Gid)" =~ ^1001[[:space:]]+1001[[:space:]]+1001[[:space:]]+1001$ ]] || fail "$output"
  [ "$(status_field Groups | tr -s ' \t' '\n' | sort -n | tr '\n' ' ')" = "10 20 1001 " ] || fail "$output"
}

@test "process: without additionalGids the supplementary groups are cleared" {
  update_config '.process.user = {"uid": 1000, "gid": 1000}'
  set_cmd 'grep "^Groups:" /proc/self/status'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  [[ "$output" =~ ^Groups:[[:space:]]*$ ]] || fail "$output"
}

@test "process: umask, default 0022 and configured" {
  set_cmd 'umask; rm -f /tmp/f; touch /tmp/f; stat -c %a /tmp/f'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  assert_output_equal "$(printf '0022\n644')"
  update_config '.process.user.umask = 63'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  assert_output_equal "$(printf '0077\n600')"
}

@test "process: capabilities match the config" {
  update_config '.process.capabilities = {
      "bounding": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      "effective": ["CAP_CHOWN", "CAP_KILL"],
      "permitted": ["CAP_CHOWN", "CAP_KILL"],
      "inheritable": []}'
  set_cmd 'grep ^Cap /proc/self/status'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  [ "$(status_field CapBnd)" = 0000000000000421 ] || fail "$output"
  [ "$(status_field CapEff)" = 0000000000000021 ] || fail "$output"
  [ "$(status_field CapPrm)" = 0000000000000021 ] || fail "$output"
  [ "$(status_field CapInh)" = 0000000000000000 ] || fail "$output"
  [ "$(status_field CapAmb)" = 0000000000000000 ] || fail "$output"
}

@test "process: ambient capabilities for a non-root user" {
  update_config '.process.user = {"uid": 1000, "gid": 1000}
    | .process.capabilities = {
      "bounding": ["CAP_NET_BIND_SERVICE"], "effective": ["CAP_NET_BIND_SERVICE"],
      "permitted": ["CAP_NET_BIND_SERVICE"], "inheritable": ["CAP_NET_BIND_SERVICE"],
      "ambient": ["CAP_NET_BIND_SERVICE"]}'
  set_cmd 'grep ^Cap /proc/self/status'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  for f in CapBnd CapEff CapPrm CapInh CapAmb; do
    [ "$(status_field $f)" = 0000000000000400 ] || fail "$f" "$output"
  done
}

@test "process: no capabilities at all for root" {
  update_config '.process.capabilities = {"bounding": [], "effective": [], "permitted": []}'
  set_cmd 'grep ^Cap /proc/self/status; chown 1:1 /tmp 2>&1; true'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  [ "$(status_field CapEff)" = 0000000000000000 ] || fail "$output"
  [ "$(status_field CapBnd)" = 0000000000000000 ] || fail "$output"
  assert_output_match 'Operation not permitted'
}

@test "process: an empty capabilities object means no capabilities (podman's --cap-drop all)" {
  # runc's reading: a present object with a missing list is an empty set
  update_config '.process.capabilities = {}'
  set_cmd 'grep ^Cap /proc/self/status'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  [ "$(status_field CapBnd)" = 0000000000000000 ] || fail "$output"
  [ "$(status_field CapEff)" = 0000000000000000 ] || fail "$output"
  [ "$(status_field CapPrm)" = 0000000000000000 ] || fail "$output"
}

@test "process: rlimits — lowering NOFILE works" {
  update_config '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 100, "hard": 200},
                                     {"type": "RLIMIT_NPROC", "soft": 300, "hard": 400}]'
  set_cmd 'grep -E "^Max (open files|processes)" /proc/self/limits'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  assert_output_match '^Max open files +100 +200 +files'
  assert_output_match '^Max processes +300 +400 +processes'
}

@test "process: rlimits — raising the hard limit without CAP_SYS_RESOURCE fails clearly" {
  hard=$(ulimit -Hn)
  [ "$hard" != unlimited ] || skip "RLIMIT_NOFILE hard limit is unlimited here"
  if capsh --has-p=cap_sys_resource 2> /dev/null; then
    skip "this process has CAP_SYS_RESOURCE"
  fi
  update_config ".process.rlimits = [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 1024, \"hard\": $((hard + 1000))}]"
  run sie run -b "$BUNDLE" "$ID"
  assert_error_line "$ID"
  assert_output_match 'RLIMIT_NOFILE'
  assert_no_leftovers "$ID"
}

@test "process: noNewPrivileges true and false" {
  set_cmd 'grep ^NoNewPrivs: /proc/self/status'
  update_config '.process.noNewPrivileges = true'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  [[ "$output" =~ ^NoNewPrivs:[[:space:]]+1$ ]] || fail "$output"
  update_config '.process.noNewPrivileges = false'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  [[ "$output" =~ ^NoNewPrivs:[[:space:]]+0$ ]] || fail "$output"
}

@test "process: oomScoreAdj" {
  update_config '.process.oomScoreAdj = 500'
  set_cmd 'cat /proc/self/oom_score_adj'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  assert_output_equal 500
}

@test "process: personality LINUX32" {
  update_config '.linux.personality = {"domain": "LINUX32"}'
  set_cmd 'uname -m'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  assert_output_equal i686
  update_config '.linux.personality = {"domain": "LINUX"}'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  assert_output_equal "$(uname -m)"
}

@test "process: personality with an unknown domain is an error" {
  update_config '.linux.personality = {"domain": "LINUX16"}'
  run sie run -b "$BUNDLE" "$ID"
  assert_error_line "$ID"
  assert_output_match 'LINUX16'
  assert_no_leftovers "$ID"
}

@test "process: ioPriority" {
  update_config '.process.ioPriority = {"class": "IOPRIO_CLASS_BE", "priority": 3}'
  set_args sleep 100
  run_detached "$ID"
  run ionice -p "$(container_pid "$ID")"
  assert_success
  assert_output_equal "best-effort: prio 3"
  sie delete -f "$ID"
  update_config '.process.ioPriority = {"class": "IOPRIO_CLASS_IDLE", "priority": 0}'
  run_detached "$ID"
  run ionice -p "$(container_pid "$ID")"
  assert_success
  assert_output_match '^idle'
}

@test "process: ioPriority with a bad class is an error" {
  update_config '.process.ioPriority = {"class": "IOPRIO_CLASS_FAST", "priority": 3}'
  run sie run -b "$BUNDLE" "$ID"
  assert_error_line "$ID"
  assert_output_match 'IOPRIO_CLASS_FAST'
  assert_no_leftovers "$ID"
}

@test "process: scheduler SCHED_BATCH with nice, SCHED_IDLE" {
  update_config '.process.scheduler = {"policy": "SCHED_BATCH", "nice": 5}'
  set_cmd 'grep -E "^policy" /proc/self/sched 2>/dev/null; exec sleep 100'
  run_detached "$ID"
  pid=$(container_pid "$ID")
  run chrt -p "$pid"
  assert_success
  assert_output_match 'policy: SCHED_BATCH'
  [ "$(ps -o ni= -p "$pid" | tr -d ' ')" = 5 ]
  sie delete -f "$ID"
  update_config '.process.scheduler = {"policy": "SCHED_IDLE"}'
  run_detached "$ID"
  run chrt -p "$(container_pid "$ID")"
  assert_success
  assert_output_match 'policy: SCHED_IDLE'
}

@test "process: scheduler with an unknown policy is an error" {
  update_config '.process.scheduler = {"policy": "SCHED_WHENEVER"}'
  run sie run -b "$BUNDLE" "$ID"
  assert_error_line "$ID"
  assert_output_match 'SCHED_WHENEVER'
  assert_no_leftovers "$ID"
}

@test "process: apparmorProfile without AppArmor is an error naming the field" {
  [ ! -d /sys/kernel/security/apparmor ] || skip "AppArmor is enabled on this host"
  update_config '.process.apparmorProfile = "sie-test-profile"'
  run sie run -b "$BUNDLE" "$ID"
  assert_error_line "$ID"
  assert_output_match 'apparmorProfile'
  assert_no_leftovers "$ID"
}

@test "process: selinuxLabel without SELinux is an error naming the field" {
  [ ! -d /sys/fs/selinux ] || skip "SELinux is enabled on this host"
  update_config '.process.selinuxLabel = "system_u:system_r:container_t:s0"'
  run sie run -b "$BUNDLE" "$ID"
  assert_error_line "$ID"
  assert_output_match 'selinuxLabel'
  assert_no_leftovers "$ID"
}
