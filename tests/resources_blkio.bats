#!/usr/bin/env bats
# linux.resources.blockIO given at create, on a real disk of this host:
# weights (blkio.weight / blkio.bfq.weight on v1, io.weight converted or
# io.bfq.weight on v2) and throttles (blkio.throttle.* on v1, io.max on v2).

load helpers
load cgroup_layout

setup ()
{
  sie_setup
  cg_require blkio
  DISK=$(cg_root_disk) || skip "no real block device in /sys/block"
  MAJ=${DISK%:*} MIN=${DISK#*:}
}

# disk_scheduler: the active I/O scheduler of $DISK ("none", "bfq", ...).
disk_scheduler ()
{
  local d
  d=$(dirname "$(grep -lx "$DISK" /sys/block/*/dev | head -n 1)")
  sed -n 's/.*\[\(.*\)\].*/\1/p' "$d/queue/scheduler" 2> /dev/null
}

# weight_file DIR: the file blkio weights live in within cgroup DIR (CFQ's
# blkio.weight, else BFQ's; v2's io.bfq.weight, else io.weight), or nothing.
weight_file ()
{
  local f
  for f in $(cg_name blkio "blkio.weight blkio.bfq.weight" "io.bfq.weight io.weight"); do
    [ -e "$1/$f" ] && { echo "$f"; return; }
  done
}

@test "blkio: weight — read back (v1 blkio[.bfq].weight, v2 io.weight converted), or a clear error" {
  set_resources '{"blockIO": {"weight": 500}}'
  set_args sleep 100
  run create_container "$ID"
  if [ "$status" -ne 0 ]; then
    note "blkio weight refused here: $output"
    assert_error_line "$ID"
    [ "${#lines[@]}" -eq 1 ] || fail "expected one error line" "output: $output"
    assert_output_match 'linux\.resources\.blockIO\.weight: .*(blkio|io)\.(bfq\.)?weight'
    assert_no_leftovers "$ID"
    if [ "$(cg_version blkio)" = 1 ]; then
      # a throw-away sibling shows what a new cgroup offers: no weight file
      probe=$(cg_dir $$ blkio)/$ID-probe
      mkdir "$probe"
      file=$(weight_file "$probe")
      rmdir "$probe"
      [ -z "$file" ] || fail "a new cgroup here has $file, yet the weight was refused"
    fi
    return
  fi
  dir=$(dirname "$(ctr_file blkio x x)")
  file=$(weight_file "$dir")
  [ -n "$file" ] || fail "create succeeded but $dir has no weight file"
  note "weights go to $file (disk $DISK uses the $(disk_scheduler) scheduler)"
  case $file in
    io.weight) want=$(cg_blkio_to_io_weight 500) ;;
    *) want=500 ;;
  esac
  got=$(cat "$dir/$file")
  [ "$got" = "$want" ] || [ "$got" = "default $want" ] || fail "$dir/$file reads '$got', expected '$want'"
}

