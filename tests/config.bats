#!/usr/bin/env bats
# Bad bundles and configs: one clear error line, exit 1, nothing left behind.

load helpers

@test "config: wrong type reports the field, the expectation and the value" {
  update_config '.linux.resources.memory.limit = "1G"'
  run sie run -b "$BUNDLE" "$ID"
  assert_status 1
  assert_output_equal "sie: $ID: config.json: linux.resources.memory.limit: expected an integer, got \"1G\""
  assert_no_leftovers "$ID"
  run create_container "$ID"
  assert_status 1
  assert_output_equal "sie: $ID: config.json: linux.resources.memory.limit: expected an integer, got \"1G\""
  assert_no_leftovers "$ID"
}

@test "config: wrong type for process.args" {
  update_config '.process.args = "sh"'
  run sie run -b "$BUNDLE" "$ID"
  assert_error_line "$ID"
  assert_output_match "^sie: $ID: config\.json: process\.args: expected an? array"
  assert_no_leftovers "$ID"
}

@test "config: wrong type inside an array names the element" {
  update_config '.process.env = ["A=1", 5]'
  run sie run -b "$BUNDLE" "$ID"
  assert_error_line "$ID"
  assert_output_match "^sie: $ID: config\.json: process\.env.*1.*: expected a string"
  assert_no_leftovers "$ID"
}

@test "config: a bad token reports line and column" {
  printf '{\n  "ociVersion": "1.2.0",\n  "root": x\n}\n' > "$BUNDLE/config.json"
  run sie run -b "$BUNDLE" "$ID"
  assert_error_line "$ID"
  assert_output_match "^sie: $ID: config\.json: line 3, column [0-9]+: .+"
  assert_no_leftovers "$ID"
}

@test "config: truncated JSON reports line and column" {
  head -c 200 "$BUNDLE/config.json" > "$TEST_DIR/trunc"
  mv "$TEST_DIR/trunc" "$BUNDLE/config.json"
  run sie run -b "$BUNDLE" "$ID"
  assert_error_line "$ID"
  assert_output_match "^sie: $ID: config\.json: line [0-9]+, column [0-9]+: .+"
  assert_no_leftovers "$ID"
}

@test "config: an empty config.json is an error" {
  : > "$BUNDLE/config.json"
  run sie run -b "$BUNDLE" "$ID"
  assert_error_line "$ID"
  assert_output_match "config\.json"
  assert_no_leftovers "$ID"
}

@test "config: missing config.json" {
  rm "$BUNDLE/config.json"
  run sie run -b "$BUNDLE" "$ID"
  assert_error_line "$ID"
  assert_output_match "config\.json"
  assert_no_leftovers "$ID"
}

@test "config: missing bundle directory" {
  run sie run -b "$TEST_DIR/no-such-bundle" "$ID"
  assert_error_line "$ID"
  assert_output_match "no-such-bundle"
  assert_no_leftovers "$ID"
}

@test "config: missing rootfs" {
  rm -rf "$BUNDLE/rootfs"
  run sie run -b "$BUNDLE" "$ID"
  assert_error_line "$ID"
  assert_output_match "rootfs"
  assert_no_leftovers "$ID"
  run create_container "$ID"
  assert_error_line "$ID"
  assert_no_leftovers "$ID"
}

@test "config: rootfs that is a file" {
  rm -rf "$BUNDLE/rootfs"
  touch "$BUNDLE/rootfs"
  run sie run -b "$BUNDLE" "$ID"
  assert_error_line "$ID"
  assert_output_match "rootfs"
  assert_no_leftovers "$ID"
}

@test "config: missing process.args" {
  update_config 'del(.process.args)'
  run sie run -b "$BUNDLE" "$ID"
  assert_error_line "$ID"
  assert_output_match "process\.args"
  assert_no_leftovers "$ID"
}

@test "config: empty process.args" {
  update_config '.process.args = []'
  run sie run -b "$BUNDLE" "$ID"
  assert_error_line "$ID"
  assert_output_match "process\.args"
  assert_no_leftovers "$ID"
}

@test "config: missing process" {
  update_config 'del(.process)'
  run sie run -b "$BUNDLE" "$ID"
  assert_error_line "$ID"
  assert_output_match "process"
  assert_no_leftovers "$ID"
}

@test "config: missing root" {
  update_config 'del(.root)'
  run sie run -b "$BUNDLE" "$ID"
  assert_error_line "$ID"
  assert_output_match "root"
  assert_no_leftovers "$ID"
}

@test "config: unknown namespace type" {
  update_config '.linux.namespaces += [{"type": "bogusns"}]'
  run sie run -b "$BUNDLE" "$ID"
  assert_error_line "$ID"
  assert_output_match "bogusns"
  assert_no_leftovers "$ID"
}

@test "config: a relative mount destination is taken from / (as runc does)" {
  add_mount '{"destination": "relative/dir", "type": "tmpfs", "source": "tmpfs"}'
  set_cmd 'grep -c " /relative/dir .* - tmpfs " /proc/self/mountinfo'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  [ "${lines[-1]}" = 1 ] || fail "$output"
  assert_no_leftovers "$ID"
}

@test "config: unknown fields are ignored" {
  update_config '.someFutureField = {"x": 1} | .process.futureKnob = true'
  set_cmd 'echo fine'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  assert_output_equal fine
}

@test "config: hostname without a UTS namespace is an error" {
  update_config '.hostname = "h" | .linux.namespaces |= map(select(.type != "uts"))'
  run sie run -b "$BUNDLE" "$ID"
  assert_error_line "$ID"
  assert_output_match "hostname"
  assert_no_leftovers "$ID"
}

@test "config: user namespace without mappings is an error" {
  update_config '.linux.namespaces += [{"type": "user"}] | del(.linux.uidMappings) | del(.linux.gidMappings)'
  run sie run -b "$BUNDLE" "$ID"
  assert_error_line "$ID"
  assert_output_match "[Mm]apping"
  assert_no_leftovers "$ID"
}

@test "config: a device with an unknown type is an error" {
  update_config '.linux.devices = [{"path": "/dev/odd", "type": "x", "major": 1, "minor": 3}]'
  run sie run -b "$BUNDLE" "$ID"
  assert_error_line "$ID"
  assert_output_match "linux\.devices"
  assert_no_leftovers "$ID"
}

@test "config: an unknown rlimit type is an error naming it" {
  update_config '.process.rlimits = [{"type": "RLIMIT_BOGUS", "hard": 1, "soft": 1}]'
  run sie run -b "$BUNDLE" "$ID"
  assert_error_line "$ID"
  assert_output_match "RLIMIT_BOGUS"
  assert_no_leftovers "$ID"
}

@test "config: the error is also the only output line" {
  update_config '.linux.resources.memory.limit = "1G"'
  run --separate-stderr sie run -b "$BUNDLE" "$ID"
  assert_status 1
  [ -z "$output" ] || fail "stdout: $output"
  [ "${#stderr_lines[@]}" -eq 1 ] || fail "stderr has ${#stderr_lines[@]} lines: $stderr"
}
