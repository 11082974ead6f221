#include "runtime/lazy_pages.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runtime/criu_opts.h"
#include "runtime/criu_rpc.h"
#include "util/cleanup.h"

#define LAZY_SOCKET "lazy-pages.socket"
#define LAZY_START_TIMEOUT_MS 10000

static void __attribute__ ((noreturn))
exec_lazy_pages (const char *addr, int port, int images_fd, int work_fd)
{
  char port_s[16], images[32], work[32];
  int null = open ("/dev/null", O_RDWR);

  setsid ();
  if (null >= 0)
    for (int fd = 0; fd < 3; fd++)
      dup2 (null, fd);
  fcntl (images_fd, F_SETFD, 0);
  fcntl (work_fd, F_SETFD, 0);
  snprintf (port_s, sizeof port_s, "%d", port);
  snprintf (images, sizeof images, "/proc/self/fd/%d", images_fd);
  snprintf (work, sizeof work, "/proc/self/fd/%d", work_fd);
  execlp (sie_criu_path (), sie_criu_path (), "lazy-pages", "--page-server", "--address", addr,
          "--port", port_s, "-D", images, "-W", work, "-o", "lazy-pages.log", "-v4", (char *) NULL);
  _exit (127);
}

static void
sleep_ms (long ms)
{
  struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
  nanosleep (&ts, NULL);
}

pid_t
sie_lazy_pages_start (const struct sie_criu_flags *f, int images_fd, int work_fd, sie_error_t *err)
{
  cleanup_free char *addr = NULL;
  int port, status;
  pid_t pid;

  if (sie_criu_parse_page_server (f->page_server, &addr, &port, err) < 0)
    return -1;
  pid = fork ();
  if (pid < 0)
    return sie_error (err, errno, "fork");
  if (pid == 0)
    exec_lazy_pages (addr, port, images_fd, work_fd);
  for (int waited = 0; waited < LAZY_START_TIMEOUT_MS; waited += 10)
    {
      if (faccessat (work_fd, LAZY_SOCKET, F_OK, 0) == 0)
        return pid;
      if (waitpid (pid, &status, WNOHANG) == pid)
        return sie_error (err, 0, "--lazy-pages: criu lazy-pages exited (status %d); see "
                                  "lazy-pages.log in the work directory", status);
      sleep_ms (10);
    }
  kill (pid, SIGKILL);
  waitpid (pid, NULL, 0);
  return sie_error (err, 0, "--lazy-pages: criu lazy-pages did not start within %d s",
                    LAZY_START_TIMEOUT_MS / 1000);
}
