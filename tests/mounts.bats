#!/usr/bin/env bats
# The container's filesystem: config mounts, flags, propagation, devices,
# masked and read-only paths, sysctls.

load helpers

# bind_mount DEST SOURCE OPTION...: appends a bind mount to config.json.
bind_mount ()
{
  local dest=$1 src=$2 opts
  shift 2
  opts=$(jq -cn '$ARGS.positional' --args -- "$@")
  add_mount "{\"destination\": \"$dest\", \"type\": \"bind\", \"source\": \"$src\", \"options\": $opts}"
}

# The mountinfo line of mount point $2 in $1 (a captured mountinfo).
mountinfo_line () { awk -v m="$2" '$5 == m' <<< "$1" | tail -1; }
# Its per-mount options (field 6).
mount_opts () { mountinfo_line "$1" "$2" | awk '{print $6}'; }
# Its optional fields (between field 6 and "-").
mount_optional () { mountinfo_line "$1" "$2" | awk '{s=""; for (i = 7; $i != "-"; i++) s = s " " $i; print s}'; }
# Its filesystem type.
mount_fstype () { mountinfo_line "$1" "$2" | awk '{for (i = 7; $i != "-"; i++) ; print $(i + 1)}'; }

has_opt () { [[ ",$1," == *",$2,"* ]] || fail "option $2 not in $1"; }
lacks_opt () { [[ ",$1," != *",$2,"* ]] || fail "option $2 unexpectedly in $1"; }

@test "mounts: applied in order, a later mount covers an earlier one" {
  mkdir -p "$TEST_DIR/a" "$TEST_DIR/b"
  touch "$TEST_DIR/a/a-file" "$TEST_DIR/b/b-file"
  bind_mount /m "$TEST_DIR/a" rbind
  bind_mount /m "$TEST_DIR/b" rbind
  add_mount '{"destination": "/n", "type": "tmpfs", "source": "tmpfs"}'
  bind_mount /n/sub "$TEST_DIR/a" rbind
  set_cmd 'ls /m; ls /n/sub; grep " /n " /proc/self/mountinfo | grep -c tmpfs'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  assert_output_equal "$(printf 'b-file\na-file\n1')"
  [ ! -e "$TEST_DIR/a/sub" ] || fail "the host dir got the nested mount point"
}

@test "mounts: missing destinations are created, nested" {
  mkdir -p "$TEST_DIR/a"
  touch "$TEST_DIR/a/marker"
  bind_mount /deep/er/dir "$TEST_DIR/a" rbind
  set_cmd 'ls /deep/er/dir'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  assert_output_equal marker
}

@test "mounts: a file bind-mounted onto a new file" {
  echo file-content > "$TEST_DIR/hostfile"
  bind_mount /etc/from-host "$TEST_DIR/hostfile" bind ro
  set_cmd 'cat /etc/from-host; [ -f /etc/from-host ] && echo is-file'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  assert_output_equal "$(printf 'file-content\nis-file')"
}

@test "mounts: a missing bind source is an error naming it" {
  bind_mount /m "$TEST_DIR/no-such-source" rbind
  run sie run -b "$BUNDLE" "$ID"
  assert_error_line "$ID"
  assert_output_match 'no-such-source'
  assert_no_leftovers "$ID"
}

@test "mounts: bind ro, nosuid, nodev, noexec" {
  mkdir -p "$TEST_DIR/a"
  printf '#!/bin/sh\necho executed\n' > "$TEST_DIR/a/script"
  chmod 0755 "$TEST_DIR/a/script"
  bind_mount /ro "$TEST_DIR/a" rbind ro
  bind_mount /flags "$TEST_DIR/a" rbind nosuid nodev noexec
  bind_mount /rw "$TEST_DIR/a" rbind rw
  set_cmd 'cat /proc/self/mountinfo; touch /ro/x 2>&1; /flags/script 2>&1; /rw/script; touch /rw/made; true'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  has_opt "$(mount_opts "$output" /ro)" ro
  opts=$(mount_opts "$output" /flags)
  has_opt "$opts" nosuid
  has_opt "$opts" nodev
  has_opt "$opts" noexec
  has_opt "$(mount_opts "$output" /rw)" rw
  lacks_opt "$(mount_opts "$output" /rw)" noexec
  assert_output_match 'Read-only file system'
  assert_output_match 'Permission denied'
  assert_output_match '^executed$'
  [ -e "$TEST_DIR/a/made" ]
  [ ! -e "$TEST_DIR/a/x" ]
}

