# Where a container's cgroup files are, found at run time on any layout.
#
# Load after helpers.bash.  Nothing here assumes v1 or v2: for each
# controller the hierarchy that holds it is looked up in mountinfo (a v1
# mount with the controller among its options, else the cgroup2 mount when
# its root lists the controller in cgroup.controllers), and a process's
# directory in it comes from /proc/<pid>/cgroup.  The same tests then run on
# v1, hybrid (this host: v1 controllers plus hugetlb on cgroup2) and pure v2.

# cg_v2_mount: the cgroup2 mountpoint, or nothing.
cg_v2_mount ()
{
  awk '{ for (i = 7; $i != "-"; i++) ; if ($(i + 1) == "cgroup2") { print $5; exit } }' \
    /proc/self/mountinfo
}

# cg_v1_mount CONTROLLER: the v1 mountpoint holding CONTROLLER, or nothing.
cg_v1_mount ()
{
  awk -v c="$1" '{
      for (i = 7; $i != "-"; i++) ;
      if ($(i + 1) == "cgroup" && ("," $(i + 3) ",") ~ ("," c ",")) { print $5; exit }
    }' /proc/self/mountinfo
}

# cg_v2_has CONTROLLER: the cgroup2 mount offers CONTROLLER.  "devices"
# has no interface file on v2; it is there (as eBPF) when v1 has no
# devices hierarchy and cgroup2 owns the other controllers.
cg_v2_has ()
{
  local mnt
  mnt=$(cg_v2_mount)
  [ -n "$mnt" ] || return 1
  if [ "$1" = devices ]; then
    [ -z "$(cg_v1_mount devices)" ] && [ "$(cg_layout)" = v2 ]
    return
  fi
  tr ' ' '\n' < "$mnt/cgroup.controllers" | grep -qx -- "$1"
}

# cg_layout: v1, v2 or hybrid, from what is mounted.
cg_layout ()
{
  local mnt v1
  mnt=$(cg_v2_mount)
  v1=$(awk '{ for (i = 7; $i != "-"; i++) ; if ($(i + 1) == "cgroup" && $(i + 3) !~ /(^|,)name=/) n++ }
            END { print n + 0 }' /proc/self/mountinfo)
  if [ "$v1" -eq 0 ]; then
    echo v2
  elif [ -n "$mnt" ] && [ -n "$(tr -d ' \n' < "$mnt/cgroup.controllers")" ]; then
    echo hybrid
  else
    echo v1
  fi
}

# cg_v2_name CONTROLLER: the controller's name on cgroup2 (blkio is "io",
# cpuacct's accounting is part of "cpu").
cg_v2_name ()
{
  case $1 in
    blkio) echo io ;;
    cpuacct) echo cpu ;;
    *) echo "$1" ;;
  esac
}

# cg_version CONTROLLER: "1" or "2", where the controller (named as on
# v1) lives; fails when it is mounted nowhere.  A controller on a v1 mount
# wins (the kernel will not let cgroup2 use it then anyway).
cg_version ()
{
  if [ -n "$(cg_v1_mount "$1")" ]; then
    echo 1
  elif cg_v2_has "$(cg_v2_name "$1")"; then
    echo 2
  else
    return 1
  fi
}

# cg_mount CONTROLLER: mountpoint of the hierarchy holding CONTROLLER.
cg_mount ()
{
  case $(cg_version "$1") in
    1) cg_v1_mount "$1" ;;
    2) cg_v2_mount ;;
    *) return 1 ;;
  esac
}

# cg_mount_root MOUNTPOINT: the mount's root within its hierarchy (field 4
# of mountinfo, "/" unless the mount was made inside a cgroup namespace).
cg_mount_root ()
{
  awk -v m="$1" '$5 == m { print $4; exit }' /proc/self/mountinfo
}

# cg_path PID CONTROLLER: PID's cgroup path in the controller's hierarchy,
# as /proc/PID/cgroup shows it.
cg_path ()
{
  local v
  v=$(cg_version "$2") || return 1
  awk -F: -v c="$2" -v v="$v" '
    (v == 2 && $1 == "0" && $2 == "") || (v == 1 && ("," $2 ",") ~ ("," c ",")) {
      sub(/^[^:]*:[^:]*:/, ""); print; exit
    }' "/proc/$1/cgroup"
}

