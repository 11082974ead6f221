/* The sending half of --copy-rootfs (rootfs_copy.h).  The walk is ours,
 * by fds: every entry is opened O_PATH | O_NOFOLLOW from its parent's fd
 * and described from statx of that fd; file data and directories are
 * reopened through /proc/self/fd, which reaches the same inode.  Nothing
 * is looked up by path twice, so a running container cannot swap an entry
 * for a symlink between our check and our read (libarchive's own disk
 * reader reopens paths).  libarchive's pax writer encodes the entries;
 * its output, in blocks of one frame, goes out as TREE_DATA. */
#include "relocate/rootfs_copy.h"

#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "relocate/archive_dl.h"
#include "relocate/wire.h"
#include "util/cleanup.h"

#define BLOCK (1u << 20)          /* archive bytes per TREE_DATA frame */
#define XATTR_BUF (64u * 1024)    /* XATTR_LIST_MAX and XATTR_SIZE_MAX */
#define ACL_XATTR_VERSION 2       /* linux/posix_acl_xattr.h */

struct region
{
  int64_t off, len;
};

struct sender
{
  const struct sie_archive_api *la;
  struct archive *w;
  struct archive_entry *e; /* reused for every entry */
  struct archive_entry_linkresolver *links;
  int sock;
  struct sie_xfer_progress *p;
  sie_error_t *err;
  bool stopped;            /* failed: the writer must send nothing more */
  const char *root;        /* for messages */
  dev_t root_dev;
  char *buf;               /* BLOCK bytes of file data */
  char *zeros;             /* BLOCK zero bytes, fed for holes */
  char *names, *value;     /* XATTR_BUF each */
  struct region *regions;  /* the data regions of the current file */
  size_t nregions, cap;
};

/* ---- errors ---- */

static int
fail (const struct sender *s, const char *rel, const char *what, sie_error_t *err)
{
  int saved = errno;

  if (strcmp (rel, ".") == 0)
    return sie_error (err, saved, "copy rootfs: %s %s", what, s->root);
  return sie_error (err, saved, "copy rootfs: %s %s/%s", what, s->root, rel);
}

/* libarchive's message; when the frame callback failed, its error came
 * first and is kept. */
static int
archive_fail (const struct sender *s, const char *rel, sie_error_t *err)
{
  const char *msg = s->la->archive_error_string (s->w);

  errno = 0;
  return fail (s, rel, msg ? msg : "archiving", err);
}

/* ---- the output: one frame per block ---- */

static la_ssize_t
send_block (struct archive *a, void *data, const void *buf, size_t len)
{
  struct sender *s = data;

  if (s->stopped)
    return -1;
  if (sie_wire_send (s->sock, SIE_MSG_TREE_DATA, buf, len, s->err) < 0)
    return -1;
  s->p->bytes += len;
  if (s->p->tick && s->p->tick (s->p->data, s->err) < 0)
    return -1;
  return (la_ssize_t) len;
}

static int
sender_init (struct sender *s, sie_error_t *err)
{
  const struct sie_archive_api *la = s->la;

  s->buf = malloc (BLOCK);
  s->zeros = calloc (1, BLOCK);
  s->names = malloc (XATTR_BUF);
  s->value = malloc (XATTR_BUF);
  s->w = la->archive_write_new ();
  s->e = la->archive_entry_new ();
  s->links = la->archive_entry_linkresolver_new ();
  if (!s->buf || !s->zeros || !s->names || !s->value || !s->w || !s->e || !s->links)
    return sie_error (err, ENOMEM, "copy rootfs %s", s->root);
  /* Names are bytes on Linux: binary headers keep them as they are,
   * whatever the locale. */
  if (la->archive_write_set_format_pax (s->w) != ARCHIVE_OK
      || la->archive_write_set_format_option (s->w, "pax", "hdrcharset", "BINARY") != ARCHIVE_OK
      || la->archive_write_set_bytes_per_block (s->w, BLOCK) != ARCHIVE_OK
      || la->archive_write_set_bytes_in_last_block (s->w, 1) != ARCHIVE_OK
      || la->archive_write_open (s->w, s, NULL, send_block, NULL) != ARCHIVE_OK)
    return archive_fail (s, ".", err);
  la->archive_entry_linkresolver_set_strategy (s->links, ARCHIVE_FORMAT_TAR_PAX_INTERCHANGE);
  return 0;
}

