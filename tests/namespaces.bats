#!/usr/bin/env bats
# New and joined namespaces of every type.

load helpers

ns_of () { readlink "/proc/$1/ns/$2"; }

@test "namespaces: the default spec's namespaces are all new" {
  set_cmd 'for n in pid mnt ipc uts net cgroup; do echo "$n $(readlink /proc/self/ns/$n)"; done'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  [ "${#lines[@]}" -eq 6 ]
  for line in "${lines[@]}"; do
    set -- $line
    [ "$2" != "$(ns_of $$ "$1")" ] || fail "namespace $1 is the host's: $2"
  done
  # user and time were not asked for
  set_cmd 'readlink /proc/self/ns/user; readlink /proc/self/ns/time'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  [ "${lines[0]}" = "$(ns_of $$ user)" ]
  [ "${lines[1]}" = "$(ns_of $$ time)" ]
}

@test "namespaces: pid — the process is pid 1 and sees only its own processes" {
  set_cmd 'echo "pid=$$"; ls /proc | grep -c "^[0-9]"'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  [ "${lines[0]}" = "pid=1" ]
  [ "${lines[1]}" -le 3 ] || fail "sees ${lines[1]} processes"
}

@test "namespaces: uts — hostname and domainname are set, the host's are not" {
  host_hostname=$(cat /proc/sys/kernel/hostname)
  host_domain=$(cat /proc/sys/kernel/domainname)
  update_config '.hostname = "sie-box" | .domainname = "example.test"'
  set_cmd 'hostname; cat /proc/sys/kernel/domainname'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  assert_output_equal "$(printf "sie-box\nexample.test")"
  [ "$(cat /proc/sys/kernel/hostname)" = "$host_hostname" ]
  [ "$(cat /proc/sys/kernel/domainname)" = "$host_domain" ]
}

@test "namespaces: net — only lo, and it is up" {
  set_cmd 'tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " "; ip -o link show lo'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  [ "${lines[0]}" = lo ] || fail "interfaces: $output"
  [ "${#lines[@]}" -eq 2 ] || fail "more than lo: $output"
  [[ "${lines[1]}" =~ \<[^\>]*UP[^\>]*\> ]] || fail "lo not up: ${lines[1]}"
}

@test "namespaces: ipc and mount — new ones, by inode" {
  set_args sleep 100
  run_detached "$ID"
  pid=$(container_pid "$ID")
  [ "$(ns_of "$pid" ipc)" != "$(ns_of $$ ipc)" ]
  [ "$(ns_of "$pid" mnt)" != "$(ns_of $$ mnt)" ]
}

@test "namespaces: user — mapped root, mapping visible, host ownership shifted" {
  mkdir -m 0777 "$TEST_DIR/shared" "$BUNDLE/rootfs/shared"
  update_config '.linux.namespaces += [{"type": "user"}]
    | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
  add_mount "{\"destination\": \"/shared\", \"type\": \"bind\", \"source\": \"$TEST_DIR/shared\", \"options\": [\"rbind\", \"rw\"]}"
  set_cmd 'id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map; touch /shared/made-inside; mkdir /shared/dir-inside'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  [ "${lines[0]}" = 0 ]
  [ "${lines[1]}" = 0 ]
  [[ "${lines[2]}" =~ ^\ *0\ +100000\ +65536$ ]] || fail "uid_map: ${lines[2]}"
  [[ "${lines[3]}" =~ ^\ *0\ +100000\ +65536$ ]] || fail "gid_map: ${lines[3]}"
  [ "$(stat -c %u:%g "$TEST_DIR/shared/made-inside")" = 100000:100000 ]
  [ "$(stat -c %u:%g "$TEST_DIR/shared/dir-inside")" = 100000:100000 ]
  assert_no_leftovers "$ID"
}

@test "namespaces: user — a non-root container user maps through" {
  mkdir -m 0777 "$TEST_DIR/shared" "$BUNDLE/rootfs/shared"
  update_config '.linux.namespaces += [{"type": "user"}]
    | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .process.user = {"uid": 1000, "gid": 1000}'
  add_mount "{\"destination\": \"/shared\", \"type\": \"bind\", \"source\": \"$TEST_DIR/shared\", \"options\": [\"rbind\"]}"
  set_cmd 'id -u; touch /shared/f'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  [ "${lines[0]}" = 1000 ]
  [ "$(stat -c %u:%g "$TEST_DIR/shared/f")" = 101000:101000 ]
}

