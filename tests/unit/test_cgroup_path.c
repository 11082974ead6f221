/* cgroupsPath resolution: runc's cgroupfs rules, and no way out of the
 * hierarchy. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "cgroups/cgroup_internal.h"
#include "cgroups/layout_parse.h"
#include "tests/unit/tap.h"

static void
check_clean (const char *in, const char *want)
{
  char *got = sie_cgroup_clean_path (in);
  is_str (got, want, "clean \"%s\"", in);
  free (got);
}

static void
check_resolve (const char *path, const char *own, const char *want)
{
  sie_error_t err = NULL;
  char *got = NULL;
  int r = sie_cgroup_resolve_path (path, "c1", own, &got, &err);
  ok (r == 0, "resolve %s under %s succeeds", path ? path : "(absent)", own);
  is_str (got, want, "resolve %s under %s", path ? path : "(absent)", own);
  free (got);
  sie_error_release (&err);
}

/* runc's conversions, and the kernel's device rule syntax */
static void
test_conversions (void)
{
  char rule[80];
  sie_error_t err = NULL;
  struct sie_device_cgroup any = { .allow = false };
  struct sie_device_cgroup pts = { .allow = true, .type = 'c', .major = { true, 136 }, .access = "rw" };
  struct sie_device_cgroup bad = { .allow = true, .type = 'c', .access = "rwq" };

  ok (sie_cg_shares_to_weight (0) == 0, "shares 0: unset");
  ok (sie_cg_shares_to_weight (2) == 1, "shares 2 -> weight 1");
  ok (sie_cg_shares_to_weight (1024) == 39, "shares 1024 -> weight 39 (got %llu)",
      (unsigned long long) sie_cg_shares_to_weight (1024));
  ok (sie_cg_shares_to_weight (262144) == 10000, "shares 262144 -> weight 10000");
  ok (sie_cg_blkio_to_io_weight (10) == 1, "blkio 10 -> io 1");
  ok (sie_cg_blkio_to_io_weight (500) == 4950, "blkio 500 -> io 4950 (got %llu)",
      (unsigned long long) sie_cg_blkio_to_io_weight (500));
  ok (sie_cg_blkio_to_io_weight (1000) == 10000, "blkio 1000 -> io 10000");

  ok (sie_cg_device_rule_string (&any, 0, rule, sizeof (rule), &err) == 0, "deny-all formats");
  is_str (rule, "a *:* rwm", "deny-all rule");
  ok (sie_cg_device_rule_string (&pts, 1, rule, sizeof (rule), &err) == 0, "pts formats");
  is_str (rule, "c 136:* rw", "wildcard minor");
  ok (sie_cg_device_rule_string (&bad, 2, rule, sizeof (rule), &err) < 0, "bad access refused");
  is_str (err ? err->msg : NULL,
          "linux.resources.devices[2].access: \"rwq\" is not a subset of rwm", "bad access error");
  sie_error_release (&err);
}

/* The state file keeps paths with spaces, newlines and backslashes. */
static void
test_state_roundtrip (void)
{
  char tmpl[] = "/tmp/sie-cgstate-XXXXXX";
  struct sie_cgroup_dir dirs[] = {
    { "/sys/fs/cgroup/memory", "/sys/fs/cgroup/memory/a b/c\nd\\e", false, true, 2 },
    { "/sys/fs/cgroup/un ified", "/sys/fs/cgroup/un ified/x", true, false, 0 },
  };
  struct sie_cgroup cg = { "a b/c\nd\\e", dirs, 2 };
  struct sie_cgroup *back = NULL;
  sie_error_t err = NULL;
  int dfd;

  ok (mkdtemp (tmpl) != NULL, "temporary state dir");
  dfd = open (tmpl, O_RDONLY | O_DIRECTORY);
  ok (sie_cgroup_save (&cg, dfd, "cgroup", &err) == 0, "save");
  ok (sie_cgroup_load (dfd, "cgroup", &back, &err) == 0 && back, "load");
  if (back)
    {
      is_str (back->cgroups_path, cg.cgroups_path, "cgroups_path survives");
      ok (back->n_dirs == 2, "two dirs");
      for (size_t i = 0; i < 2 && i < back->n_dirs; i++)
        {
          is_str (back->dirs[i].hierarchy, dirs[i].hierarchy, "hierarchy %zu", i);
          is_str (back->dirs[i].path, dirs[i].path, "path %zu", i);
          ok (back->dirs[i].v2 == dirs[i].v2 && back->dirs[i].created == dirs[i].created
                  && back->dirs[i].created_levels == dirs[i].created_levels,
              "flags %zu", i);
        }
    }
  sie_cgroup_free (back);
  ok (sie_cgroup_load (dfd, "missing", &back, &err) < 0, "loading a missing file fails");
  sie_error_release (&err);
  unlinkat (dfd, "cgroup", 0);
  close (dfd);
  rmdir (tmpl);
}

int
main (void)
{
  test_conversions ();
  test_state_roundtrip ();
  check_clean ("", "/");
  check_clean ("/", "/");
  check_clean ("a/b", "/a/b");
  check_clean ("/a//b/", "/a/b");
  check_clean ("/a/./b/.", "/a/b");
  check_clean ("/a/../b", "/b");
  check_clean ("../../etc", "/etc");
  check_clean ("/..", "/");
  check_clean ("/a/b/../../../..", "/");
  check_clean ("/a b/c", "/a b/c");
  check_clean ("...", "/...");
  check_clean ("/a/..b", "/a/..b");

  /* absent: <own>/<id>, as runc */
  check_resolve (NULL, "/", "/c1");
  check_resolve ("", "/process_api/abc", "/process_api/abc/c1");
  /* absolute: from the hierarchy root, whatever the own cgroup */
  check_resolve ("/foo/bar", "/process_api/abc", "/foo/bar");
  check_resolve ("/foo/../../bar", "/x", "/bar");
  check_resolve ("/", "/x", "/");
  /* relative: under the own cgroup, and ".." cannot climb above it */
  check_resolve ("foo/bar", "/process_api/abc", "/process_api/abc/foo/bar");
  check_resolve ("../../foo", "/own", "/own/foo");
  check_resolve ("foo", "/", "/foo");
  check_resolve ("a:b", "/", "/a:b");
  check_resolve ("/a:b:c", "/", "/a:b:c");

  /* systemd-style */
  ok (sie_cgroup_is_systemd_path ("system.slice:sie:c1"), "slice:prefix:name is systemd style");
  ok (!sie_cgroup_is_systemd_path ("/system.slice:sie:c1"), "with a slash it is a path");
  ok (!sie_cgroup_is_systemd_path ("a:b"), "one colon is a name");
  ok (!sie_cgroup_is_systemd_path ("a:b:c:d"), "three colons is a name");
  {
    sie_error_t err = NULL;
    char *got = NULL;
    int r = sie_cgroup_resolve_path ("x:y:z", "c1", "/", &got, &err);
    ok (r < 0 && got == NULL, "systemd path is rejected");
    is_str (err ? err->msg : NULL,
            "linux.cgroupsPath: \"x:y:z\" is a systemd cgroup path; sie has no systemd driver",
            "systemd path error message");
    sie_error_release (&err);
  }
  return tap_done ();
}