@test "mounts: bind does not carry submounts, rbind does, rro makes them read-only" {
  mkdir -p "$TEST_DIR/h/sub"
  mount -t tmpfs sietest-sub "$TEST_DIR/h/sub"
  on_teardown "umount '$TEST_DIR/h/sub'"
  touch "$TEST_DIR/h/sub/on-tmpfs"
  bind_mount /plain "$TEST_DIR/h" bind
  bind_mount /rec "$TEST_DIR/h" rbind
  bind_mount /rro "$TEST_DIR/h" rbind rro
  set_cmd 'cat /proc/self/mountinfo; ls /plain/sub; ls /rec/sub; touch /rro/sub/x 2>&1; touch /rec/sub/y; true'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  [ -z "$(mountinfo_line "$output" /plain/sub)" ] || fail "bind carried the submount"
  [ "$(mount_fstype "$output" /rec/sub)" = tmpfs ]
  [ "$(mount_fstype "$output" /rro/sub)" = tmpfs ]
  has_opt "$(mount_opts "$output" /rro/sub)" ro
  has_opt "$(mount_opts "$output" /rro)" ro
  has_opt "$(mount_opts "$output" /rec/sub)" rw
  [ "$(grep -cx on-tmpfs <<< "$output")" -eq 1 ] || fail "ls outputs: $output"
  assert_output_match 'Read-only file system'
  [ -e "$TEST_DIR/h/sub/y" ]
  [ ! -e "$TEST_DIR/h/sub/x" ]
}

@test "mounts: propagation flags shared, private and slave" {
  mkdir -p "$TEST_DIR/p" "$TEST_DIR/s"
  # a shared source, so that a slave copy has a master
  mount --bind "$TEST_DIR/s" "$TEST_DIR/s"
  on_teardown "umount -l '$TEST_DIR/s'"
  mount --make-shared "$TEST_DIR/s"
  bind_mount /shared "$TEST_DIR/p" rbind shared
  bind_mount /private "$TEST_DIR/p" rbind private
  bind_mount /slave "$TEST_DIR/s" rbind rslave
  set_cmd 'cat /proc/self/mountinfo'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  [[ "$(mount_optional "$output" /shared)" == *shared:* ]] || fail "/shared: $(mountinfo_line "$output" /shared)"
  [[ "$(mount_optional "$output" /private)" != *shared:* ]] || fail "/private: $(mountinfo_line "$output" /private)"
  [[ "$(mount_optional "$output" /private)" != *master:* ]] || fail "/private: $(mountinfo_line "$output" /private)"
  [[ "$(mount_optional "$output" /slave)" == *master:* ]] || fail "/slave: $(mountinfo_line "$output" /slave)"
  [[ "$(mount_optional "$output" /slave)" != *shared:* ]] || fail "/slave: $(mountinfo_line "$output" /slave)"
}

@test "mounts: a slave mount receives mounts made on the host afterwards" {
  mkdir -p "$TEST_DIR/s/late"
  mount --bind "$TEST_DIR/s" "$TEST_DIR/s"
  on_teardown "umount -l '$TEST_DIR/s'"
  mount --make-shared "$TEST_DIR/s"
  bind_mount /slave "$TEST_DIR/s" rbind rslave
  set_cmd 'while [ ! -e /slave/late/arrived ]; do sleep 0.1; done; echo seen > /seen'
  run_detached "$ID"
  mount -t tmpfs sietest-late "$TEST_DIR/s/late"
  on_teardown "umount -l '$TEST_DIR/s/late'"
  touch "$TEST_DIR/s/late/arrived"
  wait_for_file "$BUNDLE/rootfs/seen" 50
}

@test "mounts: proc, sysfs, devpts, mqueue and shm from the default spec" {
  set_cmd 'cat /proc/self/mountinfo; [ -L /dev/ptmx ] && readlink /dev/ptmx || stat -c "%t:%T" /dev/ptmx'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  mi=$output
  [ "$(mount_fstype "$mi" /proc)" = proc ]
  [ "$(mount_fstype "$mi" /sys)" = sysfs ]
  has_opt "$(mount_opts "$mi" /sys)" ro
  [ "$(mount_fstype "$mi" /dev)" = tmpfs ]
  [ "$(mount_fstype "$mi" /dev/pts)" = devpts ]
  mountinfo_line "$mi" /dev/pts | grep -q 'ptmxmode=666' || fail "devpts: $(mountinfo_line "$mi" /dev/pts)"
  [ "$(mount_fstype "$mi" /dev/mqueue)" = mqueue ]
  [ "$(mount_fstype "$mi" /dev/shm)" = tmpfs ]
  [ "${lines[-1]}" = pts/ptmx ] || [ "${lines[-1]}" = 5:2 ] || fail "/dev/ptmx: ${lines[-1]}"
}

