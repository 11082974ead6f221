/* The tree hash: a pre-order walk, names sorted with strcmp within each
 * directory, each entry fed to SHA-256 as one self-delimiting record:
 *
 *   relative path, NUL        ("" for the root, "a", "a/b", ...)
 *   type letter               f d l c b p s
 *   mode & 07777              4 octal digits
 *   uid, gid                  10 decimal digits each
 *   content length            20 decimal digits
 *   content                   a file's bytes, a symlink's target, a
 *                             device's rdev (20 digits); empty otherwise
 *
 * Every field is fixed-width or length-prefixed, so no two trees give the
 * same byte stream.  A mount point is recorded as an entry with no content
 * and is not descended into. */
#include "treehash.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <nettle/sha2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "util/cleanup.h"

#define CHUNK (64 * 1024)

struct walk
{
  struct sha256_ctx sha;
  const char *root;  /* the path as given, for errors */
  dev_t root_dev;    /* the fallback mount test, for kernels without
                        STATX_ATTR_MOUNT_ROOT */
  char *buf;         /* CHUNK bytes */
};

struct entry
{
  char type;
  unsigned mode, uid, gid;
  dev_t dev, rdev;
  bool mount;
};

static int walk_dir (struct walk *w, int dfd, const char *rel, sie_error_t *err);

/* Fails with errno, naming root/rel. */
static int
fail (struct walk *w, const char *rel, const char *what, sie_error_t *err)
{
  int saved = errno;
  if (*rel == '\0')
    return sie_error (err, saved, "%s %s", what, w->root);
  return sie_error (err, saved, "%s %s/%s", what, w->root, rel);
}

static char
type_letter (mode_t mode)
{
  switch (mode & S_IFMT)
    {
    case S_IFREG: return 'f';
    case S_IFDIR: return 'd';
    case S_IFLNK: return 'l';
    case S_IFCHR: return 'c';
    case S_IFBLK: return 'b';
    case S_IFIFO: return 'p';
    case S_IFSOCK: return 's';
    default: return '?';
    }
}

/* Reads what the entry is, without following it.  A mount root (or, on
 * kernels that cannot say, a directory on another device) is a mount. */
