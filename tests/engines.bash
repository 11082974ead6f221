# Shared by podman.bats and containerd.bats: the busybox image both engines
# run (no registry is reachable), and checks that an engine's container left
# nothing of sie behind.

# make_rootfs_tar OUT: an uncompressed tarball (what `podman import` and an
# OCI layer want) of a busybox-static rootfs with every applet, passwd and
# group, and a /run holding a file, a directory owned by 5:6 and a symlink,
# so a read-only container's tmpfs copy-up has something to copy.
make_rootfs_tar ()
{
  local out=$1 dir a
  dir=$(mktemp -d "${out%/*}/rootfs.XXXXXX")
  mkdir -p "$dir"/{bin,proc,dev,sys,tmp,etc,root,var/tmp,run/sub}
  chmod 1777 "$dir/tmp" "$dir/var/tmp"
  cp /bin/busybox "$dir/bin/busybox"
  for a in $(/bin/busybox --list); do
    [ "$a" = busybox ] || ln -sf busybox "$dir/bin/$a"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' \
    > "$dir/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' > "$dir/etc/group"
  echo image-run-file > "$dir/run/sub/marker"
  chmod 0640 "$dir/run/sub/marker"
  chown 5:6 "$dir/run/sub"
  chmod 0711 "$dir/run"
  ln -s /etc/passwd "$dir/run/link"
  tar -C "$dir" -cf "$out" . || return 1
  rm -rf "$dir"
}

# make_oci_archive LAYER_TAR IMAGE_NAME OUT: a one-layer OCI image archive,
# named through the annotation `ctr image import` reads.
make_oci_archive ()
{
  local layer=$1 name=$2 out=$3 dir l ls c cs m ms
  dir=$(mktemp -d "${out%/*}/oci.XXXXXX")
  mkdir -p "$dir/blobs/sha256"
  l=$(sha256sum < "$layer" | cut -d' ' -f1)
  ls=$(stat -c %s "$layer")
  cp "$layer" "$dir/blobs/sha256/$l"
  blob ()
  {
    local d
    d=$(printf '%s' "$1" | sha256sum | cut -d' ' -f1)
    printf '%s' "$1" > "$dir/blobs/sha256/$d"
    echo "$d ${#1}"
  }
  read -r c cs < <(blob "$(jq -cn --arg l "sha256:$l" '{architecture: "amd64", os: "linux",
    config: {Cmd: ["sh"], Env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]},
    rootfs: {type: "layers", diff_ids: [$l]}}')")
  read -r m ms < <(blob "$(jq -cn --arg c "sha256:$c" --argjson cs "$cs" --arg l "sha256:$l" \
    --argjson ls "$ls" '{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $cs},
    layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar", digest: $l, size: $ls}]}')")
  jq -cn --arg m "sha256:$m" --argjson ms "$ms" --arg n "$name" '{schemaVersion: 2,
    manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $m, size: $ms,
    annotations: {"io.containerd.image.name": $n, "org.opencontainers.image.ref.name": "latest"}}]}' \
    > "$dir/index.json"
  echo '{"imageLayoutVersion":"1.0.0"}' > "$dir/oci-layout"
  tar -C "$dir" -cf "$out" oci-layout index.json blobs || return 1
  rm -rf "$dir"
}

# cgroup_dirs NAME: every cgroup directory called NAME, in any hierarchy.
cgroup_dirs () { find /sys/fs/cgroup -maxdepth 6 -type d -name "$1" 2> /dev/null; }

# assert_engine_container_gone SIE_ROOT ID [CGROUP_NAME]: sie's state dir
# for ID under SIE_ROOT and every cgroup named CGROUP_NAME (default ID) are gone.
assert_engine_container_gone ()
{
  local root=$1 id=$2 cg
  [ ! -e "$root/$id" ] || fail "sie state dir $root/$id left behind"
  cg=$(cgroup_dirs "${3:-$id}")
  [ -z "$cg" ] || fail "cgroup left behind: $cg"
}

# http_get PORT [HOST]: a bounded HTTP/1.0 GET / with bash's /dev/tcp (the
# static busybox wget crashes in name lookups, and curl is not needed).
http_get ()
{
  timeout 5 bash -c 'exec 3<> "/dev/tcp/$2/$1" && printf "GET / HTTP/1.0\r\n\r\n" >&3 && cat <&3' \
    _ "$1" "${2:-127.0.0.1}"
}

# in_tty 'command': runs it under script(1), so it gets a terminal of
# 33 rows and 101 columns; stdin is the session's input.
in_tty ()
{
  timeout -k 5 60 script -qec "stty rows 33 cols 101; $1" /dev/null
}

# ---------------------------------------------------------------- podman

