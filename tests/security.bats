#!/usr/bin/env bats
# Known container-breakout classes: CVE-2019-5736 (overwriting the runtime
# binary through /proc/<pid>/exe), fd leaks and CVE-2024-21626 (cwd outside
# the rootfs), CVE-2021-30465 (mount targets through symlinks).

load helpers

@test "security: while created, the init runs from a sealed memfd, not sie's file" {
  set_args sleep 100
  create_container "$ID"
  pid=$(container_pid "$ID")
  exe=$(readlink "/proc/$pid/exe")
  [[ "$exe" == /memfd:* ]] || fail "init's exe is $exe, not a memfd"
  before=$(sha256sum < "$SIE")
  run sh -c "echo overwritten >> /proc/$pid/exe"
  assert_failure
  run sh -c "printf x | dd of=/proc/$pid/exe conv=notrunc 2>&1"
  assert_failure
  [ "$(sha256sum < "$SIE")" = "$before" ] || fail "sie's binary changed"
  run sie start "$ID"
  assert_success
}

@test "security: CVE-2019-5736 — a container in the host pid ns cannot overwrite sie via /proc/<parent>/exe" {
  # no pid namespace and the capabilities that make /proc/<pid>/exe openable
  update_config '.linux.namespaces |= map(select(.type != "pid"))
    | .process.capabilities.bounding += ["CAP_SYS_PTRACE", "CAP_DAC_OVERRIDE"]
    | .process.capabilities.effective += ["CAP_SYS_PTRACE", "CAP_DAC_OVERRIDE"]
    | .process.capabilities.permitted += ["CAP_SYS_PTRACE", "CAP_DAC_OVERRIDE"]'
  set_cmd 'echo "parent-exe=$(readlink /proc/$PPID/exe)"; echo overwritten >> /proc/$PPID/exe && echo WROTE; echo end'
  before=$(sha256sum < "$SIE")
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  assert_output_no_match '^WROTE$'
  assert_output_match '^end$'
  [ "$(sha256sum < "$SIE")" = "$before" ] || fail "sie's binary changed"
}

@test "security: no host fds leak into the container" {
  set_cmd 'ls -1 /proc/self/fd'
  # give sie extra open fds that must not reach the container
  echo host-secret > "$TEST_DIR/host-file"
  run sie run -b "$BUNDLE" "$ID" 5< "$TEST_DIR/host-file" 7> "$TEST_DIR/leak" 9< "$TEST_DIR"
  assert_success
  # 0 1 2, plus 3: the directory ls is reading
  [ "$(tr '\n' ' ' <<< "$output")" = "0 1 2 3 " ] || fail "fds: $output"
}

@test "security: no host fds in a created container's init" {
  set_cmd 'ls -1 /proc/self/fd > /fds'
  echo host-secret > "$TEST_DIR/host-file"
  run create_container "$ID" 5< "$TEST_DIR/host-file" 9< "$TEST_DIR"
  assert_success
  run sie start "$ID"
  assert_success
  wait_for_file "$BUNDLE/rootfs/fds"
  wait_until "[ -s '$BUNDLE/rootfs/fds' ]"
  [ "$(tr '\n' ' ' < "$BUNDLE/rootfs/fds")" = "0 1 2 3 " ] || fail "fds: $(cat "$BUNDLE/rootfs/fds")"
}

@test "security: cwd is inside the container" {
  update_config '.process.cwd = "/tmp"'
  set_cmd 'readlink /proc/self/cwd; cd ../../../../.. && ls -d run/sie-test 2>/dev/null; echo end'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  assert_output_equal "$(printf '/tmp\nend')"
}

@test "security: CVE-2024-21626 — a cwd through /proc/self/fd never escapes" {
  # Whatever fd numbers sie's init holds, a /proc/self/fd/N cwd must either be
  # refused or resolve inside the rootfs; from outside, `..` would reach the
  # host root, where /run/sie-test exists.
  set_cmd 'cd ../../../../../../../.. 2>/dev/null; [ -d run/sie-test ] && echo ESCAPED; echo end'
  for n in 3 4 5 6 7 8 9 10 11 12; do
    update_config ".process.cwd = \"/proc/self/fd/$n\""
    run sie run -b "$BUNDLE" "$ID" 7< / 8< "$TEST_DIR"
    if [ "$status" -eq 0 ]; then
      assert_output_no_match ESCAPED
      assert_output_match '^end$'
    else
      assert_error_line "$ID"
    fi
    assert_no_leftovers "$ID"
  done
}

@test "security: CVE-2021-30465 — an absolute symlink in the rootfs cannot redirect a mount to the host" {
  target=/tmp/$(host_name escape)
  on_teardown "rm -rf '$target'"
  ln -s "$target" "$BUNDLE/rootfs/evil"
  add_mount '{"destination": "/evil/sub", "type": "tmpfs", "source": "tmpfs"}'
  set_cmd 'grep -c " /tmp/[^ ]*/sub .* - tmpfs " /proc/self/mountinfo'
  run sie run -b "$BUNDLE" "$ID"
  if [ "$status" -eq 0 ]; then
    # it landed inside the rootfs, where the symlink points within it
    [ "${lines[-1]}" = 1 ] || fail "$output"
    [ -d "$BUNDLE/rootfs$target/sub" ] || fail "mount point not created inside the rootfs"
  else
    assert_error_line "$ID"
  fi
  [ ! -e "$target" ] || fail "the host's $target was created: $(ls -la "$target")"
  ! grep -qF "$target" /proc/self/mountinfo || fail "host mount at $target"
  assert_no_leftovers "$ID"
}

@test "security: CVE-2021-30465 — an existing host directory behind the symlink gets no mount" {
  target=/tmp/$(host_name escape2)
  mkdir -p "$target"
  on_teardown "rm -rf '$target'"
  ln -s "$target" "$BUNDLE/rootfs/evil"
  ln -s ../../../../../../.."$target" "$BUNDLE/rootfs/evil-rel"
  add_mount '{"destination": "/evil/sub", "type": "tmpfs", "source": "tmpfs"}'
  add_mount '{"destination": "/evil-rel/sub2", "type": "tmpfs", "source": "tmpfs"}'
  set_cmd 'touch /evil/sub/inside /evil-rel/sub2/inside2; echo end'
  run sie run -b "$BUNDLE" "$ID"
  [ "$status" -eq 0 ] || assert_error_line "$ID"
  [ -z "$(ls -A "$target")" ] || fail "the host's $target got: $(ls -A "$target")"
  ! grep -qF "$target" /proc/self/mountinfo || fail "host mount at $target"
  assert_no_leftovers "$ID"
}

@test "security: a symlinked /proc in the rootfs does not mount procfs on the host" {
  target=/tmp/$(host_name procdir)
  on_teardown "rm -rf '$target'"
  rmdir "$BUNDLE/rootfs/proc"
  ln -s "$target" "$BUNDLE/rootfs/proc"
  run sie run -b "$BUNDLE" "$ID"
  [ "$status" -eq 0 ] || assert_error_line "$ID"
  [ ! -e "$target" ] || fail "the host's $target was created"
  assert_no_leftovers "$ID"
}

@test "security: the container cannot see sie's state root or the bundle" {
  set_cmd 'ls / | tr "\n" " "'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  assert_output_no_match 'sie-test|bundle|config\.json'
}
