/* sie_treehash against real trees under /tmp: equal trees hash equal
 * wherever they live, every kind of change to content or metadata shows,
 * times do not, and nothing outside the tree (through a symlink or a mount)
 * is read. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "relocate/treehash.h"
#include "tests/unit/fds.h"
#include "tests/unit/tap.h"

static char base[] = "/tmp/sie-treehash-XXXXXX";

static const char *
at (const char *rel)
{
  static char bufs[4][512];
  static int next;
  char *b = bufs[next++ % 4];
  snprintf (b, sizeof (bufs[0]), "%s/%s", base, rel);
  return b;
}

static void
put (const char *rel, const void *data, size_t len, mode_t mode)
{
  int fd = open (at (rel), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0 || write (fd, data, len) != (ssize_t) len || fchmod (fd, mode) < 0)
    abort ();
  close (fd);
}

static void
put_str (const char *rel, const char *s)
{
  put (rel, s, strlen (s), 0644);
}

static void
dir (const char *rel)
{
  if (mkdir (at (rel), 0755) < 0 || chmod (at (rel), 0755) < 0)
    abort ();
}

static void
link_ (const char *target, const char *rel)
{
  if (symlink (target, at (rel)) < 0)
    abort ();
}

/* Larger than the 64 KiB read chunk, so content spans several reads. */
static char big[200 * 1024];

static void
make_tree (const char *top)
{
  char p[256];

#define P(rel) (snprintf (p, sizeof (p), "%s/%s", top, rel), p)
  dir (top);
  put_str (P ("a"), "hello\n");
  put (P ("big"), big, sizeof (big), 0644);
  dir (P ("sub"));
  put (P ("sub/b"), "world", 5, 0600);
  put (P ("sub/empty"), "", 0, 0644);
  dir (P ("sub/deeper"));
  link_ ("a", P ("link"));
  link_ ("../a", P ("sub/up"));
  if (mkfifo (at (P ("fifo")), 0640) < 0)
    abort ();
#undef P
}

/* Hashes base/rel; "" when it fails. */
static const char *
hash (const char *rel)
{
  static char bufs[4][SIE_TREEHASH_HEX];
  static int next;
  char *hex = bufs[next++ % 4];
  sie_error_t err = NULL;

  if (sie_treehash (at (rel), hex, &err) < 0)
    {
      printf ("# sie_treehash %s: %s\n", rel, err ? err->msg : "(no error)");
      hex[0] = '\0';
    }
  sie_error_release (&err);
  return hex;
}

static bool
is_hex64 (const char *s)
{
  return strlen (s) == 64 && strspn (s, "0123456789abcdef") == 64;
}

#define same(a, b, ...) ok (*(a) && strcmp ((a), (b)) == 0, __VA_ARGS__)
#define differs(a, b, ...) ok (*(a) && *(b) && strcmp ((a), (b)) != 0, __VA_ARGS__)

static void
test_equal (char *h)
{
  strcpy (h, hash ("t"));
  ok (is_hex64 (h), "a tree hashes to 64 hex digits: %s", h);
  same (hash ("t"), h, "hashing again gives the same hash");
  make_tree ("copy");
  same (hash ("copy"), h, "an equal tree elsewhere gives the same hash");
}

static void
test_content (const char *h)
{
  put ("t/sub/b", "worle", 5, 0600);
  differs (hash ("t"), h, "one changed byte changes the hash");
  put ("t/sub/b", "world", 5, 0600);
  same (hash ("t"), h, "and changing it back restores it");

  big[150 * 1024] ^= 1;
  put ("t/big", big, sizeof (big), 0644);
  differs (hash ("t"), h, "a changed byte past the first 64 KiB changes the hash");
  big[150 * 1024] ^= 1;
  put ("t/big", big, sizeof (big), 0644);

  put_str ("t/sub/empty", "x");
  differs (hash ("t"), h, "an empty file gaining a byte changes the hash");
  put ("t/sub/empty", "", 0, 0644);
  same (hash ("t"), h, "the tree is back as it was");
}

static void
test_metadata (const char *h)
{
  if (chmod (at ("t/a"), 0600) < 0)
    abort ();
  differs (hash ("t"), h, "a changed file mode changes the hash");
  chmod (at ("t/a"), 0644);
  if (chmod (at ("t/sub/deeper"), 01777) < 0)
    abort ();
  differs (hash ("t"), h, "a changed directory mode (sticky) changes the hash");
  chmod (at ("t/sub/deeper"), 0755);
  same (hash ("t"), h, "modes restored, hash restored");

  if (geteuid () != 0)
    {
      printf ("ok %d # SKIP chown needs root\n", ++tap_n);
      printf ("ok %d # SKIP chown needs root\n", ++tap_n);
      return;
    }
  if (lchown (at ("t/sub/b"), 1234, -1) < 0)
    abort ();
  differs (hash ("t"), h, "a changed uid changes the hash");
  if (lchown (at ("t/sub/b"), 0, 1234) < 0)
    abort ();
  differs (hash ("t"), h, "a changed gid changes the hash");
  lchown (at ("t/sub/b"), 0, 0);
}

