/* mounts[].options -> MS_* flags, MOUNT_ATTR_* attributes, propagation,
 * superblock flags and filesystem data. */
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "runtime/mount_options.h"
#include "tests/unit/tap.h"

static struct sie_mount_opts
parse (const char *csv)
{
  struct sie_mount_opts o;
  char *copy = strdup (csv), *save = NULL;
  char *opts[64];
  size_t n = 0;
  sie_error_t err = NULL;

  for (char *t = strtok_r (copy, ",", &save); t && n < 63; t = strtok_r (NULL, ",", &save))
    opts[n++] = t;
  opts[n] = NULL;
  if (sie_mount_opts_parse (opts, "mounts[0].options", &o, &err) < 0)
    {
      printf ("# parse %s: %s\n", csv, err->msg);
      sie_error_release (&err);
      memset (&o, 0, sizeof (o));
    }
  free (copy);
  return o;
}

static void
check_flag (const char *opt, unsigned long set, unsigned long cleared)
{
  struct sie_mount_opts o = parse (opt);
  ok (o.flags == set && o.cleared == cleared && o.data == NULL,
      "%s -> flags %#lx cleared %#lx (got %#lx %#lx)", opt, set, cleared, o.flags, o.cleared);
  sie_mount_opts_free (&o);
}

static void
test_flags (void)
{
  check_flag ("ro", MS_RDONLY, 0);
  check_flag ("rw", 0, MS_RDONLY);
  check_flag ("nosuid", MS_NOSUID, 0);
  check_flag ("suid", 0, MS_NOSUID);
  check_flag ("nodev", MS_NODEV, 0);
  check_flag ("dev", 0, MS_NODEV);
  check_flag ("noexec", MS_NOEXEC, 0);
  check_flag ("exec", 0, MS_NOEXEC);
  check_flag ("noatime", MS_NOATIME, 0);
  check_flag ("atime", 0, MS_NOATIME);
  check_flag ("relatime", MS_RELATIME, 0);
  check_flag ("norelatime", 0, MS_RELATIME);
  check_flag ("strictatime", MS_STRICTATIME, 0);
  check_flag ("nostrictatime", 0, MS_STRICTATIME);
  check_flag ("nodiratime", MS_NODIRATIME, 0);
  check_flag ("diratime", 0, MS_NODIRATIME);
  check_flag ("sync", MS_SYNCHRONOUS, 0);
  check_flag ("async", 0, MS_SYNCHRONOUS);
  check_flag ("dirsync", MS_DIRSYNC, 0);
  check_flag ("mand", MS_MANDLOCK, 0);
  check_flag ("nomand", 0, MS_MANDLOCK);
  check_flag ("lazytime", MS_LAZYTIME, 0);
  check_flag ("nolazytime", 0, MS_LAZYTIME);
  check_flag ("iversion", MS_I_VERSION, 0);
  check_flag ("noiversion", 0, MS_I_VERSION);
  check_flag ("nosymfollow", MS_NOSYMFOLLOW, 0);
  check_flag ("symfollow", 0, MS_NOSYMFOLLOW);
  check_flag ("remount", MS_REMOUNT, 0);
  check_flag ("bind", MS_BIND, 0);
  check_flag ("rbind", MS_BIND | MS_REC, 0);
  check_flag ("defaults", 0, 0);
  check_flag ("ro,rw", 0, MS_RDONLY);
  check_flag ("rw,ro", MS_RDONLY, 0);
  check_flag ("noatime,strictatime", MS_STRICTATIME, 0);
  check_flag ("strictatime,noatime", MS_NOATIME, 0);
}

static void
check_attr (const char *opt, uint64_t set, uint64_t clr)
{
  struct sie_mount_opts o = parse (opt);
  uint64_t s, c;

  sie_mount_opts_attr (&o, &s, &c);
  ok (s == set && c == clr, "%s -> attr set %#llx clr %#llx (got %#llx %#llx)", opt,
      (unsigned long long) set, (unsigned long long) clr, (unsigned long long) s,
      (unsigned long long) c);
  sie_mount_opts_free (&o);
}

