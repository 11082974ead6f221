/* relocate/spool.c under a real root in /tmp: the sweep at the daemon's
 * start removes what dead handlers left and nothing a living one holds,
 * tells them apart by locks rather than by pids (a pid is reused), and
 * keeps every bundle some container or some relocation still has. */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "relocate/internal.h"
#include "runtime/statedir.h"
#include "tests/unit/tap.h"

static char root[] = "/tmp/sie-spool-XXXXXX";

static const char *
at (const char *fmt, ...)
{
  static char bufs[4][512];
  static int next;
  char *b = bufs[next++ % 4], rel[256];
  va_list ap;

  va_start (ap, fmt);
  vsnprintf (rel, sizeof rel, fmt, ap);
  va_end (ap);
  snprintf (b, sizeof (bufs[0]), "%s/%s", root, rel);
  return b;
}

static bool
exists (const char *path)
{
  return access (path, F_OK) == 0;
}

static void
make_dir (const char *path)
{
  if (mkdir (path, 0700) < 0 && errno != EEXIST)
    abort ();
}

static void
touch (const char *path)
{
  int fd = open (path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    abort ();
  close (fd);
}

/* A pid no process has: a child's, after it was reaped. */
static pid_t
dead_pid (void)
{
  pid_t pid = fork ();
  if (pid == 0)
    _exit (0);
  waitpid (pid, NULL, 0);
  return pid;
}

static void
test_spools (void)
{
  struct sie_spool live = { .dirfd = -1, .lockfd = -1 };
  sie_error_t err = NULL;
  pid_t gone = dead_pid ();

  ok (sie_spool_make (root, &live, &err) == 0, "a handler makes its spool");
  ok (exists (at (".relocate/%d/lock", getpid ())), "with its lock in it");
  /* pid 1 lives: only the lock can say this spool is abandoned */
  make_dir (at (".relocate/1"));
  touch (at (".relocate/1/lock"));
  touch (at (".relocate/1/pages-1.img"));
  /* no lock yet: in the making while its pid lives, gone once it died */
  make_dir (at (".relocate/%d", getppid ()));
  make_dir (at (".relocate/%d", gone));
  sie_spool_sweep (root);
  ok (exists (live.dir), "the sweep keeps a spool whose lock is held");
  ok (!exists (at (".relocate/1")), "and removes one whose lock is free, though its pid lives");
  ok (exists (at (".relocate/%d", getppid ())), "keeps a lockless one whose pid lives");
  ok (!exists (at (".relocate/%d", gone)), "removes a lockless one whose pid is gone");
  rmdir (at (".relocate/%d", getppid ()));
  sie_spool_remove (&live);
  ok (!exists (at (".relocate/%d", getpid ())), "the handler removes its spool at the end");
  sie_error_release (&err);
}

static void
test_id_locks (void)
{
  sie_error_t err = NULL;
  int fd = sie_spool_lock_id (root, "c1", &err), again;

  ok (fd >= 0, "the ID lock is taken");
  again = sie_spool_lock_id (root, "c1", &err);
  ok (again < 0 && err && strstr (err->msg, "already in progress"), "a second relocation of the ID is refused");
  sie_error_release (&err);
  ok (sie_spool_lock_id (root, "../x", &err) < 0, "an ID that is no ID is refused");
  sie_error_release (&err);
  touch (at (".relocate/c2.lock"));
  sie_spool_sweep (root);
  ok (exists (at (".relocate/c1.lock")), "the sweep keeps a held ID lock");
  ok (!exists (at (".relocate/c2.lock")), "and removes one nobody holds");
  sie_spool_unlock_id (root, "c1", fd);
  ok (!exists (at (".relocate/c1.lock")), "letting go unlinks the lock file");
  fd = sie_spool_lock_id (root, "c1", &err);
  ok (fd >= 0, "the ID can be taken again");
  sie_spool_unlock_id (root, "c1", fd);
  /* the restored init's output as earlier versions kept it */
  touch (at (".relocate/c3.out"));
  touch (at (".relocate/c4.out"));
  make_dir (at ("c4"));
  sie_spool_sweep (root);
  ok (!exists (at (".relocate/c3.out")), "the sweep removes an output no container has");
  ok (exists (at (".relocate/c4.out")), "and keeps one a container still writes");
  unlink (at (".relocate/c4.out"));
  rmdir (at ("c4"));
}

static void
test_bundles (void)
{
  struct sie_spool s = { .dirfd = -1, .lockfd = -1 };
  sie_error_t err = NULL;
  char *path = NULL;
  int lock;

  make_dir (at (".bundles"));
  make_dir (at (".bundles/orphan"));
  touch (at (".bundles/orphan/config.json"));
  make_dir (at (".bundles/running"));
  make_dir (at ("running"));
  make_dir (at (".bundles/moving"));
  lock = sie_spool_lock_id (root, "moving", &err);
  sie_spool_sweep (root);
  ok (!exists (at (".bundles/orphan")), "the sweep removes a bundle no container uses");
  ok (exists (at (".bundles/running")), "keeps the bundle of a container");
  ok (exists (at (".bundles/moving")), "and the bundle of a relocation in progress");
  sie_spool_unlock_id (root, "moving", lock);
  ok (!exists (at (".relocate/orphan.lock")), "leaving no ID lock behind");

  ok (sie_spool_make (root, &s, &err) == 0, "a spool for the bundle");
  make_dir (at (".relocate/%d/bundle", getpid ()));
  touch (at (".relocate/%d/bundle/config.json", getpid ()));
  ok (sie_reloc_bundle_place (root, s.dirfd, "running", &path, &err) < 0 && err,
      "no bundle replaces the one of a container with the ID");
  sie_error_release (&err);
  ok (exists (at (".relocate/%d/bundle/config.json", getpid ())), "which stays in the spool");
  ok (sie_reloc_bundle_place (root, s.dirfd, "moving", &path, &err) == 0, "a stale bundle is replaced");
  is_str (path, at (".bundles/moving"), "the bundle's new place");
  ok (exists (at (".bundles/moving/config.json")), "holds config.json");
  sie_reloc_bundle_remove (root, "running");
  ok (exists (at (".bundles/running")), "remove keeps the bundle of an existing container");
  sie_reloc_bundle_remove (root, "moving");
  ok (!exists (at (".bundles/moving")), "and removes one no container has");
  free (path);
  sie_spool_remove (&s);
  sie_error_release (&err);
  rmdir (at (".bundles/running"));
  rmdir (at ("running"));
}

int
main (void)
{
  char cmd[600];

  if (mkdtemp (root) == NULL)
    return 1;
  test_spools ();
  test_id_locks ();
  test_bundles ();
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", root);
  if (system (cmd) != 0)
    return 1;
  return tap_done ();
}
