/* Layout detection from mountinfo and /proc/self/cgroup text. */
#include <stdlib.h>

#include "cgroups/layout_parse.h"
#include "tests/unit/tap.h"

/* This very host: v1 controllers, name=systemd, cgroup2 at unified. */
static const char hybrid_mountinfo[]
    = "22 1 0:21 / / rw,relatime - ext4 /dev/vda rw\n"
      "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
      "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
      "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
      "34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
      "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
      "36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices\n"
      "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime shared:9 - cgroup cgroup "
      "rw,xattr,name=systemd\n"
      "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate\n";
static const char hybrid_cgroup[] = "9:name=systemd:/\n"
                                    "5:devices:/\n"
                                    "4:memory:/process_api/2690\n"
                                    "3:cpuset:/\n"
                                    "2:cpuacct:/\n"
                                    "1:cpu:/\n"
                                    "0::/\n";

static const struct sie_cgroup_hierarchy *
find (const struct sie_cgroup_layout *l, const char *mountpoint)
{
  for (size_t i = 0; i < l->n; i++)
    if (strcmp (l->h[i].mountpoint, mountpoint) == 0)
      return &l->h[i];
  return NULL;
}

static void
test_hybrid (void)
{
  struct sie_cgroup_layout l;
  sie_error_t err = NULL;
  const struct sie_cgroup_hierarchy *h;

  ok (sie_cgroup_parse_layout (hybrid_mountinfo, hybrid_cgroup, &l, &err) == 0, "hybrid parses");
  ok (l.n == 7, "hybrid: 7 hierarchies (got %zu)", l.n);
  h = find (&l, "/sys/fs/cgroup/memory");
  ok (h && !h->v2, "memory is v1");
  is_str (h ? h->controllers : NULL, "memory", "memory controllers");
  is_str (h ? h->own_path : NULL, "/process_api/2690", "memory own path");
  h = find (&l, "/sys/fs/cgroup/systemd");
  is_str (h ? h->controllers : NULL, "name=systemd", "xattr is not a controller");
  h = find (&l, "/sys/fs/cgroup/unified");
  ok (h && h->v2 && h->controllers == NULL, "unified is v2, controllers left to the caller");
  is_str (h ? h->own_path : NULL, "/", "unified own path");

  ok (sie_cgroup_layout_mode (&l) == SIE_CGROUP_V1, "cgroup2 owning nothing: v1");
  ((struct sie_cgroup_hierarchy *) h)->controllers = strdup ("hugetlb");
  ok (sie_cgroup_layout_mode (&l) == SIE_CGROUP_HYBRID, "cgroup2 owning hugetlb: hybrid");
  is_str (sie_cgroup_mode_name (SIE_CGROUP_HYBRID), "hybrid", "mode name");
  sie_cgroup_layout_clear (&l);
  sie_error_release (&err);
}

static void
test_v2 (void)
{
  static const char mi[] = "30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 "
                           "rw,nsdelegate,memory_recursiveprot\n";
  static const char cg[] = "0::/user.slice/user-0.slice/session-1.scope\n";
  struct sie_cgroup_layout l;
  sie_error_t err = NULL;

  ok (sie_cgroup_parse_layout (mi, cg, &l, &err) == 0, "v2 parses");
  ok (l.n == 1 && l.h[0].v2, "v2: one cgroup2 hierarchy");
  is_str (l.n ? l.h[0].own_path : NULL, "/user.slice/user-0.slice/session-1.scope", "v2 own path");
  ok (sie_cgroup_layout_mode (&l) == SIE_CGROUP_V2, "v2 mode");
  sie_cgroup_layout_clear (&l);
}

static void
test_container_view (void)
{
  /* a v1 host seen from a container: mounts rooted at the container's
     cgroup, combined cpu,cpuacct, a bind mount twice, spaces escaped */
  static const char mi[]
      = "100 90 0:40 /docker/abc /sys/fs/cgroup/cpu,cpuacct ro - cgroup cgroup rw,cpu,cpuacct\n"
        "101 90 0:41 /docker/abc /sys/fs/cgroup/pids ro - cgroup cgroup rw,pids\n"
        "102 90 0:41 /docker/abc /mnt/pids\\040copy ro - cgroup cgroup rw,pids\n"
        "103 90 0:42 /elsewhere /sys/fs/cgroup/memory ro - cgroup cgroup rw,memory\n"
        "104 90 0:43 / /odd\\040place rw - cgroup cgroup rw,name=x\n";
  static const char cg[] = "5:name=x:/\n"
                           "4:memory:/docker/abc\n"
                           "3:pids:/docker/abc/sub\n"
                           "2:cpu,cpuacct:/docker/abc\n"
                           "0::/\n";
  struct sie_cgroup_layout l;
  sie_error_t err = NULL;
  const struct sie_cgroup_hierarchy *h;

  ok (sie_cgroup_parse_layout (mi, cg, &l, &err) == 0, "container view parses");
  ok (l.n == 4, "bind mount of the same hierarchy collapses (got %zu)", l.n);
  h = find (&l, "/sys/fs/cgroup/cpu,cpuacct");
  is_str (h ? h->controllers : NULL, "cpu,cpuacct", "combined controllers");
  is_str (h ? h->own_path : NULL, "/", "own cgroup is the mount root");
  h = find (&l, "/sys/fs/cgroup/pids");
  is_str (h ? h->own_path : NULL, "/sub", "own cgroup below the mount root");
  h = find (&l, "/sys/fs/cgroup/memory");
  is_str (h ? h->own_path : NULL, "/", "own cgroup outside the mount: the mount root");
  h = find (&l, "/odd place");
  is_str (h ? h->controllers : NULL, "name=x", "octal-escaped mountpoint");
  ok (sie_cgroup_layout_mode (&l) == SIE_CGROUP_V1, "no cgroup2 mount: v1");
  sie_cgroup_layout_clear (&l);
}

static void
test_errors (void)
{
  struct sie_cgroup_layout l;
  sie_error_t err = NULL;

  ok (sie_cgroup_parse_layout ("", "garbage\n", &l, &err) < 0, "malformed /proc/self/cgroup");
  ok (err && strstr (err->msg, "/proc/self/cgroup") != NULL, "error names the file: %s",
      err ? err->msg : "");
  sie_error_release (&err);
  ok (sie_cgroup_parse_layout ("1 2 3\nnot a line\n", "0::/\n", &l, &err) == 0 && l.n == 0,
      "short mountinfo lines are skipped");
  sie_cgroup_layout_clear (&l);
}

static void
test_helpers (void)
{
  char s[] = "a\\040b\\134c\\012";
  sie_cgroup_unescape_octal (s);
  is_str (s, "a b\\c\n", "octal unescape");
  ok (sie_cgroup_list_has ("cpu,cpuacct", ',', "cpuacct"), "list has");
  ok (!sie_cgroup_list_has ("cpu,cpuacct", ',', "cpuac"), "list has no prefix match");
  ok (!sie_cgroup_list_has (NULL, ',', "cpu"), "NULL list");
}

int
main (void)
{
  test_hybrid ();
  test_v2 ();
  test_container_view ();
  test_errors ();
  test_helpers ();
  return tap_done ();
}
