#include "vmshim/agent/exec.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "vmshim/agent/frames.h"

/* Unread stdin the agent holds for a process before it stops reading the
 * connection: flow control, so a process that never reads stdin costs at
 * most this much. */
#define STDIN_BACKLOG_MAX (1024 * 1024)

static char *default_env[] = {
  "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
  "HOME=/",
  NULL,
};

/* What the child reports through the status pipe when it cannot exec. */
struct start_failure
{
  int chdir_failed;
  int errno_;
};

struct relay
{
  int conn;
  pid_t pid;
  int pidfd;
  int in_w, out_r, err_r;
  bool exited;
  int status;
  /* connection input not yet decoded */
  uint8_t in[SIE_FRAME_HEADER_SIZE + SIE_FRAME_MAX_PAYLOAD];
  size_t in_len;
  /* stdin accepted from frames, not yet written to the process */
  uint8_t *backlog;
  size_t backlog_len, backlog_off;
  bool close_stdin; /* after the backlog drains */
};

extern char **environ;

__attribute__ ((noreturn)) static void
exec_child (const struct sie_agent_request *req, int in_r, int out_w, int err_w, int status_w)
{
  struct start_failure failure = { 0 };
  sigset_t none;

  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  signal (SIGPIPE, SIG_DFL);
  setsid ();
  if (dup2 (in_r, 0) < 0 || dup2 (out_w, 1) < 0 || dup2 (err_w, 2) < 0)
    failure.errno_ = errno;
  else if (chdir (req->cwd) < 0)
    {
      failure.chdir_failed = 1;
      failure.errno_ = errno;
    }
  else
    {
      /* execvp searches the process's own PATH, as runc does. */
      environ = req->env ? req->env : default_env;
      execvp (req->args[0], req->args);
      failure.errno_ = errno;
    }
  if (write (status_w, &failure, sizeof failure) < 0)
    _exit (126);
  _exit (127);
}

static int
set_nonblock (int fd, sie_error_t *err)
{
  int flags = fcntl (fd, F_GETFL);
  if (flags < 0 || fcntl (fd, F_SETFL, flags | O_NONBLOCK) < 0)
    return sie_error (err, errno, "exec: fcntl O_NONBLOCK");
  return 0;
}

/* Forks the process with its stdio on pipes; returns after its execve
 * succeeded, or with the reason it did not. */
static int
spawn (const struct sie_agent_request *req, struct relay *r, sie_error_t *err)
{
  cleanup_close int in_r = -1, in_w = -1, out_r = -1, out_w = -1, err_r = -1, err_w = -1;
  cleanup_close int status_r = -1, status_w = -1;
  int p[4][2];
  struct start_failure failure;
  ssize_t n;

  for (int i = 0; i < 4; i++)
    if (pipe2 (p[i], O_CLOEXEC) < 0)
      {
        int saved = errno;
        for (int j = 0; j < i; j++)
          close (p[j][0]), close (p[j][1]);
        return sie_error (err, saved, "exec: pipe");
      }
  in_r = p[0][0], in_w = p[0][1], out_r = p[1][0], out_w = p[1][1];
  err_r = p[2][0], err_w = p[2][1], status_r = p[3][0], status_w = p[3][1];

  r->pid = fork ();
  if (r->pid < 0)
    return sie_error (err, errno, "exec: fork");
  if (r->pid == 0)
    exec_child (req, in_r, out_w, err_w, status_w);
  close (move_fd (status_w));

  do
    n = read (status_r, &failure, sizeof failure);
  while (n < 0 && errno == EINTR);
  if (n != 0)
    {
      waitpid (r->pid, NULL, 0);
      if (n != sizeof failure)
        return sie_error (err, n < 0 ? errno : EPROTO, "exec %s: no word from the child",
                          req->args[0]);
      if (failure.chdir_failed)
        return sie_error (err, failure.errno_, "exec: chdir %s", req->cwd);
      return sie_error (err, failure.errno_, "exec %s", req->args[0]);
    }
  r->pidfd = syscall (SYS_pidfd_open, r->pid, 0);
  if (r->pidfd < 0)
    {
      int saved = errno;
      kill (r->pid, SIGKILL);
      waitpid (r->pid, NULL, 0);
      return sie_error (err, saved, "exec: pidfd_open %d", r->pid);
    }
  if (set_nonblock (in_w, err) < 0 || set_nonblock (out_r, err) < 0
      || set_nonblock (err_r, err) < 0)
    {
      kill (r->pid, SIGKILL);
      waitpid (r->pid, NULL, 0);
      return -1;
    }
  r->in_w = move_fd (in_w);
  r->out_r = move_fd (out_r);
  r->err_r = move_fd (err_r);
  return 0;
}