@test "namespaces: cgroup — the container's cgroups look like roots" {
  update_config 'if any(.linux.namespaces[]; .type == "cgroup") then . else .linux.namespaces += [{"type": "cgroup"}] end'
  set_cmd 'cat /proc/self/cgroup'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  [ "${#lines[@]}" -eq "$(wc -l < /proc/self/cgroup)" ]
  for line in "${lines[@]}"; do
    [[ "$line" =~ ^[0-9]+:[^:]*:/$ ]] || fail "not a root: $line" "$output"
  done
}

@test "namespaces: time — boottime and monotonic offsets" {
  [ -e /proc/self/ns/time ] || skip "kernel without time namespaces"
  update_config '.linux.namespaces += [{"type": "time"}]
    | .linux.timeOffsets = {"boottime": {"secs": 1000000, "nanosecs": 0}, "monotonic": {"secs": 2000000, "nanosecs": 5}}'
  set_cmd 'cut -d" " -f1 /proc/uptime; cat /proc/self/timens_offsets; readlink /proc/self/ns/time'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  host_up=$(cut -d' ' -f1 /proc/uptime)
  inside=${lines[0]%.*}
  host=${host_up%.*}
  [ $((inside - host)) -ge 999990 ] && [ $((inside - host)) -le 1000010 ] \
    || fail "uptime inside $inside, host $host"
  assert_output_match '^monotonic +2000000 +5$'
  assert_output_match '^boottime +1000000 +0$'
  [ "${lines[3]}" != "$(ns_of $$ time)" ]
}

@test "namespaces: join a network namespace by path" {
  netns=$(host_name net)
  v=sv${ID: -6}
  ip netns add "$netns"
  on_teardown "ip netns del '$netns'"
  ip link add "${v}h" type veth peer name "${v}c" netns "$netns"
  on_teardown "ip link del '${v}h'"
  update_config ".linux.namespaces |= map(if .type == \"network\" then .path = \"/var/run/netns/$netns\" else . end)"
  set_cmd 'readlink /proc/self/ns/net; tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " "'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  [ "${lines[0]}" = "net:[$(stat -L -c %i "/var/run/netns/$netns")]" ]
  assert_output_match "^${v}c$"
  # joined, not created: the interface is still in the netns afterwards
  ip -n "$netns" link show "${v}c" > /dev/null
}

@test "namespaces: join another container's uts, ipc, net and pid namespaces" {
  set_args sleep 100
  update_config '.hostname = "host-a"'
  run_detached "$ID-a"
  pida=$(container_pid "$ID-a")
  update_config "del(.hostname) | .linux.namespaces |= map(
      if .type == \"uts\" then .path = \"/proc/$pida/ns/uts\"
      elif .type == \"ipc\" then .path = \"/proc/$pida/ns/ipc\"
      elif .type == \"network\" then .path = \"/proc/$pida/ns/net\"
      elif .type == \"pid\" then .path = \"/proc/$pida/ns/pid\"
      else . end)"
  set_cmd 'hostname; readlink /proc/self/ns/ipc; readlink /proc/self/ns/net; echo "pid=$$"; cat /proc/1/cmdline | tr "\0" " "'
  run sie run -b "$BUNDLE" "$ID-b"
  assert_success
  [ "${lines[0]}" = host-a ]
  [ "${lines[1]}" = "$(ns_of "$pida" ipc)" ]
  [ "${lines[2]}" = "$(ns_of "$pida" net)" ]
  [ "${lines[3]}" != "pid=1" ]
  [[ "${lines[4]}" == "sleep 100"* ]] || fail "pid 1 is: ${lines[4]}"
  [ "$(cat /proc/sys/kernel/hostname)" != host-a ]
}

@test "namespaces: a missing namespace path is a clear error" {
  update_config '.linux.namespaces |= map(if .type == "network" then .path = "/nonexistent/netns" else . end)'
  run sie run -b "$BUNDLE" "$ID"
  assert_error_line "$ID"
  assert_output_match '/nonexistent/netns'
  assert_no_leftovers "$ID"
  run create_container "$ID"
  assert_error_line "$ID"
  assert_no_leftovers "$ID"
}

@test "namespaces: a path to the wrong namespace type is an error" {
  update_config ".linux.namespaces |= map(if .type == \"network\" then .path = \"/proc/$$/ns/uts\" else . end)"
  run sie run -b "$BUNDLE" "$ID"
  assert_error_line "$ID"
  assert_no_leftovers "$ID"
}

@test "namespaces: a path that is not a namespace is an error" {
  touch "$TEST_DIR/not-a-ns"
  update_config ".linux.namespaces |= map(if .type == \"ipc\" then .path = \"$TEST_DIR/not-a-ns\" else . end)"
  run sie run -b "$BUNDLE" "$ID"
  assert_error_line "$ID"
  assert_output_match 'not-a-ns'
  assert_no_leftovers "$ID"
}
