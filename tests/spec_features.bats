#!/usr/bin/env bats
# `sie spec` and `sie features`.

load helpers

@test "spec: writes runc's default config" {
  mkdir "$TEST_DIR/s"
  cd "$TEST_DIR/s"
  run "$SIE" spec
  assert_success
  c=$TEST_DIR/s/config.json
  jq -e . "$c" > /dev/null
  [ "$(jq -c .process.args "$c")" = '["sh"]' ]
  [ "$(jq -r .process.terminal "$c")" = true ]
  [ "$(jq -r .root.path "$c")" = rootfs ]
  [[ "$(jq -r .ociVersion "$c")" =~ ^1\.[0-9]+\.[0-9]+ ]]
  [ "$(jq -r '[.mounts[].destination] | sort | join(" ")' "$c")" = \
    "/dev /dev/mqueue /dev/pts /dev/shm /proc /sys /sys/fs/cgroup" ]
  [ "$(jq -r '.mounts[] | select(.destination == "/proc") | .type' "$c")" = proc ]
  [ "$(jq -r '.mounts[] | select(.destination == "/sys/fs/cgroup") | .type' "$c")" = cgroup ]
  [ "$(jq -r '[.linux.namespaces[].type] | sort | join(" ")' "$c")" = "cgroup ipc mount network pid uts" ]
  [ "$(jq -r '.linux.maskedPaths | length' "$c")" -gt 0 ]
  [ "$(jq -r '.linux.readonlyPaths | length' "$c")" -gt 0 ]
  jq -e '.linux.maskedPaths | index("/proc/kcore")' "$c" > /dev/null
  jq -e '.linux.readonlyPaths | index("/proc/sys")' "$c" > /dev/null
  [ "$(jq -c '.linux.resources.devices' "$c")" = '[{"allow":false,"access":"rwm"}]' ]
  [ "$(jq -r '.process.noNewPrivileges' "$c")" = true ]
  jq -e '.process.capabilities.bounding | index("CAP_KILL")' "$c" > /dev/null
}

@test "spec: the written config runs once args are set" {
  mkdir -p "$TEST_DIR/s/rootfs/bin"
  cp /bin/busybox "$TEST_DIR/s/rootfs/bin/"
  ln -s busybox "$TEST_DIR/s/rootfs/bin/sh"
  ln -s busybox "$TEST_DIR/s/rootfs/bin/echo"
  run "$SIE" spec -b "$TEST_DIR/s"
  assert_success
  # change only what a non-interactive run needs
  jq '.process.terminal = false | .process.args = ["sh", "-c", "echo from-spec"]' \
    "$TEST_DIR/s/config.json" > "$TEST_DIR/c" && mv "$TEST_DIR/c" "$TEST_DIR/s/config.json"
  run sie run -b "$TEST_DIR/s" "$ID"
  assert_success
  assert_output_equal from-spec
  assert_no_leftovers "$ID"
}

@test "spec: refuses to overwrite an existing config.json" {
  mkdir "$TEST_DIR/s"
  echo '{"mine": true}' > "$TEST_DIR/s/config.json"
  run "$SIE" spec --bundle "$TEST_DIR/s"
  assert_status 1
  assert_output_match '^sie: .*config\.json'
  [ "$(cat "$TEST_DIR/s/config.json")" = '{"mine": true}' ]
}

@test "spec: --rootless adds a user namespace mapping the caller" {
  mkdir "$TEST_DIR/s"
  run "$SIE" spec --rootless -b "$TEST_DIR/s"
  assert_success
  c=$TEST_DIR/s/config.json
  jq -e '.linux.namespaces | map(.type) | index("user")' "$c" > /dev/null
  [ "$(jq -c '.linux.uidMappings' "$c")" = "[{\"containerID\":0,\"hostID\":$(id -u),\"size\":1}]" ]
  [ "$(jq -c '.linux.gidMappings' "$c")" = "[{\"containerID\":0,\"hostID\":$(id -g),\"size\":1}]" ]
  # as runc's rootless spec: no network namespace, no resources
  ! jq -e '.linux.namespaces | map(.type) | index("network")' "$c" > /dev/null
  [ "$(jq -r '.linux.resources // "absent"' "$c")" = absent ]
}

@test "spec: a missing bundle directory is an error" {
  run "$SIE" spec -b "$TEST_DIR/nope"
  assert_status 1
  assert_output_match '^sie: .*nope'
}

@test "features: valid JSON of what sie supports" {
  run --separate-stderr "$SIE" features
  assert_success
  f=$output
  jq -e . <<< "$f" > /dev/null
  [[ "$(jq -r .ociVersionMin <<< "$f")" =~ ^1\.[0-9]+\.[0-9]+ ]]
  [[ "$(jq -r .ociVersionMax <<< "$f")" =~ ^1\.[0-9]+\.[0-9]+ ]]
  [ "$(jq -r '.hooks | sort | join(" ")' <<< "$f")" = \
    "createContainer createRuntime poststart poststop prestart startContainer" ]
  [ "$(jq -r '.linux.namespaces | sort | join(" ")' <<< "$f")" = \
    "cgroup ipc mount network pid time user uts" ]
  jq -e '.mountOptions | index("rro")' <<< "$f" > /dev/null
  jq -e '.mountOptions | index("rbind")' <<< "$f" > /dev/null
  [ "$(jq -r .linux.seccomp.enabled <<< "$f")" = true ]
  jq -e '.linux.seccomp.actions | index("SCMP_ACT_NOTIFY")' <<< "$f" > /dev/null
  jq -e '.linux.seccomp.operators | index("SCMP_CMP_MASKED_EQ")' <<< "$f" > /dev/null
  jq -e '.linux.capabilities | index("CAP_SYS_ADMIN")' <<< "$f" > /dev/null
  # no systemd cgroup driver in sie
  [ "$(jq -r '.linux.cgroup.systemd // false' <<< "$f")" = false ]
}