static int
write_all (int fd, const void *buf, size_t len, sie_error_t *err)
{
  const uint8_t *p = buf;
  while (len > 0)
    {
      ssize_t n = write (fd, p, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return sie_error (err, errno, "exec: write to the host");
      p += n;
      len -= n;
    }
  return 0;
}

static void
close_fd (int *fd)
{
  if (*fd >= 0)
    close (*fd);
  *fd = -1;
}

/* Forwards what one output pipe holds as one frame.  At EOF or when the
 * pipe is empty after the process exited, closes it. */
static int
forward_output (struct relay *r, int *fd, unsigned id, sie_error_t *err)
{
  uint8_t frame[SIE_FRAME_HEADER_SIZE + SIE_FRAME_MAX_PAYLOAD];
  ssize_t n;

  do
    n = read (*fd, frame + SIE_FRAME_HEADER_SIZE, SIE_FRAME_MAX_PAYLOAD);
  while (n < 0 && errno == EINTR);
  if (n < 0 && errno == EAGAIN)
    return 0;
  if (n <= 0)
    {
      close_fd (fd);
      return 0;
    }
  if (sie_frame_encode_header (frame, id, n, err) < 0)
    return -1;
  return write_all (r->conn, frame, SIE_FRAME_HEADER_SIZE + n, err);
}

static void
flush_stdin (struct relay *r)
{
  while (r->in_w >= 0 && r->backlog_off < r->backlog_len)
    {
      ssize_t n = write (r->in_w, r->backlog + r->backlog_off, r->backlog_len - r->backlog_off);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        return;
      if (n < 0)
        {
          /* The process closed its stdin: what it did not read is dropped. */
          close_fd (&r->in_w);
          break;
        }
      r->backlog_off += n;
    }
  r->backlog_len = r->backlog_off = 0;
  if (r->close_stdin)
    close_fd (&r->in_w);
}

static int
queue_stdin (struct relay *r, const struct sie_frame *f, sie_error_t *err)
{
  if (f->len == 0)
    {
      r->close_stdin = true;
      return 0;
    }
  if (r->in_w < 0)
    return 0;
  if (r->backlog == NULL)
    {
      r->backlog = malloc (STDIN_BACKLOG_MAX);
      if (r->backlog == NULL)
        return sie_error (err, errno, "exec: stdin buffer");
    }
  if (r->backlog_off > 0)
    {
      memmove (r->backlog, r->backlog + r->backlog_off, r->backlog_len - r->backlog_off);
      r->backlog_len -= r->backlog_off;
      r->backlog_off = 0;
    }
  memcpy (r->backlog + r->backlog_len, f->data, f->len);
  r->backlog_len += f->len;
  return 0;
}

static bool
backlog_has_room (const struct relay *r, size_t len)
{
  return r->backlog_len - r->backlog_off + len <= STDIN_BACKLOG_MAX;
}

/* Acts on every complete frame in the input buffer, stopping at a stdin
 * frame the backlog has no room for. */
static int
handle_frames (struct relay *r, sie_error_t *err)
{
  size_t off = 0;
  while (off < r->in_len)
    {
      struct sie_frame f;
      ssize_t n = sie_frame_decode (r->in + off, r->in_len - off, &f, err);
      if (n < 0)
        return -1;
      if (n == 0)
        break;
      if (f.id == SIE_FRAME_STDIN)
        {
          if (!backlog_has_room (r, f.len))
            break;
          if (queue_stdin (r, &f, err) < 0)
            return -1;
        }
      else if (f.id == SIE_FRAME_SIGNAL)
        {
          uint32_t sig = sie_frame_u32 (&f);
          if (sig < 1 || sig > (uint32_t) SIGRTMAX)
            return sie_error (err, EINVAL, "exec: signal frame: bad signal %u", sig);
          if (!r->exited)
            kill (r->pid, sig);
        }
      else
        return sie_error (err, EPROTO, "exec: stream %u is not for the guest", f.id);
      off += n;
    }
  memmove (r->in, r->in + off, r->in_len - off);
  r->in_len -= off;
  flush_stdin (r);
  return 0;
}

/* Returns 1 when the host closed the connection. */
static int
read_host (struct relay *r, sie_error_t *err)
{
  ssize_t n;
  do
    n = read (r->conn, r->in + r->in_len, sizeof r->in - r->in_len);
  while (n < 0 && errno == EINTR);
  if (n == 0 || (n < 0 && (errno == ECONNRESET || errno == EPIPE)))
    return 1;
  if (n < 0)
    return sie_error (err, errno, "exec: read from the host");
  r->in_len += n;
  return handle_frames (r, err);
}

static void
reap (struct relay *r)
{
  while (waitpid (r->pid, &r->status, 0) < 0 && errno == EINTR)
    ;
  r->exited = true;
  close_fd (&r->pidfd);
}

static void
kill_and_reap (struct relay *r)
{
  if (!r->exited)
    {
      kill (r->pid, SIGKILL);
      reap (r);
    }
}

enum
{
  POLL_CONN,
  POLL_STDIN,
  POLL_STDOUT,
  POLL_STDERR,
  POLL_PROC,
  POLL_COUNT
};

/* One round of poll.  Returns 1 when the host is gone. */
static int
relay_once (struct relay *r, sie_error_t *err)
{
  bool backlog = r->backlog_len > r->backlog_off;
  bool stalled = r->in_len == sizeof r->in;
  struct pollfd p[POLL_COUNT] = {
    [POLL_CONN] = { stalled || backlog ? -1 : r->conn, POLLIN, 0 },
    [POLL_STDIN] = { backlog ? r->in_w : -1, POLLOUT, 0 },
    [POLL_STDOUT] = { r->out_r, POLLIN, 0 },
    [POLL_STDERR] = { r->err_r, POLLIN, 0 },
    [POLL_PROC] = { r->pidfd, POLLIN, 0 },
  };

  if (poll (p, POLL_COUNT, -1) < 0)
    return errno == EINTR ? 0 : sie_error (err, errno, "exec: poll");
  /* Output before exit, so nothing the process wrote is lost. */
  if (p[POLL_STDOUT].revents && forward_output (r, &r->out_r, SIE_FRAME_STDOUT, err) < 0)
    return -1;
  if (p[POLL_STDERR].revents && forward_output (r, &r->err_r, SIE_FRAME_STDERR, err) < 0)
    return -1;
  if (p[POLL_STDIN].revents && handle_frames (r, err) < 0)
    return -1;
  if (p[POLL_CONN].revents)
    {
      int ret = read_host (r, err);
      if (ret != 0)
        return ret;
    }
  if (p[POLL_PROC].revents)
    reap (r);
  return 0;
}

/* After the exit: what the pipes already hold still goes out, but a
 * daemonised grandchild that keeps them open must not hold the exit back. */
static int
drain_after_exit (struct relay *r, sie_error_t *err)
{
  while (r->out_r >= 0 || r->err_r >= 0)
    {
      int out = r->out_r, errfd = r->err_r;
      if (out >= 0 && forward_output (r, &r->out_r, SIE_FRAME_STDOUT, err) < 0)
        return -1;
      if (errfd >= 0 && forward_output (r, &r->err_r, SIE_FRAME_STDERR, err) < 0)
        return -1;
      /* A pipe that had nothing this round is empty: close it. */
      if (r->out_r == out && out >= 0)
        {
          struct pollfd p = { out, POLLIN, 0 };
          if (poll (&p, 1, 0) == 0)
            close_fd (&r->out_r);
        }
      if (r->err_r == errfd && errfd >= 0)
        {
          struct pollfd p = { errfd, POLLIN, 0 };
          if (poll (&p, 1, 0) == 0)
            close_fd (&r->err_r);
        }
    }
  return 0;
}

static int
relay (struct relay *r, sie_error_t *err)
{
  while (!r->exited)
    {
      int ret = relay_once (r, err);
      if (ret != 0)
        return ret;
    }
  if (drain_after_exit (r, err) < 0)
    return -1;
  uint8_t frame[SIE_FRAME_U32_SIZE];
  if (sie_frame_encode_u32 (frame, SIE_FRAME_EXIT, (uint32_t) r->status, err) < 0)
    return -1;
  return write_all (r->conn, frame, sizeof frame, err);
}

int
sie_agent_exec (int conn, const struct sie_agent_request *req, const uint8_t *early,
                size_t early_len, sie_error_t *err)
{
  cleanup_free struct relay *r = calloc (1, sizeof (*r));
  cleanup_free char *started = NULL;
  sie_error_t relay_err = NULL;
  int ret;

  if (r == NULL)
    return sie_error (err, errno, "exec: relay state");
  if (early_len > sizeof r->in)
    return sie_error (err, EMSGSIZE, "exec: %zu bytes after the request", early_len);
  r->conn = conn;
  r->pidfd = r->in_w = r->out_r = r->err_r = -1;
  if (spawn (req, r, err) < 0)
    return -1;

  started = sie_agent_reply_started (r->pid);
  memcpy (r->in, early, early_len);
  r->in_len = early_len;
  if (started == NULL)
    ret = sie_error (&relay_err, ENOMEM, "exec: reply");
  else if (write_all (conn, started, strlen (started), &relay_err) < 0)
    ret = -1;
  else if ((ret = handle_frames (r, &relay_err)) == 0)
    ret = relay (r, &relay_err);
  /* The process has started: from here on, failures end it and are only
   * logged, since the host may no longer be there to hear them. */
  if (ret < 0)
    fprintf (stderr, "sie-agent: pid %d: %s\n", r->pid, relay_err->msg);
  sie_error_release (&relay_err);
  kill_and_reap (r);
  close_fd (&r->in_w);
  close_fd (&r->out_r);
  close_fd (&r->err_r);
  close_fd (&r->pidfd);
  free (r->backlog);
  return 0;
}