# cg_dir PID CONTROLLER: the directory of PID's cgroup for CONTROLLER.
cg_dir ()
{
  local mnt root path
  mnt=$(cg_mount "$2") || return 1
  path=$(cg_path "$1" "$2") || return 1
  [ -n "$path" ] || return 1
  root=$(cg_mount_root "$mnt")
  [ "$root" = / ] || path=${path#"$root"}
  echo "$mnt${path%/}"
}

# cg_file PID CONTROLLER V1_FILE V2_FILE: the file that holds a setting
# (V1_FILE on a v1 hierarchy, V2_FILE on cgroup2).  Prints the path even
# when the kernel has no such file; callers test -e.
cg_file ()
{
  local dir
  dir=$(cg_dir "$1" "$2") || return 1
  if [ "$(cg_version "$2")" = 1 ]; then echo "$dir/$3"; else echo "$dir/$4"; fi
}

# cg_read PID CONTROLLER V1_FILE V2_FILE: the file's content.
cg_read ()
{
  local f
  f=$(cg_file "$@") || return 1
  cat "$f"
}

# cg_name CONTROLLER V1_FILE V2_FILE: the file name used on this host.
cg_name ()
{
  if [ "$(cg_version "$1")" = 1 ]; then echo "$2"; else echo "$3"; fi
}

# cg_require CONTROLLER: skip the test when the host does not mount it.
cg_require ()
{
  cg_version "$1" > /dev/null || skip "the $1 controller is not mounted on this host ($(cg_layout))"
}

# cg_shares_to_weight SHARES: runc's cpu.shares -> cpu.weight conversion.
cg_shares_to_weight ()
{
  echo $(( 1 + (($1 - 2) * 9999) / 262142 ))
}

# cg_blkio_to_io_weight W: runc's blkio weight -> io.weight conversion.
cg_blkio_to_io_weight ()
{
  echo $(( 1 + ($1 - 10) * 9999 / 990 ))
}

# cg_root_disk: "major:minor" of the whole disk holding / (its partition's
# parent), else of the first real disk in /sys/block.
cg_root_disk ()
{
  local dev d
  dev=$(stat -c '%Hd:%Ld' /)
  for d in /sys/block/*; do
    case $(readlink -f "$d") in */virtual/*) continue ;; esac
    if grep -qsx -- "$dev" "$d/dev" "$d"/*/dev; then
      cat "$d/dev"
      return 0
    fi
  done
  for d in /sys/block/*; do
    case $(readlink -f "$d") in */virtual/*) continue ;; esac
    [ -r "$d/dev" ] && { cat "$d/dev"; return 0; }
  done
  return 1
}

# ---------------------------------------------------------------- container $ID

# set_resources 'JSON object': merged into linux.resources of config.json.
set_resources () { update_config ".linux.resources += $1"; }

# ctr_file CONTROLLER V1_FILE V2_FILE [ID]: a file of the container's cgroup.
ctr_file ()
{
  local pid
  pid=$(container_pid "${4:-$ID}") || return 1
  cg_file "$pid" "$1" "$2" "$3"
}

ctr_read ()
{
  local f
  f=$(ctr_file "$@") || return 1
  cat "$f"
}

# assert_cg CONTROLLER V1_FILE V2_FILE EXPECTED: the file reads EXPECTED.
assert_cg ()
{
  local f got
  f=$(ctr_file "$1" "$2" "$3") || fail "no $1 cgroup for $ID"
  got=$(cat "$f") || fail "cannot read $f"
  [ "$got" = "$4" ] || fail "$f reads '$got', expected '$4'"
}

# ere_quote STRING: STRING as a literal extended regular expression.
ere_quote () { sed 's/[][\.*^$+?(){}|]/\\&/g' <<< "$1"; }

# assert_create_rejects FIELD [FILE]: create fails with one error line
# naming FIELD (and FILE, when given), and leaves nothing behind.
assert_create_rejects ()
{
  run create_container "$ID"
  assert_error_line "$ID"
  [ "${#lines[@]}" -eq 1 ] || fail "expected one error line, got ${#lines[@]}" "output: $output"
  assert_output_match "$(ere_quote "$1")"
  # the file as a path or word, not as the tail of the field's name
  [ -z "${2:-}" ] || assert_output_match "(^|[ /\"(])$(ere_quote "$2")"
  assert_no_leftovers "$ID"
  echo "# rejected: $output" >&3
}

# ctr_cpu_usec [ID]: CPU time the container's cgroup used, in µs
# (cpuacct.usage on v1, usage_usec of cpu.stat on v2).
ctr_cpu_usec ()
{
  local pid
  pid=$(container_pid "${1:-$ID}") || return 1
  if [ "$(cg_version cpuacct)" = 1 ]; then
    echo $(($(cat "$(cg_dir "$pid" cpuacct)/cpuacct.usage") / 1000))
  else
    awk '$1 == "usage_usec" { print $2 }' "$(cg_dir "$pid" cpu)/cpu.stat"
  fi
}

# cg_stat_field FILE KEY: the value of "KEY value" in a flat-keyed file.
cg_stat_field () { awk -v k="$2" '$1 == k { print $2; exit }' "$1"; }

# cg_hugepage_size: the smallest huge page size of this host in cgroup
# spelling ("2MB", "1GB"), or nothing.
cg_hugepage_size ()
{
  local kb
  kb=$(find /sys/kernel/mm/hugepages -mindepth 1 -maxdepth 1 -name 'hugepages-*kB' -printf '%f\n' 2> /dev/null \
         | sed 's/^hugepages-\([0-9]*\)kB$/\1/' | sort -n | head -n 1)
  [ -n "$kb" ] || return 1
  if [ "$kb" -ge 1048576 ]; then echo "$((kb / 1048576))GB"
  elif [ "$kb" -ge 1024 ]; then echo "$((kb / 1024))MB"
  else echo "${kb}KB"; fi
}

# cg_kernel_has CONTROLLER V1_FILE V2_FILE: whether a new cgroup of the
# controller gets that file on this kernel.  0 yes, 1 no, 2 cannot tell
# (on v2, where the root shows few files and no child has the controller).
cg_kernel_has ()
{
  local mnt f
  mnt=$(cg_mount "$1") || return 1
  if [ "$(cg_version "$1")" = 1 ]; then
    [ -e "$mnt/$2" ]
    return
  fi
  f=$(find "$mnt" -mindepth 2 -maxdepth 3 -name "$3" -print -quit 2> /dev/null)
  [ -n "$f" ] && return 0
  # a child where the controller is enabled but the file is missing: no
  f=$(find "$mnt" -mindepth 2 -maxdepth 3 -name cgroup.controllers \
        -exec grep -lw "$(cg_v2_name "$1")" {} + 2> /dev/null | head -n 1)
  [ -n "$f" ] && return 1
  return 2
}

# note MESSAGE: shown in bats' output (what the host gave, why a skip).
note () { echo "# $*" >&3; }