static void
test_attrs (void)
{
  check_attr ("ro", MOUNT_ATTR_RDONLY, 0);
  check_attr ("rw", 0, MOUNT_ATTR_RDONLY);
  check_attr ("nosuid,nodev,noexec",
              MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, 0);
  check_attr ("suid,dev,exec", 0, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
  check_attr ("noatime", MOUNT_ATTR_NOATIME, MOUNT_ATTR__ATIME);
  check_attr ("strictatime", MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME);
  check_attr ("relatime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME);
  check_attr ("atime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME);
  check_attr ("nodiratime", MOUNT_ATTR_NODIRATIME, 0);
  check_attr ("diratime", 0, MOUNT_ATTR_NODIRATIME);
  check_attr ("nosymfollow", MOUNT_ATTR_NOSYMFOLLOW, 0);
  check_attr ("symfollow", 0, MOUNT_ATTR_NOSYMFOLLOW);
  /* Superblock-only flags are not mount attributes. */
  check_attr ("sync,dirsync,lazytime,mand,bind", 0, 0);
}

static void
check_rec (const char *opt, uint64_t set, uint64_t clr)
{
  struct sie_mount_opts o = parse (opt);
  ok (o.rec_attr_set == set && o.rec_attr_clr == clr && o.flags == 0 && o.data == NULL,
      "%s -> recursive set %#llx clr %#llx (got %#llx %#llx)", opt, (unsigned long long) set,
      (unsigned long long) clr, (unsigned long long) o.rec_attr_set,
      (unsigned long long) o.rec_attr_clr);
  sie_mount_opts_free (&o);
}

static void
test_recursive (void)
{
  check_rec ("rro", MOUNT_ATTR_RDONLY, 0);
  check_rec ("rrw", 0, MOUNT_ATTR_RDONLY);
  check_rec ("rnosuid", MOUNT_ATTR_NOSUID, 0);
  check_rec ("rsuid", 0, MOUNT_ATTR_NOSUID);
  check_rec ("rnodev", MOUNT_ATTR_NODEV, 0);
  check_rec ("rdev", 0, MOUNT_ATTR_NODEV);
  check_rec ("rnoexec", MOUNT_ATTR_NOEXEC, 0);
  check_rec ("rexec", 0, MOUNT_ATTR_NOEXEC);
  check_rec ("rnodiratime", MOUNT_ATTR_NODIRATIME, 0);
  check_rec ("rdiratime", 0, MOUNT_ATTR_NODIRATIME);
  check_rec ("rnosymfollow", MOUNT_ATTR_NOSYMFOLLOW, 0);
  check_rec ("rsymfollow", 0, MOUNT_ATTR_NOSYMFOLLOW);
  check_rec ("rnoatime", MOUNT_ATTR_NOATIME, MOUNT_ATTR__ATIME);
  check_rec ("rstrictatime", MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME);
  check_rec ("rrelatime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME);
  /* mount_setattr takes the atime field whole, never a partial clear. */
  check_rec ("ratime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME);
  check_rec ("rnostrictatime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME);
  check_rec ("rnorelatime", 0, 0);
  check_rec ("rnoatime,ratime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME);
  check_rec ("rstrictatime,ratime", MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME);
  check_rec ("rro,rrw", 0, MOUNT_ATTR_RDONLY);
  check_rec ("rrw,rro", MOUNT_ATTR_RDONLY, 0);
}

static void
test_propagation (void)
{
  struct sie_mount_opts o = parse ("rbind,rslave,private,shared,rshared,slave,unbindable,"
                                   "runbindable,rprivate");
  unsigned long want[] = { MS_SLAVE | MS_REC, MS_PRIVATE,          MS_SHARED,
                           MS_SHARED | MS_REC, MS_SLAVE,           MS_UNBINDABLE,
                           MS_UNBINDABLE | MS_REC, MS_PRIVATE | MS_REC };
  bool same = o.n_propagation == 8;

  for (size_t i = 0; same && i < 8; i++)
    same = o.propagation[i] == want[i];
  ok (same, "propagation options kept in order with MS_REC for r-forms");
  ok (o.flags == (MS_BIND | MS_REC), "rbind alongside propagation");
  sie_mount_opts_free (&o);

  char *nine[] = { "shared", "shared", "shared", "shared", "shared",
                   "shared", "shared", "shared", "shared", NULL };
  sie_error_t err = NULL;
  ok (sie_mount_opts_parse (nine, "mounts[4].options", &o, &err) < 0 && err
          && strstr (err->msg, "mounts[4].options") != NULL,
      "too many propagation options is an error naming the field");
  sie_error_release (&err);

  unsigned long p;
  ok (sie_mount_propagation_parse ("rslave", &p) == 0 && p == (MS_SLAVE | MS_REC), "rslave");
  ok (sie_mount_propagation_parse ("private", &p) == 0 && p == MS_PRIVATE, "private");
  ok (sie_mount_propagation_parse (NULL, &p) == 0 && p == 0, "absent rootfsPropagation");
  ok (sie_mount_propagation_parse ("bogus", &p) < 0, "unknown rootfsPropagation");
  is_str (sie_mount_propagation_name (MS_UNBINDABLE | MS_REC), "runbindable", "name of runbindable");
}

static void
test_data (void)
{
  struct sie_mount_opts o = parse ("nosuid,size=65536k,mode=755,strictatime,nr_inodes=10,huge");
  is_str (o.data, "size=65536k,mode=755,nr_inodes=10,huge", "unknown options become data, in order");
  ok (o.flags == (MS_NOSUID | MS_STRICTATIME), "known options are not data");
  sie_mount_opts_free (&o);

  o = parse ("newinstance,ptmxmode=0666,mode=0620,gid=5,nosuid,noexec");
  is_str (o.data, "newinstance,ptmxmode=0666,mode=0620,gid=5", "devpts data");
  sie_mount_opts_free (&o);

  o = parse ("ridmap");
  ok (o.idmap && o.idmap_recursive && o.data == NULL, "ridmap");
  sie_mount_opts_free (&o);
  o = parse ("idmap");
  ok (o.idmap && !o.idmap_recursive, "idmap");
  sie_mount_opts_free (&o);
  o = parse ("rw,tmpcopyup,size=1m");
  ok (o.tmpcopyup && strcmp (o.data, "size=1m") == 0, "tmpcopyup is a flag, not tmpfs data");
  sie_mount_opts_free (&o);

  sie_error_t err = NULL;
  ok (sie_mount_opts_parse (NULL, "x", &o, &err) == 0 && o.flags == 0 && o.data == NULL,
      "no options");
}

static void
test_sb_flags (void)
{
  struct sie_mount_opts o = parse ("sync,dirsync,lazytime,mand,iversion,silent,acl");
  const char *names[8];
  size_t n = sie_mount_opts_sb_flags (&o, names, 8);

  ok (n == 4, "four superblock flags have fsconfig keys (got %zu)", n);
  if (n == 4)
    {
      is_str (names[0], "sync", "sync");
      is_str (names[1], "dirsync", "dirsync");
      is_str (names[2], "lazytime", "lazytime");
      is_str (names[3], "mand", "mand");
    }
  sie_mount_opts_free (&o);

  o = parse ("async,nolazytime,nomand");
  n = sie_mount_opts_sb_flags (&o, names, 8);
  ok (n == 3 && strcmp (names[0], "async") == 0 && strcmp (names[1], "nolazytime") == 0
          && strcmp (names[2], "nomand") == 0,
      "cleared superblock flags");
  sie_mount_opts_free (&o);
}

int
main (void)
{
  test_flags ();
  test_attrs ();
  test_recursive ();
  test_propagation ();
  test_data ();
  test_sb_flags ();
  return tap_done ();
}