@test "mounts: tmpfs with size and mode" {
  add_mount '{"destination": "/t", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "size=1m", "mode=1750"]}'
  set_cmd 'stat -c %a /t; grep " /t " /proc/self/mountinfo; df -k /t | tail -1'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  [ "${lines[0]}" = 1750 ]
  [[ "${lines[1]}" == *size=1024k* ]] || fail "mountinfo: ${lines[1]}"
  [[ "${lines[1]}" == *nosuid* ]] || fail "mountinfo: ${lines[1]}"
  set -- ${lines[2]}
  [ "$2" -eq 1024 ] || fail "df: ${lines[2]}"
}

@test "mounts: tmpfs with tmpcopyup carries the image's directory into the tmpfs" {
  mkdir -p "$BUNDLE/rootfs/data/sub"
  echo kept > "$BUNDLE/rootfs/data/sub/file"
  ln -s sub/file "$BUNDLE/rootfs/data/link"
  chmod 0711 "$BUNDLE/rootfs/data"
  chown 123:456 "$BUNDLE/rootfs/data/sub/file"
  add_mount '{"destination": "/data", "type": "tmpfs", "source": "tmpfs", "options": ["tmpcopyup", "size=1m"]}'
  set_cmd 'cat /data/link; stat -c "%a %u:%g" /data /data/sub/file; grep " /data " /proc/self/mountinfo;
           echo new > /data/new; cat /data/new'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  [ "${lines[0]}" = kept ] || fail "$output"
  [ "${lines[1]}" = "711 0:0" ] || fail "tmpfs root: ${lines[1]}"
  [ "${lines[2]}" = "644 123:456" ] || fail "copied file: ${lines[2]}"
  [[ "${lines[3]}" == *" - tmpfs "* ]] || fail "mountinfo: ${lines[3]}"
  [ "${lines[4]}" = new ] || fail "$output"
  # the write landed in the tmpfs, not in the image
  [ ! -e "$BUNDLE/rootfs/data/new" ]
}

@test "mounts: tmpcopyup on a bind mount is an error naming the mount" {
  mkdir -p "$TEST_DIR/src"
  add_mount "{\"destination\": \"/b\", \"type\": \"bind\", \"source\": \"$TEST_DIR/src\", \"options\": [\"bind\", \"tmpcopyup\"]}"
  run sie run -b "$BUNDLE" "$ID"
  assert_failure
  assert_error_line "$ID"
  assert_output_match 'tmpcopyup'
  assert_no_leftovers "$ID"
}

@test "mounts: cgroup is read-only and shows the container's own cgroup" {
  set_cmd 'ls /sys/fs/cgroup; cat /sys/fs/cgroup/pids/cgroup.procs; cat /sys/fs/cgroup/memory/cgroup.procs;
           grep " /sys/fs/cgroup/pids " /proc/self/mountinfo; mkdir /sys/fs/cgroup/pids/sub 2>&1; true'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  assert_output_match '^memory$'
  assert_output_match '^pids$'
  [ "$(grep -cx 1 <<< "$output")" -eq 2 ] || fail "pid 1 not in its own pids and memory cgroups: $output"
  assert_output_match ' /sys/fs/cgroup/pids ro,'
  assert_output_match 'Read-only file system'
}

@test "mounts: cgroup mount without a cgroup namespace binds the container's cgroup" {
  update_config '.linux.namespaces |= map(select(.type != "cgroup"))'
  set_cmd 'cat /sys/fs/cgroup/pids/cgroup.procs; grep " /sys/fs/cgroup/pids " /proc/self/mountinfo'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  grep -qx 1 <<< "$output" || fail "pid 1 not in its cgroup: $output"
  set -- ${lines[-1]}
  [[ "$4" == */$ID ]] || fail "mount root: $4" "$output"
}

@test "mounts: rootfsPropagation private and shared" {
  set_cmd 'grep -E "^([^ ]+ ){4}/ " /proc/self/mountinfo'
  update_config '.linux.rootfsPropagation = "private"'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  [[ "$output" != *shared:* && "$output" != *master:* ]] || fail "private root: $output"
  update_config '.linux.rootfsPropagation = "shared"'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  [[ "$output" == *shared:* ]] || fail "shared root: $output"
  assert_no_leftovers "$ID"
}

@test "mounts: rootfsPropagation with an unknown value is an error" {
  update_config '.linux.rootfsPropagation = "sideways"'
  run sie run -b "$BUNDLE" "$ID"
  assert_error_line "$ID"
  assert_output_match 'sideways'
  assert_no_leftovers "$ID"
}

@test "mounts: read-only root" {
  update_config '.root.readonly = true'
  set_cmd 'touch /x 2>&1; touch /dev/shm/ok && echo shm-writable; grep -E "^([^ ]+ ){4}/ " /proc/self/mountinfo; true'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  assert_output_match 'Read-only file system'
  assert_output_match '^shm-writable$'
  has_opt "$(awk '{print $6}' <<< "${lines[-1]}")" ro
  [ ! -e "$BUNDLE/rootfs/x" ]
}