@test "blkio: weightDevice — read back on the root disk, or the error the disk's scheduler gives" {
  set_resources "{\"blockIO\": {\"weightDevice\": [{\"major\": $MAJ, \"minor\": $MIN, \"weight\": 300}]}}"
  set_args sleep 100
  run create_container "$ID"
  if [ "$status" -ne 0 ]; then
    note "disk $DISK ($(disk_scheduler) scheduler) takes no per-device weight: $output"
    assert_error_line "$ID"
    [ "${#lines[@]}" -eq 1 ] || fail "expected one error line" "output: $output"
    assert_output_match 'linux\.resources\.blockIO\.weightDevice: /sys/fs/cgroup/.*weight_device|io\.(bfq\.)?weight'
    assert_no_leftovers "$ID"
    # only a disk without a weight-aware scheduler may refuse it
    case $(disk_scheduler) in bfq | cfq) fail "the $(disk_scheduler) scheduler should take it" ;; esac
    return
  fi
  note "disk $DISK ($(disk_scheduler) scheduler) took a per-device weight"
  dir=$(dirname "$(ctr_file blkio x x)")
  grep -rqsx "$DISK [0-9]*" "$dir"/*weight_device "$dir"/io.*weight || fail "no '$DISK weight' line in $dir"
}

@test "blkio: throttles — read back, and a direct read is held to its bps limit" {
  # a 2 MiB file on the disk itself, read with O_DIRECT so no cache helps
  data=
  for d in /tmp /var/tmp; do
    [ "$(stat -c '%Hd' "$d")" = "$MAJ" ] && { data=$d/$(host_name blkio); break; }
  done
  [ -n "$data" ] || skip "neither /tmp nor /var/tmp is on disk $DISK"
  on_teardown "rm -f '$data'"
  dd if=/dev/urandom of="$data" bs=1M count=2 conv=fsync status=none
  add_mount "{\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"$data\", \"options\": [\"bind\", \"ro\"]}"
  set_resources "{\"blockIO\": {
      \"throttleReadBpsDevice\": [{\"major\": $MAJ, \"minor\": $MIN, \"rate\": 1048576}],
      \"throttleWriteBpsDevice\": [{\"major\": $MAJ, \"minor\": $MIN, \"rate\": 2097152}],
      \"throttleReadIOPSDevice\": [{\"major\": $MAJ, \"minor\": $MIN, \"rate\": 1000}],
      \"throttleWriteIOPSDevice\": [{\"major\": $MAJ, \"minor\": $MIN, \"rate\": 2000}]}}"
  set_cmd 's=$(cut -d" " -f1 /proc/uptime); dd if=/data of=/dev/null bs=256k iflag=direct 2> /dd.err;
           echo $? $s $(cut -d" " -f1 /proc/uptime) > /took; exec sleep 100'
  run_detached "$ID"
  if [ "$(cg_version blkio)" = 1 ]; then
    assert_cg blkio blkio.throttle.read_bps_device - "$DISK 1048576"
    assert_cg blkio blkio.throttle.write_bps_device - "$DISK 2097152"
    assert_cg blkio blkio.throttle.read_iops_device - "$DISK 1000"
    assert_cg blkio blkio.throttle.write_iops_device - "$DISK 2000"
  else
    assert_cg blkio - io.max "$DISK rbps=1048576 wbps=2097152 riops=1000 wiops=2000"
  fi
  wait_for_file "$BUNDLE/rootfs/took" 100
  read -r rc start end < "$BUNDLE/rootfs/took"
  [ "$rc" = 0 ] || fail "dd failed: $(cat "$BUNDLE/rootfs/dd.err")"
  took=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%d", (e - s) * 1000 }')
  stat=$(ctr_file blkio blkio.throttle.io_service_bytes io.stat)
  if [ "$(cg_version blkio)" = 1 ]; then
    bytes=$(awk -v d="$DISK" '$1 == d && $2 == "Read" { print $3 }' "$stat")
  else
    bytes=$(awk -v d="$DISK" '$1 == d { for (i = 2; i <= NF; i++) if ($i ~ /^rbytes=/) print substr($i, 8) }' "$stat")
  fi
  note "2 MiB read directly at a 1 MiB/s limit took $took ms; the cgroup read ${bytes:-0} bytes from $DISK"
  [ "${bytes:-0}" -ge 2097152 ] || fail "the read did not reach the disk: $(cat "$stat")"
  [ "$took" -ge 1200 ] || fail "the read took $took ms: not throttled to 1 MiB/s"
}

@test "blkio: a throttle on a device the host does not have fails naming the field and file" {
  set_resources '{"blockIO": {"throttleReadBpsDevice": [{"major": 4095, "minor": 4095, "rate": 1000}]}}'
  assert_create_rejects linux.resources.blockIO.throttleReadBpsDevice \
    "$(cg_name blkio blkio.throttle.read_bps_device io.max)"
}
