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
