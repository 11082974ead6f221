# shellcheck shell=bash
# Shared helpers for the sie benchmarks.  Source it from bash:
#   . "$(dirname "$0")/common.sh"
# Numbers are kept as integer microseconds until they are printed, so the
# statistics never depend on the locale's decimal separator.

BENCH_BUSYBOX=${BENCH_BUSYBOX:-/bin/busybox}

bench_die ()
{
  echo "bench: $*" >&2
  exit 1
}

bench_require_root ()
{
  [ "$(id -u)" = 0 ] || bench_die "must run as root (containers need CAP_SYS_ADMIN); try: sudo $0"
}

# bench_make_rootfs DIR: a busybox-static rootfs with one symlink per applet
# (what `busybox --install -s` makes) and the usual empty mount points.
bench_make_rootfs ()
{
  local rootfs=$1 applet
  LC_ALL=C ldd "$BENCH_BUSYBOX" 2>&1 | grep -q 'not a dynamic executable' \
    || bench_die "$BENCH_BUSYBOX is not a static busybox (Debian package 'busybox-static')"
  mkdir -p "$rootfs"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,etc,root} || return
  cp "$BENCH_BUSYBOX" "$rootfs/bin/busybox" || return
  for applet in $("$BENCH_BUSYBOX" --list-full); do
    [ -e "$rootfs/$applet" ] || ln -s /bin/busybox "$rootfs/$applet" || return
  done
  echo 'root:x:0:0:root:/root:/bin/sh' >"$rootfs/etc/passwd"
  echo 'root:x:0:' >"$rootfs/etc/group"
}

