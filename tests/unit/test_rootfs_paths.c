/* sie_open_in_root / sie_mkdir_in_root / mount targets against a real
 * directory tree with hostile symlinks: whatever the rootfs contains, the
 * result must stay inside it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/rootfs_internal.h"
#include "tests/unit/fds.h"
#include "tests/unit/tap.h"

static char base[] = "/tmp/sie-paths-XXXXXX";
static char rootfs[64];

static bool
same_file (int fd, const char *path)
{
  struct stat a, b;
  return fstat (fd, &a) == 0 && stat (path, &b) == 0 && a.st_dev == b.st_dev
         && a.st_ino == b.st_ino;
}

static char *
in_rootfs (const char *rel)
{
  static char buf[256];
  snprintf (buf, sizeof (buf), "%s%s", rootfs, rel);
  return buf;
}

static void
setup (void)
{
  if (mkdtemp (base) == NULL)
    abort ();
  snprintf (rootfs, sizeof (rootfs), "%s/rootfs", base);
  if (mkdir (rootfs, 0755) < 0 || mkdir (in_rootfs ("/etc"), 0755) < 0
      || symlink ("/etc", in_rootfs ("/evil")) < 0
      || symlink ("../../../../../../../etc", in_rootfs ("/rel")) < 0
      || symlink ("/nonexistent/dir", in_rootfs ("/dangling")) < 0
      || symlink ("/", in_rootfs ("/slash")) < 0)
    abort ();
}

static int
rm_one (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  return remove (path);
}

static void
test_mkdir (int rootfd)
{
  sie_error_t err = NULL;
  int fd;

  fd = sie_mkdir_in_root (rootfd, "/evil/sie-test-dir/sub", 0755, &err);
  ok (fd >= 0, "mkdir through an absolute symlink succeeds");
  ok (same_file (fd, in_rootfs ("/etc/sie-test-dir/sub")), "and lands in rootfs/etc");
  ok (access ("/etc/sie-test-dir", F_OK) < 0 && errno == ENOENT, "host /etc is untouched");
  if (fd >= 0)
    close (fd);

  fd = sie_mkdir_in_root (rootfd, "rel/../rel/./sie-rel", 0755, &err);
  ok (fd >= 0 && same_file (fd, in_rootfs ("/etc/sie-rel")),
      "a relative symlink climbing past the root stays in the rootfs");
  ok (access ("/etc/sie-rel", F_OK) < 0, "host /etc is untouched (relative)");
  if (fd >= 0)
    close (fd);

  fd = sie_mkdir_in_root (rootfd, "/slash/slash/evil", 0755, &err);
  ok (fd >= 0 && same_file (fd, in_rootfs ("/etc")), "symlink to / is the rootfs");
  if (fd >= 0)
    close (fd);

  fd = sie_mkdir_in_root (rootfd, "/", 0755, &err);
  ok (fd >= 0 && same_file (fd, rootfs), "mkdir of / is the rootfs itself");
  if (fd >= 0)
    close (fd);

  fd = sie_mkdir_in_root (rootfd, "/dangling/x", 0755, &err);
  ok (fd < 0 && err && strstr (err->msg, "/dangling") != NULL,
      "a dangling symlink is an error naming it: %s", err ? err->msg : "");
  ok (access ("/nonexistent", F_OK) < 0, "and nothing was created on the host");
  sie_error_release (&err);
}

static void
test_open (int rootfd)
{
  sie_error_t err = NULL;
  char buf[32] = "";
  int fd;

  fd = sie_open_in_root (rootfd, "/evil/passwd", O_RDONLY, 0, &err);
  ok (fd < 0 && err && err->status == ENOENT, "the host's /etc/passwd is not reachable");
  sie_error_release (&err);

  fd = sie_open_in_root (rootfd, "/evil/passwd", O_CREAT | O_WRONLY, 0644, &err);
  ok (fd >= 0 && write (fd, "inside", 6) == 6, "O_CREAT through the symlink");
  if (fd >= 0)
    close (fd);
  fd = open (in_rootfs ("/etc/passwd"), O_RDONLY | O_CLOEXEC);
  ok (fd >= 0 && read (fd, buf, sizeof (buf) - 1) == 6 && strcmp (buf, "inside") == 0,
      "and it created rootfs/etc/passwd");
  if (fd >= 0)
    close (fd);

  fd = sie_open_in_root (rootfd, "../../../../etc/passwd", O_RDONLY, 0, &err);
  ok (fd >= 0 && same_file (fd, in_rootfs ("/etc/passwd")), "\"..\" cannot climb out");
  ok (fd < 0 || (fcntl (fd, F_GETFD) & FD_CLOEXEC), "fd is O_CLOEXEC");
  if (fd >= 0)
    close (fd);

  /* The fd's own path, as the kernel sees it, is under the rootfs. */
  fd = sie_open_in_root (rootfd, "/rel/passwd", O_PATH, 0, &err);
  char link[64], target[512] = "";
  snprintf (link, sizeof (link), "/proc/self/fd/%d", fd);
  ok (fd >= 0 && readlink (link, target, sizeof (target) - 1) > 0
          && strncmp (target, rootfs, strlen (rootfs)) == 0,
      "readlink of the fd is inside the rootfs: %s", target);
  if (fd >= 0)
    close (fd);
}

