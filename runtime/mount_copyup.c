/* The tmpcopyup mount option (runc and crun have it; podman sets it on the
 * tmpfs mounts of --read-only containers): a new tmpfs starts with a copy
 * of what the image had at its destination, so /run or /tmp keep their
 * files.  The copy goes from the target directory fd into the still
 * detached tmpfs, one name at a time with O_NOFOLLOW, so a symlink in the
 * image is copied as a symlink and never followed out of the rootfs. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "runtime/rootfs_internal.h"
#include "util/cleanup.h"

/* Deep enough for any image; bounds the fds a hostile tree could pin. */
#define COPYUP_MAX_DEPTH 64

struct copy_pos
{
  char path[PATH_MAX]; /* relative to the mount destination, for errors */
};

static int
copy_error (const struct copy_pos *pos, const char *what, sie_error_t *err)
{
  return sie_error (err, errno, "tmpcopyup: %s %s", what, pos->path[0] ? pos->path : ".");
}

/* Owner, mode and times of dst (a name in dstdir) from st. */
static int
copy_metadata (int dstdir, const char *name, const struct stat *st, const struct copy_pos *pos,
               sie_error_t *err)
{
  struct timespec times[2] = { st->st_atim, st->st_mtim };

  if (fchownat (dstdir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
    return copy_error (pos, "chown", err);
  /* chmod after chown: chown clears the set-id bits. */
  if (!S_ISLNK (st->st_mode) && fchmodat (dstdir, name, st->st_mode & 07777, 0) < 0)
    return copy_error (pos, "chmod", err);
  if (utimensat (dstdir, name, times, AT_SYMLINK_NOFOLLOW) < 0)
    return copy_error (pos, "set times of", err);
  return 0;
}

static int
copy_file_data (int srcdir, int dstdir, const char *name, const struct stat *st,
                const struct copy_pos *pos, sie_error_t *err)
{
  cleanup_close int in = openat (srcdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  cleanup_close int out = -1;
  off_t left = st->st_size;

  if (in < 0)
    return copy_error (pos, "open", err);
  out = openat (dstdir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (out < 0)
    return copy_error (pos, "create", err);
  while (left > 0)
    {
      /* sendfile, not copy_file_range: the kernel refuses the latter
       * between different filesystem types (EXDEV). */
      ssize_t n = sendfile (out, in, NULL, (size_t) left);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return copy_error (pos, "copy", err);
      if (n == 0) /* the file shrank meanwhile */
        break;
      left -= n;
    }
  return 0;
}

static int copy_dir (int srcfd, int dstfd, struct copy_pos *pos, int depth, sie_error_t *err);

static int
copy_entry (int srcdir, int dstdir, const char *name, struct copy_pos *pos, int depth,
            sie_error_t *err)
{
  struct stat st;

  if (fstatat (srcdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return copy_error (pos, "stat", err);
  if (S_ISDIR (st.st_mode))
    {
      cleanup_close int src = -1;
      cleanup_close int dst = -1;

      if (mkdirat (dstdir, name, 0700) < 0)
        return copy_error (pos, "mkdir", err);
      src = openat (srcdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      dst = openat (dstdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (src < 0 || dst < 0)
        return copy_error (pos, "open directory", err);
      if (copy_dir (src, dst, pos, depth + 1, err) < 0)
        return -1;
    }
  else if (S_ISREG (st.st_mode))
    {
      if (copy_file_data (srcdir, dstdir, name, &st, pos, err) < 0)
        return -1;
    }
  else if (S_ISLNK (st.st_mode))
    {
      char target[PATH_MAX];
      ssize_t n = readlinkat (srcdir, name, target, sizeof (target) - 1);

      if (n < 0)
        return copy_error (pos, "readlink", err);
      target[n] = '\0';
      if (symlinkat (target, dstdir, name) < 0)
        return copy_error (pos, "symlink", err);
    }
  else if (mknodat (dstdir, name, st.st_mode & (S_IFMT | 07777), st.st_rdev) < 0)
    return copy_error (pos, "mknod", err);
  return copy_metadata (dstdir, name, &st, pos, err);
}

static int
copy_dir (int srcfd, int dstfd, struct copy_pos *pos, int depth, sie_error_t *err)
{
  size_t base = strlen (pos->path);
  int dupfd;
  DIR *dir;
  struct dirent *de;
  int ret = 0;

  if (depth > COPYUP_MAX_DEPTH)
    return sie_error (err, ELOOP, "tmpcopyup: %s: more than %d levels of directories",
                      pos->path, COPYUP_MAX_DEPTH);
  dupfd = fcntl (srcfd, F_DUPFD_CLOEXEC, 0);
  if (dupfd < 0 || (dir = fdopendir (dupfd)) == NULL)
    {
      if (dupfd >= 0)
        close (dupfd);
      return copy_error (pos, "read directory", err);
    }
  while (ret == 0 && (errno = 0, de = readdir (dir)) != NULL)
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      if (snprintf (pos->path + base, sizeof (pos->path) - base, "%s%s", base ? "/" : "",
                    de->d_name)
          >= (int) (sizeof (pos->path) - base))
        ret = sie_error (err, ENAMETOOLONG, "tmpcopyup: %s/%s", pos->path, de->d_name);
      else
        ret = copy_entry (srcfd, dstfd, de->d_name, pos, depth, err);
      pos->path[base] = '\0';
    }
  if (ret == 0 && errno != 0)
    ret = copy_error (pos, "read directory", err);
  closedir (dir);
  return ret;
}

/* The tmpfs root takes the directory's owner, and its mode too unless the
 * options chose one, so the copy looks like what it replaces. */
static int
copy_root_metadata (int src, int dst, bool keep_mode, sie_error_t *err)
{
  struct stat st;

  if (fstat (src, &st) < 0)
    return sie_error (err, errno, "tmpcopyup: stat the destination directory");
  if (fchown (dst, st.st_uid, st.st_gid) < 0)
    return sie_error (err, errno, "tmpcopyup: chown the new tmpfs");
  if (!keep_mode && fchmod (dst, st.st_mode & 07777) < 0)
    return sie_error (err, errno, "tmpcopyup: chmod the new tmpfs");
  return 0;
}

int
sie_tmpfs_copyup (int targetfd, int mntfd, bool keep_mode, sie_error_t *err)
{
  cleanup_close int src = openat (targetfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  cleanup_close int dst = openat (mntfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  struct copy_pos pos = { .path = "" };

  if (src < 0)
    return sie_error (err, errno, "tmpcopyup: open the destination directory");
  if (dst < 0)
    return sie_error (err, errno, "tmpcopyup: open the new tmpfs");
  if (copy_dir (src, dst, &pos, 0, err) < 0)
    return -1;
  return copy_root_metadata (src, dst, keep_mode, err);
}