static void
test_names (const char *h)
{
  put_str ("t/sub/new", "");
  differs (hash ("t"), h, "an added empty file changes the hash");
  unlink (at ("t/sub/new"));
  dir ("t/sub/deeper/d");
  differs (hash ("t"), h, "an added empty directory changes the hash");
  rmdir (at ("t/sub/deeper/d"));
  same (hash ("t"), h, "removed again, hash restored");

  if (rename (at ("t/a"), at ("t/a2")) < 0)
    abort ();
  differs (hash ("t"), h, "a renamed file changes the hash");
  rename (at ("t/a2"), at ("t/a"));

  unlink (at ("t/link"));
  link_ ("sub/b", "t/link");
  differs (hash ("t"), h, "a changed symlink target changes the hash");
  unlink (at ("t/link"));
  link_ ("a", "t/link");
  same (hash ("t"), h, "symlink restored, hash restored");
}

static void
test_times (const char *h)
{
  struct timespec old[2] = { { 1000000000, 0 }, { 1000000000, 0 } };

  if (utimensat (AT_FDCWD, at ("t/a"), old, 0) < 0
      || utimensat (AT_FDCWD, at ("t/sub"), old, 0) < 0
      || utimensat (AT_FDCWD, at ("t/link"), old, AT_SYMLINK_NOFOLLOW) < 0)
    abort ();
  same (hash ("t"), h, "changed atime and mtime leave the hash alone");
}

/* Two files "ab" + "" and "a" + "b": the same bytes in a different split. */
static void
test_boundaries (void)
{
  dir ("s1");
  put_str ("s1/x", "ab");
  put_str ("s1/y", "");
  dir ("s2");
  put_str ("s2/x", "a");
  put_str ("s2/y", "b");
  differs (hash ("s1"), hash ("s2"), "bytes moved between files change the hash");
}

static void
test_outside (void)
{
  char h[SIE_TREEHASH_HEX];

  dir ("outside");
  put_str ("outside/secret", "1");
  dir ("o");
  put_str ("o/f", "f");
  link_ (at ("outside"), "o/dir");
  link_ (at ("outside/secret"), "o/file");
  link_ ("../outside", "o/rel");
  strcpy (h, hash ("o"));
  ok (is_hex64 (h), "a tree with symlinks out of it hashes");
  put_str ("outside/secret", "2");
  put_str ("outside/more", "more");
  same (hash ("o"), h, "changes behind the symlinks do not show: they are not followed");

  link_ (at ("o"), "root-link");
  ok (*hash ("root-link") == '\0', "a symlink as the root is not followed either");
}

static void
test_errors (void)
{
  char hex[SIE_TREEHASH_HEX];
  sie_error_t err = NULL;

  ok (sie_treehash (at ("missing"), hex, &err) < 0 && err && err->status == ENOENT
          && strstr (err->msg, at ("missing")),
      "a missing path is an error naming it: %s", err ? err->msg : "");
  sie_error_release (&err);

  ok (sie_treehash (at ("t/a"), hex, &err) < 0 && err && err->status == ENOTDIR
          && strstr (err->msg, at ("t/a")),
      "a regular file is not a tree: %s", err ? err->msg : "");
  sie_error_release (&err);
}

static void
test_devices (void)
{
  char h[SIE_TREEHASH_HEX];

  dir ("dev");
  if (mknod (at ("dev/null"), S_IFCHR | 0666, makedev (1, 3)) < 0)
    {
      printf ("ok %d # SKIP mknod: %s\n", ++tap_n, strerror (errno));
      return;
    }
  strcpy (h, hash ("dev"));
  unlink (at ("dev/null"));
  if (mknod (at ("dev/null"), S_IFCHR | 0666, makedev (1, 5)) < 0)
    abort ();
  differs (hash ("dev"), h, "a device with another number changes the hash");
}

/* A bind mount inside the tree: the mount point is an entry, its contents
 * are not, so what is mounted there does not matter. */
static void
test_mount (void)
{
  char h[SIE_TREEHASH_HEX];

  dir ("m");
  dir ("m/mnt");
  put_str ("m/f", "f");
  dir ("bound");
  put_str ("bound/inside", "x");
  strcpy (h, hash ("m"));
  if (unshare (CLONE_NEWNS) < 0 || mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0
      || mount (at ("bound"), at ("m/mnt"), NULL, MS_BIND, NULL) < 0)
    {
      printf ("ok %d # SKIP bind mount: %s\n", ++tap_n, strerror (errno));
      printf ("ok %d # SKIP bind mount\n", ++tap_n);
      return;
    }
  same (hash ("m"), h, "a bind mount's contents are not hashed");
  put_str ("bound/inside", "changed");
  put_str ("bound/more", "");
  same (hash ("m"), h, "nor are changes inside it");
  umount2 (at ("m/mnt"), MNT_DETACH);
}

static int
rm_one (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  return remove (path);
}

int
main (void)
{
  char h[SIE_TREEHASH_HEX];
  int before;

  if (mkdtemp (base) == NULL)
    abort ();
  for (size_t i = 0; i < sizeof (big); i++)
    big[i] = (char) (i * 7 + i / 251);
  make_tree ("t");
  before = count_fds ();

  test_equal (h);
  test_content (h);
  test_metadata (h);
  test_names (h);
  test_times (h);
  test_boundaries ();
  test_outside ();
  test_errors ();
  test_devices ();
  test_mount ();
  ok (count_fds () == before, "no fd leaked");

  nftw (base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
  return tap_done ();
}