@test "mounts: default devices with the right numbers" {
  set_cmd 'for d in null zero full random urandom tty; do echo "$d $(stat -c "%F %t:%T %a" /dev/$d)"; done; echo data > /dev/null && head -c 4 /dev/zero | od -An -tx1'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  assert_output_match '^null character special file 1:3 666$'
  assert_output_match '^zero character special file 1:5 666$'
  assert_output_match '^full character special file 1:7 666$'
  assert_output_match '^random character special file 1:8 666$'
  assert_output_match '^urandom character special file 1:9 666$'
  assert_output_match '^tty character special file 5:0 666$'
  assert_output_match '^ *00 00 00 00$'
}

@test "mounts: /dev symlinks" {
  set_cmd 'for l in fd stdin stdout stderr; do echo "$l $(readlink /dev/$l)"; done'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  assert_output_equal "$(printf 'fd /proc/self/fd\nstdin /proc/self/fd/0\nstdout /proc/self/fd/1\nstderr /proc/self/fd/2')"
}

@test "mounts: linux.devices with mode and owner, in a new subdirectory" {
  update_config '.linux.devices = [
      {"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 432, "uid": 1000, "gid": 1001},
      {"path": "/dev/net/tun", "type": "c", "major": 10, "minor": 200, "fileMode": 438},
      {"path": "/dev/sieloop", "type": "b", "major": 7, "minor": 0, "fileMode": 384}]'
  set_cmd 'stat -c "%n %F %t:%T %a %u:%g" /dev/fuse /dev/net/tun /dev/sieloop'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  assert_output_equal "$(printf '%s\n' \
    '/dev/fuse character special file a:e5 660 1000:1001' \
    '/dev/net/tun character special file a:c8 666 0:0' \
    '/dev/sieloop block special file 7:0 600 0:0')"
}

@test "mounts: masked paths — files read empty, directories are empty" {
  mkdir -p "$BUNDLE/rootfs/secret-dir"
  echo secret > "$BUNDLE/rootfs/secret-dir/file"
  echo secret > "$BUNDLE/rootfs/secret-file"
  update_config '.linux.maskedPaths += ["/secret-dir", "/secret-file", "/does/not/exist"]'
  set_cmd 'wc -c < /proc/keys; ls -A /sys/firmware | wc -l; ls -A /secret-dir | wc -l; wc -c < /secret-file; cat /proc/timer_list | wc -c'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  assert_output_equal "$(printf '0\n0\n0\n0\n0')"
  [ -s "$BUNDLE/rootfs/secret-file" ]
}

@test "mounts: readonly paths" {
  mkdir -p "$BUNDLE/rootfs/rodir"
  update_config '.linux.readonlyPaths += ["/rodir", "/does/not/exist"]'
  set_cmd 'touch /rodir/x 2>&1; grep -E " /(rodir|proc/sys) " /proc/self/mountinfo; true'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  assert_output_match 'Read-only file system'
  for m in /rodir /proc/sys; do
    line=$(awk -v m="$m" '$5 == m' <<< "$output" | tail -1)
    has_opt "$(awk '{print $6}' <<< "$line")" ro
  done
  [ ! -e "$BUNDLE/rootfs/rodir/x" ]
}

@test "mounts: namespaced sysctls are set inside only" {
  host_fwd=$(cat /proc/sys/net/ipv4/ip_forward)
  update_config '.linux.sysctl = {"net.ipv4.ip_forward": "1", "kernel.shm_rmid_forced": "1"}'
  set_cmd 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shm_rmid_forced'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  assert_output_equal "$(printf '1\n1')"
  [ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$host_fwd" ]
}

@test "mounts: a non-namespaced sysctl is a clear error" {
  before=$(cat /proc/sys/kernel/panic)
  update_config '.linux.sysctl = {"kernel.panic": "7"}'
  run sie run -b "$BUNDLE" "$ID"
  assert_error_line "$ID"
  assert_output_match 'kernel\.panic'
  assert_no_leftovers "$ID"
  [ "$(cat /proc/sys/kernel/panic)" = "$before" ]
}

@test "mounts: a net sysctl without a network namespace is an error" {
  update_config '.linux.namespaces |= map(select(.type != "network")) | .linux.sysctl = {"net.ipv4.ip_forward": "1"}'
  run sie run -b "$BUNDLE" "$ID"
  assert_error_line "$ID"
  assert_output_match 'net\.ipv4\.ip_forward'
  assert_no_leftovers "$ID"
}