# podman_setup BRIDGE A.B.C: an isolated podman (its own storage, run root,
# networks, locks and events file under $PM_DIR, through CONTAINERS_CONF and
# CONTAINERS_STORAGE_CONF) with sie as its runtime, a default network on
# its own bridge and subnet A.B.C.0/24, and $IMAGE imported.
podman_setup ()
{
  mkdir -p "$SIE_TEST_BASE"
  PM_DIR=$(mktemp -d "$SIE_TEST_BASE/podman.XXXXXX")
  chmod 0755 "$PM_DIR"
  mkdir -p "$PM_DIR"/{tmp,xdg,networks}
  # Processes here cannot raise rlimits (no CAP_SYS_RESOURCE), so podman's
  # default nofile and nproc (1048576) would fail under any runtime.
  cat > "$PM_DIR/containers.conf" << EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$PM_DIR/events.log"
lock_type = "file"
tmp_dir = "$PM_DIR/tmp"
image_copy_tmp_dir = "$PM_DIR/tmp"
volume_path = "$PM_DIR/volumes"
runtime = "sie"
runtime_supports_json = ["sie"]
[engine.runtimes]
sie = ["$SIE"]
[network]
network_backend = "netavark"
network_config_dir = "$PM_DIR/networks"
default_network = "sietest"
EOF
  cat > "$PM_DIR/storage.conf" << EOF
[storage]
driver = "overlay"
graphroot = "$PM_DIR/storage"
runroot = "$PM_DIR/run"
EOF
  # podman's cgroupfs manager parents everything under /libpod_parent.
  [ -n "$(cgroup_dirs libpod_parent)" ] && PM_HAD_PARENT=1 || PM_HAD_PARENT=0
  export PM_DIR PM_HAD_PARENT CONTAINERS_CONF=$PM_DIR/containers.conf
  export CONTAINERS_STORAGE_CONF=$PM_DIR/storage.conf CONTAINERS_REGISTRIES_CONF=/dev/null
  export XDG_RUNTIME_DIR=$PM_DIR/xdg XDG_CONFIG_HOME=$PM_DIR/xdg XDG_DATA_HOME=$PM_DIR/xdg
  # The default network has its own bridge: podman's built-in one, and
  # `podman network create` in podman 4.3, would pick podman0, podman1 ...,
  # which another podman on the host may be using.
  write_network sietest "$1" "$2"
  make_rootfs_tar "$PM_DIR/rootfs.tar"
  pm import -q "$PM_DIR/rootfs.tar" "$IMAGE" > /dev/null
}

podman_teardown ()
{
  [ -n "${PM_DIR:-}" ] || return 0
  pm rm -af -t 0 > /dev/null 2>&1
  pm network rm -f sietest > /dev/null 2>&1
  pm network prune -f > /dev/null 2>&1
  pm rmi -af > /dev/null 2>&1
  rm -rf "$PM_DIR"
  if [ "$PM_HAD_PARENT" = 0 ]; then
    cgroup_dirs libpod_parent | while read -r d; do
      rmdir "$d/conmon" "$d" 2> /dev/null
    done
  fi
  return 0
}

pm () { timeout -k 5 "$SIE_CMD_TIMEOUT" podman "$@"; }

# write_network NAME BRIDGE A.B.C: a netavark bridge network A.B.C.0/24.
write_network ()
{
  jq -n --arg name "$1" --arg br "$2" --arg net "$3" --arg id "$(printf '%s' "$1" | sha256sum | cut -d' ' -f1)" \
    --arg now "$(date -u +%Y-%m-%dT%H:%M:%SZ)" '{name: $name, id: $id, driver: "bridge",
      network_interface: $br, created: $now,
      subnets: [{subnet: ($net + ".0/24"), gateway: ($net + ".1")}],
      ipv6_enabled: false, internal: false, dns_enabled: false, ipam_options: {driver: "host-local"}}' \
    > "$PM_DIR/networks/$1.json"
}


# After each podman test: every container podman created or restored during
# it (from its events file) must be gone after `podman rm`, with its sie
# state and its cgroups.  A --rm container may still be in the hands of the
# `podman container cleanup` that conmon started, hence the grace.
podman_teardown_test ()
{
  local id problems=()
  pm rm -af -t 0 > /dev/null 2>&1
  for id in $(tail -n +"$EVENTS_FROM" "$PM_DIR/events.log" \
    | jq -r 'select(.Type == "container" and (.Status == "create" or .Status == "restore")) | .ID' | sort -u); do
    wait_until "[ ! -e /run/sie/$id ]" 50 2> /dev/null \
      || problems+=("sie state dir /run/sie/$id left behind: $("$SIE" state "$id" 2>&1 | jq -c '{status, pid}' 2>&1)")
    [ -z "$(cgroup_dirs "libpod-$id")" ] || problems+=("cgroup libpod-$id left behind")
  done
  if [ ${#problems[@]} -gt 0 ]; then
    printf '# teardown: %s\n' "${problems[@]}" >&2
    return 1
  fi
}

# run_bg ARGS...: `podman run -d --name $NAME ARGS`; $CID is the full id.
run_bg ()
{
  CID=$(pm run -d --name "$NAME" "$@") || fail "podman run -d failed: $CID"
}

