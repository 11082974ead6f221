#include "selfexe.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/memfd.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/cleanup.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

extern char **environ;

static int
is_sealed (int fd)
{
  int seals = fcntl (fd, F_GET_SEALS);
  return seals >= 0 && (seals & SEALS) == SEALS;
}

static int
make_memfd (void)
{
  /* Kernels with vm.memfd_noexec want MFD_EXEC spelled out; older ones
   * reject the flag. */
  int fd = memfd_create ("sie", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
  if (fd < 0 && errno == EINVAL)
    fd = memfd_create ("sie", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  return fd;
}

static int
copy_all (int from, int to, off_t size)
{
  off_t done = 0;
  while (done < size)
    {
      ssize_t n = sendfile (to, from, NULL, (size_t) (size - done));
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return -1;
      done += n;
    }
  return 0;
}

int
sie_ensure_sealed_self (char **argv, sie_error_t *err)
{
  cleanup_close int self = open ("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  cleanup_close int copy = -1;
  struct stat st;

  if (self < 0)
    return sie_error (err, errno, "open /proc/self/exe");
  if (is_sealed (self))
    return 0;
  if (fstat (self, &st) < 0)
    return sie_error (err, errno, "stat /proc/self/exe");
  copy = make_memfd ();
  if (copy < 0)
    return sie_error (err, errno, "memfd_create");
  if (copy_all (self, copy, st.st_size) < 0)
    return sie_error (err, errno, "copy sie into a memfd");
  if (fcntl (copy, F_ADD_SEALS, SEALS) < 0)
    return sie_error (err, errno, "seal the sie memfd");
  syscall (SYS_execveat, copy, "", argv, environ, AT_EMPTY_PATH);
  return sie_error (err, errno, "re-execute sie from its sealed copy");
}