static void
sender_free (struct sender *s)
{
  const struct sie_archive_api *la = s->la;

  if (s->w)
    la->archive_write_free (s->w);
  if (s->e)
    la->archive_entry_free (s->e);
  if (s->links)
    la->archive_entry_linkresolver_free (s->links);
  free (s->buf);
  free (s->zeros);
  free (s->names);
  free (s->value);
  free (s->regions);
}

/* ---- describing an entry ---- */

/* As sie_treehash decides it, so both see the same tree. */
static bool
is_mount (const struct sender *s, const struct statx *stx)
{
  if (stx->stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)
    return (stx->stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
  return S_ISDIR (stx->stx_mode) && makedev (stx->stx_dev_major, stx->stx_dev_minor) != s->root_dev;
}

static void
set_stat (struct sender *s, const struct statx *stx, bool mount)
{
  const struct sie_archive_api *la = s->la;
  struct archive_entry *e = s->e;

  la->archive_entry_set_filetype (e, stx->stx_mode & S_IFMT);
  la->archive_entry_set_perm (e, stx->stx_mode & 07777);
  la->archive_entry_set_uid (e, stx->stx_uid);
  la->archive_entry_set_gid (e, stx->stx_gid);
  la->archive_entry_set_mtime (e, stx->stx_mtime.tv_sec, stx->stx_mtime.tv_nsec);
  /* For the hard-link resolver. */
  la->archive_entry_set_dev (e, makedev (stx->stx_dev_major, stx->stx_dev_minor));
  la->archive_entry_set_ino (e, stx->stx_ino);
  la->archive_entry_set_nlink (e, stx->stx_nlink);
  if (S_ISCHR (stx->stx_mode) || S_ISBLK (stx->stx_mode))
    la->archive_entry_set_rdev (e, makedev (stx->stx_rdev_major, stx->stx_rdev_minor));
  /* A file mounted over one of the rootfs is not its content. */
  la->archive_entry_set_size (e, S_ISREG (stx->stx_mode) && !mount ? (int64_t) stx->stx_size : 0);
}

static int
add_symlink (struct sender *s, int fd, const char *rel, sie_error_t *err)
{
  char target[PATH_MAX];
  ssize_t n = readlinkat (fd, "", target, sizeof target);

  if (n < 0)
    return fail (s, rel, "readlink", err);
  if ((size_t) n >= sizeof target)
    {
      errno = ENAMETOOLONG;
      return fail (s, rel, "readlink", err);
    }
  target[n] = '\0';
  s->la->archive_entry_copy_symlink (s->e, target);
  return 0;
}

static int
acl_tag (uint16_t tag)
{
  switch (tag)
    {
    case 0x01: return ARCHIVE_ENTRY_ACL_USER_OBJ;
    case 0x02: return ARCHIVE_ENTRY_ACL_USER;
    case 0x04: return ARCHIVE_ENTRY_ACL_GROUP_OBJ;
    case 0x08: return ARCHIVE_ENTRY_ACL_GROUP;
    case 0x10: return ARCHIVE_ENTRY_ACL_MASK;
    case 0x20: return ARCHIVE_ENTRY_ACL_OTHER;
    default: return 0;
    }
}

/* A POSIX ACL in the kernel's xattr form (le32 version, then le16 tag,
 * le16 perm, le32 id per entry), handed to libarchive as ACL entries:
 * libarchive restores ACLs through libacl and skips system.* xattrs.
 * Other system.* names are the filesystem's own and are not copied. */
static int
add_acl (struct sender *s, const char *name, const char *v, size_t len, const char *rel,
         sie_error_t *err)
{
  int type;
  uint32_t version;

  if (strcmp (name, "system.posix_acl_access") == 0)
    type = ARCHIVE_ENTRY_ACL_TYPE_ACCESS;
  else if (strcmp (name, "system.posix_acl_default") == 0)
    type = ARCHIVE_ENTRY_ACL_TYPE_DEFAULT;
  else
    return 0;
  if (len >= 4)
    memcpy (&version, v, 4);
  if (len < 4 || (len - 4) % 8 != 0 || le32toh (version) != ACL_XATTR_VERSION)
    {
      errno = EINVAL;
      return fail (s, rel, name, err);
    }
  for (size_t off = 4; off < len; off += 8)
    {
      uint16_t tag, perm;
      uint32_t id;
      int la_tag, qual;

      memcpy (&tag, v + off, 2);
      memcpy (&perm, v + off + 2, 2);
      memcpy (&id, v + off + 4, 4);
      la_tag = acl_tag (le16toh (tag));
      if (la_tag == 0)
        {
          errno = EINVAL;
          return fail (s, rel, name, err);
        }
      qual = la_tag == ARCHIVE_ENTRY_ACL_USER || la_tag == ARCHIVE_ENTRY_ACL_GROUP ? (int) le32toh (id) : -1;
      /* rwx has the same bits in both. */
      if (s->la->archive_entry_acl_add_entry (s->e, type, le16toh (perm) & 7, la_tag, qual, NULL)
          != ARCHIVE_OK)
        return archive_fail (s, rel, err);
    }
  return 0;
}

/* Through /proc/self/fd: the *xattr calls take no O_PATH fd, and the
 * magic link leads to the inode itself, a symlink included. */
static int
add_xattrs (struct sender *s, int fd, const char *rel, sie_error_t *err)
{
  char path[64];
  ssize_t len;

  snprintf (path, sizeof path, "/proc/self/fd/%d", fd);
  len = listxattr (path, s->names, XATTR_BUF);
  if (len < 0 && errno == ENOTSUP)
    return 0;
  if (len < 0)
    return fail (s, rel, "list the xattrs of", err);
  for (char *name = s->names; name < s->names + len; name += strlen (name) + 1)
    {
      ssize_t n = getxattr (path, name, s->value, XATTR_BUF);

      if (n < 0 && errno == ENODATA)
        continue; /* removed since the listing */
      if (n < 0)
        return fail (s, rel, name, err);
      if (strncmp (name, "system.", 7) == 0)
        {
          if (add_acl (s, name, s->value, (size_t) n, rel, err) < 0)
            return -1;
          continue;
        }
      s->la->archive_entry_xattr_add_entry (s->e, name, s->value, (size_t) n);
    }
  return 0;
}

/* ---- file data ---- */

static int
add_region (struct sender *s, int64_t off, int64_t len)
{
  if (s->nregions == s->cap)
    {
      size_t ncap = s->cap ? s->cap * 2 : 16;
      struct region *n = realloc (s->regions, ncap * sizeof *n);
      if (n == NULL)
        return -1;
      s->regions = n;
      s->cap = ncap;
    }
  s->regions[s->nregions++] = (struct region){ off, len };
  return 0;
}

/* The data regions of fd, from SEEK_DATA and SEEK_HOLE; one region for
 * the whole file when it has no holes or the filesystem cannot say.  A
 * file with holes gets them in the entry's sparse map, so they stay holes
 * on the wire and on the destination. */
static int
map_regions (struct sender *s, int fd, int64_t size, sie_error_t *err)
{
  int64_t off = 0, data, hole = lseek (fd, 0, SEEK_HOLE);

  s->nregions = 0;
  if (hole < 0 || hole >= size)
    return add_region (s, 0, size) < 0 ? sie_error (err, ENOMEM, "copy rootfs") : 0;
  while (off < size)
    {
      data = lseek (fd, off, SEEK_DATA);
      if (data < 0 || data >= size)
        break; /* ENXIO: a hole to the end */
      hole = lseek (fd, data, SEEK_HOLE);
      if (hole < 0 || hole > size)
        hole = size;
      if (add_region (s, data, hole - data) < 0)
        return sie_error (err, ENOMEM, "copy rootfs");
      s->la->archive_entry_sparse_add_entry (s->e, data, hole - data);
      off = hole;
    }
  /* All holes: an empty region at the end still marks the file sparse. */
  if (s->nregions == 0)
    s->la->archive_entry_sparse_add_entry (s->e, size, 0);
  return 0;
}

/* The writer takes the file as a whole and drops what falls in holes. */
static int
feed_zeros (struct sender *s, int64_t len, const char *rel, sie_error_t *err)
{
  while (len > 0)
    {
      size_t n = len > BLOCK ? BLOCK : (size_t) len;
      if (s->la->archive_write_data (s->w, s->zeros, n) < 0)
        return archive_fail (s, rel, err);
      len -= (int64_t) n;
    }
  return 0;
}

/* A file that shrank since its header is padded with zeros, one that grew
 * is cut: the header's size is what the archive holds. */
static int
feed_file (struct sender *s, int fd, int64_t off, int64_t end, const char *rel, sie_error_t *err)
{
  while (off < end)
    {
      size_t want = end - off > BLOCK ? BLOCK : (size_t) (end - off);
      ssize_t n = pread (fd, s->buf, want, off);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return fail (s, rel, "read", err);
      if (n == 0)
        return feed_zeros (s, end - off, rel, err);
      if (s->la->archive_write_data (s->w, s->buf, (size_t) n) < 0)
        return archive_fail (s, rel, err);
      off += n;
    }
  return 0;
}

static int
send_data (struct sender *s, int fd, int64_t size, const char *rel, sie_error_t *err)
{
  int64_t pos = 0;

  for (size_t i = 0; i < s->nregions; i++)
    {
      const struct region *r = &s->regions[i];
      if (feed_zeros (s, r->off - pos, rel, err) < 0
          || feed_file (s, fd, r->off, r->off + r->len, rel, err) < 0)
        return -1;
      pos = r->off + r->len;
    }
  return feed_zeros (s, size - pos, rel, err);
}

/* ---- the walk ---- */

static int send_node (struct sender *s, int fd, const char *rel, bool top, sie_error_t *err);

static int
reopen (int fd, int flags)
{
  char path[64];

  snprintf (path, sizeof path, "/proc/self/fd/%d", fd);
  return open (path, flags | O_CLOEXEC);
}

static int
send_child (struct sender *s, int dfd, const char *name, const char *parent, sie_error_t *err)
{
  cleanup_free char *rel = NULL;
  cleanup_close int fd = -1;
  int r = strcmp (parent, ".") == 0 ? asprintf (&rel, "%s", name)
                                    : asprintf (&rel, "%s/%s", parent, name);

  if (r < 0)
    return sie_error (err, ENOMEM, "copy rootfs %s", s->root);
  fd = openat (dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT)
    return 0; /* removed while we copy */
  if (fd < 0)
    return fail (s, rel, "open", err);
  return send_node (s, fd, rel, false, err);
}

static int
send_children (struct sender *s, int fd, const char *rel, sie_error_t *err)
{
  int dfd = reopen (fd, O_RDONLY | O_DIRECTORY);
  DIR *d = dfd < 0 ? NULL : fdopendir (dfd);
  struct dirent *de;
  int ret = 0;

  if (d == NULL)
    {
      ret = fail (s, rel, "open", err);
      if (dfd >= 0)
        close (dfd);
      return ret;
    }
  for (errno = 0; ret == 0 && (de = readdir (d)) != NULL; errno = 0)
    if (strcmp (de->d_name, ".") != 0 && strcmp (de->d_name, "..") != 0)
      ret = send_child (s, dirfd (d), de->d_name, rel, err);
  if (ret == 0 && errno != 0)
    ret = fail (s, rel, "read the directory", err);
  closedir (d);
  return ret;
}

/* The entry's content before its header: a symlink's target, a file's
 * holes, xattrs and ACLs.  *datafd gets a regular file's data. */
static int
describe (struct sender *s, int fd, const char *rel, const struct statx *stx, bool mount,
          int *datafd, sie_error_t *err)
{
  const struct sie_archive_api *la = s->la;

  if (S_ISSOCK (stx->stx_mode))
    {
      /* tar has no socket type: an empty file with a marker no real
       * xattr can have, which rootfs_recv.c turns back into a socket. */
      la->archive_entry_set_filetype (s->e, AE_IFREG);
      la->archive_entry_xattr_add_entry (s->e, SIE_ROOTFS_SOCKET_XATTR, "", 0);
      return 0;
    }
  if (S_ISLNK (stx->stx_mode) && add_symlink (s, fd, rel, err) < 0)
    return -1;
  if (S_ISREG (stx->stx_mode) && !mount && stx->stx_size > 0)
    {
      *datafd = reopen (fd, O_RDONLY);
      if (*datafd < 0)
        return fail (s, rel, "open", err);
      if (map_regions (s, *datafd, (int64_t) stx->stx_size, err) < 0)
        return -1;
    }
  return add_xattrs (s, fd, rel, err);
}

static int
send_node (struct sender *s, int fd, const char *rel, bool top, sie_error_t *err)
{
  const struct sie_archive_api *la = s->la;
  struct archive_entry *e = s->e, *spare = NULL;
  cleanup_close int datafd = -1;
  struct statx stx;
  bool mount, link;

  if (statx (fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx) < 0)
    return fail (s, rel, "stat", err);
  mount = !top && is_mount (s, &stx);
  la->archive_entry_clear (e);
  la->archive_entry_copy_pathname (e, rel);
  set_stat (s, &stx, mount);
  /* The tar way: the first name of an inode carries it, later names
   * become links to that one. */
  la->archive_entry_linkify (s->links, &e, &spare);
  link = la->archive_entry_hardlink (e) != NULL;
  if (!link && describe (s, fd, rel, &stx, mount, &datafd, err) < 0)
    return -1;
  if (la->archive_write_header (s->w, e) != ARCHIVE_OK)
    return archive_fail (s, rel, err);
  if (datafd >= 0 && send_data (s, datafd, (int64_t) stx.stx_size, rel, err) < 0)
    return -1;
  if (S_ISDIR (stx.stx_mode) && !mount)
    return send_children (s, fd, rel, err);
  return 0;
}

int
sie_rootfs_send (int sock, const char *rootfs, struct sie_xfer_progress *p, sie_error_t *err)
{
  struct sender s = { .sock = sock, .p = p, .err = err, .root = rootfs };
  cleanup_close int fd = open (rootfs, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  struct statx stx;
  int ret;

  if (fd < 0 || statx (fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx) < 0)
    return sie_error (err, errno, "copy rootfs %s", rootfs);
  s.root_dev = makedev (stx.stx_dev_major, stx.stx_dev_minor);
  s.la = sie_archive_api (err);
  if (s.la == NULL)
    return -1;
  ret = sender_init (&s, err);
  if (ret == 0)
    ret = send_node (&s, fd, ".", true, err);
  if (ret == 0 && s.la->archive_write_close (s.w) != ARCHIVE_OK)
    ret = archive_fail (&s, ".", err);
  /* A failed archive must not flush what it holds when freed. */
  s.stopped = true;
  sender_free (&s);
  if (ret < 0)
    return -1;
  return sie_wire_send (sock, SIE_MSG_TREE_END, "{}", 2, err);
}