# bench_json_strv ARG...: a JSON array of strings (escapes \ and ").
bench_json_strv ()
{
  local out='' sep='' a
  for a in "$@"; do
    a=${a//\\/\\\\}
    a=${a//\"/\\\"}
    out+="$sep\"$a\""
    sep=', '
  done
  printf '[%s]' "$out"
}

# bench_write_config BUNDLE ARG...: the smallest config both runc and sie
# accept for a start comparable to the floor's: pid, mount, ipc, uts and net
# namespaces, /proc the only mount, no terminal, no cgroupsPath.
bench_write_config ()
{
  local bundle=$1
  shift
  cat >"$bundle/config.json" <<EOF
{
  "ociVersion": "1.0.2",
  "process": {
    "terminal": false,
    "user": { "uid": 0, "gid": 0 },
    "args": $(bench_json_strv "$@"),
    "env": [ "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root" ],
    "cwd": "/"
  },
  "root": { "path": "rootfs", "readonly": false },
  "hostname": "bench",
  "mounts": [
    { "destination": "/proc", "type": "proc", "source": "proc",
      "options": [ "nosuid", "noexec", "nodev" ] }
  ],
  "linux": {
    "namespaces": [
      { "type": "pid" },
      { "type": "mount" },
      { "type": "ipc" },
      { "type": "uts" },
      { "type": "network" }
    ]
  }
}
EOF
}

# bench_make_bundle BUNDLE [ARG...]: rootfs plus config.json; args default
# to /bin/true.
bench_make_bundle ()
{
  local bundle=$1
  shift
  [ $# -gt 0 ] || set -- /bin/true
  mkdir -p "$bundle" && bench_make_rootfs "$bundle/rootfs" && bench_write_config "$bundle" "$@"
}

# bench_now_us VAR: sets VAR to the wall clock in microseconds (bash 5
# EPOCHREALTIME; no fork, so it can sit inside a timed region).
bench_now_us ()
{
  printf -v "$1" '%s' "${EPOCHREALTIME/[.,]/}"
}

# bench_percentile P [FILE]: nearest-rank P-th percentile of the integers in
# FILE (or stdin), one per line.
bench_percentile ()
{
  local p=$1
  shift
  sort -n "$@" | awk -v p="$p" '
    { v[NR] = $1 }
    END {
      if (NR == 0) exit 1
      r = int (p / 100 * NR); if (r < p / 100 * NR) r++
      if (r < 1) r = 1
      print v[r]
    }'
}

# bench_median [FILE]: median of the integers in FILE (or stdin); the mean of
# the two middle values when their count is even, rounded down.
bench_median ()
{
  sort -n "$@" | awk '
    { v[NR] = $1 }
    END {
      if (NR == 0) exit 1
      if (NR % 2) print v[(NR + 1) / 2]
      else print int ((v[NR / 2] + v[NR / 2 + 1]) / 2)
    }'
}

# bench_max [FILE]: the largest integer in FILE (or stdin).
bench_max ()
{
  sort -n "$@" | tail -n 1
}

# bench_us_to_ms US: "1.234" from 1234.
bench_us_to_ms ()
{
  awk -v us="$1" 'BEGIN { printf "%.3f\n", us / 1000 }'
}

# bench_ratio A B: A/B with three decimals, "n/a" when either is missing.
bench_ratio ()
{
  awk -v a="$1" -v b="$2" 'BEGIN {
    if (a == "" || b == "" || a == "n/a" || b == "n/a" || b + 0 == 0) print "n/a"
    else printf "%.3f\n", a / b }'
}

# bench_build_rusage DIR: prints the path of the bench/rusage.c helper
# (`rusage OUT CMD...` appends "ELAPSED_US MAXRSS_KIB" for one run of CMD to
# OUT), compiling it into DIR unless the build tree already has one.
bench_build_rusage ()
{
  local dir=$1 repo
  repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd) || return
  if [ -x "$repo/build/bench/rusage" ]; then
    echo "$repo/build/bench/rusage"
    return
  fi
  ${CC:-cc} -O2 -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror \
    -o "$dir/rusage" "$repo/bench/rusage.c" >&2 \
    || bench_die "cannot compile bench/rusage.c (is a C compiler installed?)"
  echo "$dir/rusage"
}

# bench_install_memhog ROOTFS: puts the static memory filler (bench/memhog.c:
# `memhog MIB [GAPFILE]`) at ROOTFS/bin/memhog, from the build tree when
# `make` built it there, else compiled now.
bench_install_memhog ()
{
  local rootfs=$1 repo
  repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd) || return
  if [ -x "$repo/build/bench/memhog" ] && [ "$repo/build/bench/memhog" -nt "$repo/bench/memhog.c" ]; then
    cp "$repo/build/bench/memhog" "$rootfs/bin/memhog"
    return
  fi
  ${CC:-cc} -O2 -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -static \
    -o "$rootfs/bin/memhog" "$repo/bench/memhog.c" >&2 \
    || bench_die "cannot compile bench/memhog.c (needs cc and a static libc: Debian package 'libc6-dev')"
}

# bench_column K [FILE]: the K-th whitespace-separated column of FILE.
bench_column ()
{
  local k=$1
  shift
  awk -v k="$k" '{ print $k }' "$@"
}

# bench_delete_all RUNTIME ROOT: force-deletes every container under ROOT
# (runc and sie share `list -q` and `delete --force`).
bench_delete_all ()
{
  local runtime=$1 root=$2 id
  [ -d "$root" ] || return 0
  for id in $("$runtime" --root "$root" list -q 2>/dev/null); do
    "$runtime" --root "$root" delete --force "$id" >/dev/null 2>&1
  done
  # A state dir the runtime could not list still names a container.
  for id in "$root"/*; do
    [ -d "$id" ] && "$runtime" --root "$root" delete --force "${id##*/}" >/dev/null 2>&1
  done
  return 0
}

# bench_unmount_under DIR: lazily unmounts anything still mounted below DIR
# (left by a runtime killed mid-setup), deepest first.
bench_unmount_under ()
{
  local dir=$1 m
  awk -v d="$dir" '$5 == d || index ($5, d "/") == 1 { print $5 }' /proc/self/mountinfo \
    | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
  return 0
}