static int
stat_entry (struct walk *w, int dfd, const char *name, const char *rel, struct entry *e,
            sie_error_t *err)
{
  struct statx stx;
  int flags = AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | (*name ? 0 : AT_EMPTY_PATH);

  if (statx (dfd, name, flags, STATX_BASIC_STATS, &stx) < 0)
    return fail (w, rel, "stat", err);
  e->type = type_letter (stx.stx_mode);
  e->mode = stx.stx_mode & 07777;
  e->uid = stx.stx_uid;
  e->gid = stx.stx_gid;
  e->dev = makedev (stx.stx_dev_major, stx.stx_dev_minor);
  e->rdev = makedev (stx.stx_rdev_major, stx.stx_rdev_minor);
  if (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)
    e->mount = (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
  else
    e->mount = e->type == 'd' && e->dev != w->root_dev;
  return 0;
}

static void
put_header (struct walk *w, const char *rel, const struct entry *e, uint64_t content_len)
{
  char hdr[64];
  int n = snprintf (hdr, sizeof (hdr), "%c%04o%010u%010u%020" PRIu64, e->type, e->mode, e->uid,
                    e->gid, content_len);

  sha256_update (&w->sha, strlen (rel) + 1, (const uint8_t *) rel);
  sha256_update (&w->sha, (size_t) n, (const uint8_t *) hdr);
}

/* Reads exactly st_size bytes; a file that grows or shrinks meanwhile is
 * an error, not a silently different hash. */
static int
put_file (struct walk *w, int dfd, const char *name, const char *rel, const struct entry *e,
          sie_error_t *err)
{
  cleanup_close int fd = openat (dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  struct stat st;
  uint64_t total = 0;

  if (fd < 0)
    return fail (w, rel, "open", err);
  if (fstat (fd, &st) < 0)
    return fail (w, rel, "stat", err);
  if (!S_ISREG (st.st_mode))
    return sie_error (err, 0, "hash %s/%s: changed while hashing", w->root, rel);
  put_header (w, rel, e, (uint64_t) st.st_size);
  for (;;)
    {
      ssize_t n = read (fd, w->buf, CHUNK);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return fail (w, rel, "read", err);
      if (n == 0)
        break;
      sha256_update (&w->sha, (size_t) n, (const uint8_t *) w->buf);
      total += (uint64_t) n;
    }
  if (total != (uint64_t) st.st_size)
    return sie_error (err, 0, "hash %s/%s: changed while hashing", w->root, rel);
  return 0;
}

static int
put_symlink (struct walk *w, int dfd, const char *name, const char *rel, const struct entry *e,
             sie_error_t *err)
{
  char target[PATH_MAX];
  ssize_t n = readlinkat (dfd, name, target, sizeof (target));

  if (n < 0)
    return fail (w, rel, "readlink", err);
  if ((size_t) n >= sizeof (target))
    return sie_error (err, ENAMETOOLONG, "readlink %s/%s", w->root, rel);
  put_header (w, rel, e, (uint64_t) n);
  sha256_update (&w->sha, (size_t) n, (const uint8_t *) target);
  return 0;
}

static void
put_device (struct walk *w, const char *rel, const struct entry *e)
{
  char num[24];
  int n = snprintf (num, sizeof (num), "%020" PRIu64, (uint64_t) e->rdev);

  put_header (w, rel, e, (uint64_t) n);
  sha256_update (&w->sha, (size_t) n, (const uint8_t *) num);
}

static int
put_subdir (struct walk *w, int dfd, const char *name, const char *rel, sie_error_t *err)
{
  cleanup_close int sub = openat (dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

  if (sub < 0)
    return fail (w, rel, "open", err);
  return walk_dir (w, sub, rel, err);
}

/* One entry of directory dfd: its record, then its children. */
static int
put_entry (struct walk *w, int dfd, const char *name, const char *rel, sie_error_t *err)
{
  struct entry e;

  if (stat_entry (w, dfd, name, rel, &e, err) < 0)
    return -1;
  if (e.mount)
    {
      put_header (w, rel, &e, 0);
      return 0;
    }
  switch (e.type)
    {
    case 'f': return put_file (w, dfd, name, rel, &e, err);
    case 'l': return put_symlink (w, dfd, name, rel, &e, err);
    case 'c':
    case 'b': put_device (w, rel, &e); return 0;
    case 'd': put_header (w, rel, &e, 0); return put_subdir (w, dfd, name, rel, err);
    default: put_header (w, rel, &e, 0); return 0;
    }
}

static int
cmp_names (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* Appends a copy of name to the NULL-terminated vector *v of *n names. */
static int
append_name (char ***v, size_t *n, size_t *cap, const char *name)
{
  if (*n + 2 > *cap)
    {
      size_t ncap = *cap ? *cap * 2 : 16;
      char **nv = realloc (*v, ncap * sizeof (**v));
      if (nv == NULL)
        return -1;
      *v = nv;
      *cap = ncap;
    }
  (*v)[*n] = strdup (name);
  if ((*v)[*n] == NULL)
    return -1;
  (*v)[++*n] = NULL;
  return 0;
}

/* The names in dfd but . and .., sorted, as a NULL-terminated vector. */
static int
read_names (struct walk *w, int dfd, const char *rel, char ***out, sie_error_t *err)
{
  cleanup_strv char **v = NULL;
  size_t n = 0, cap = 0;
  int dup_fd = dup (dfd), saved;
  DIR *d = dup_fd < 0 ? NULL : fdopendir (dup_fd);
  struct dirent *de;

  if (d == NULL)
    {
      if (dup_fd >= 0)
        close (dup_fd);
      return fail (w, rel, "opendir", err);
    }
  for (errno = 0; (de = readdir (d)) != NULL; errno = 0)
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      if (append_name (&v, &n, &cap, de->d_name) < 0)
        break;
    }
  saved = errno;
  closedir (d);
  errno = saved;
  if (errno != 0)
    return fail (w, rel, "readdir", err);
  if (v)
    qsort (v, n, sizeof (*v), cmp_names);
  *out = move_ptr (v);
  return 0;
}

static int
walk_dir (struct walk *w, int dfd, const char *rel, sie_error_t *err)
{
  cleanup_strv char **names = NULL;

  if (read_names (w, dfd, rel, &names, err) < 0)
    return -1;
  for (char **it = names; it && *it; it++)
    {
      cleanup_free char *child = NULL;
      int r = *rel ? asprintf (&child, "%s/%s", rel, *it) : asprintf (&child, "%s", *it);

      if (r < 0)
        return sie_error (err, ENOMEM, "hash %s", w->root);
      if (put_entry (w, dfd, *it, child, err) < 0)
        return -1;
    }
  return 0;
}

static void
to_hex (const uint8_t *digest, char hex[SIE_TREEHASH_HEX])
{
  static const char digits[] = "0123456789abcdef";

  for (size_t i = 0; i < SHA256_DIGEST_SIZE; i++)
    {
      hex[2 * i] = digits[digest[i] >> 4];
      hex[2 * i + 1] = digits[digest[i] & 0xf];
    }
  hex[2 * SHA256_DIGEST_SIZE] = '\0';
}

/* The root is hashed like a directory entry at path "", then walked; it is
 * never treated as a mount (a rootfs is often one). */
int
sie_treehash (const char *path, char hex[SIE_TREEHASH_HEX], sie_error_t *err)
{
  cleanup_close int fd = open (path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  cleanup_free char *buf = malloc (CHUNK);
  struct walk w = { .root = path, .buf = buf };
  uint8_t digest[SHA256_DIGEST_SIZE];
  struct entry e;

  if (fd < 0)
    return sie_error (err, errno, "open %s", path);
  if (buf == NULL)
    return sie_error (err, ENOMEM, "hash %s", path);
  if (stat_entry (&w, fd, "", "", &e, err) < 0)
    return -1;
  w.root_dev = e.dev;
  sha256_init (&w.sha);
  put_header (&w, "", &e, 0);
  if (walk_dir (&w, fd, "", err) < 0)
    return -1;
  sha256_digest (&w.sha, sizeof (digest), digest);
  to_hex (digest, hex);
  return 0;
}