static void
test_targets (int rootfd)
{
  sie_error_t err = NULL;
  struct stat st;
  int fd;

  fd = sie_target_in_root (rootfd, "/evil/sie-file", false, false, &err);
  ok (fd >= 0 && stat (in_rootfs ("/etc/sie-file"), &st) == 0 && S_ISREG (st.st_mode)
          && st.st_size == 0,
      "a file target is created empty inside the rootfs");
  ok (access ("/etc/sie-file", F_OK) < 0, "not on the host");
  if (fd >= 0)
    close (fd);

  fd = sie_target_in_root (rootfd, "/evil/a/b/c", true, false, &err);
  ok (fd >= 0 && same_file (fd, in_rootfs ("/etc/a/b/c")), "a dir target with parents");
  if (fd >= 0)
    close (fd);

  fd = sie_target_in_root (rootfd, "/evil", true, true, &err);
  ok (fd < 0 && err && strstr (err->msg, "symlink") != NULL,
      "nofollow refuses a symlink target: %s", err ? err->msg : "");
  sie_error_release (&err);

  fd = sie_target_in_root (rootfd, "/etc/passwd", true, false, &err);
  ok (fd >= 0 && same_file (fd, in_rootfs ("/etc/passwd")), "an existing target is opened as is");
  if (fd >= 0)
    close (fd);
}

static void
test_clean (void)
{
  const char *cases[][2] = {
    { "/proc", "/proc" },        { "/proc/", "/proc" },        { "//proc//sys/", "/proc/sys" },
    { "proc", "/proc" },         { "/a/../proc", "/proc" },    { "/../../dev", "/dev" },
    { "/./dev/.", "/dev" },      { "/", "/" },                 { "", "/" },
    { "/a/b/../../..", "/" },
  };
  for (size_t i = 0; i < sizeof (cases) / sizeof (cases[0]); i++)
    {
      char *c = sie_path_clean (cases[i][0]);
      is_str (c, cases[i][1], "clean \"%s\"", cases[i][0]);
      free (c);
    }
}

int
main (void)
{
  int before, rootfd;

  setup ();
  before = count_fds ();
  rootfd = open (rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  ok (rootfd >= 0, "open rootfs %s", rootfs);
  test_mkdir (rootfd);
  test_open (rootfd);
  test_targets (rootfd);
  close (rootfd);
  ok (count_fds () == before, "no fd leaked");
  test_clean ();
  nftw (base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
  return tap_done ();
}
