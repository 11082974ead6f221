#include "hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

#define HOOK_OUTPUT_MAX 4096

struct hook_run
{
  pid_t pid;
  int pidfd;
  int out; /* read end of the hook's stdout+stderr */
  char output[HOOK_OUTPUT_MAX];
  size_t output_len;
};

static int
stdin_pipe_with (const char *data, int *read_end, sie_error_t *err)
{
  int p[2];
  size_t len = strlen (data);

  if (pipe2 (p, O_CLOEXEC) < 0)
    return sie_error (err, errno, "pipe");
  /* The whole state fits in the pipe, so the hook may read it or not. */
  if (len >= 65536)
    fcntl (p[1], F_SETPIPE_SZ, (int) len + 1);
  if (sie_write_all (p[1], data, len) < 0)
    {
      int saved = errno;
      close (p[0]);
      close (p[1]);
      return sie_error (err, saved, "write state to hook");
    }
  close (p[1]);
  *read_end = p[0];
  return 0;
}

static void __attribute__ ((noreturn))
exec_hook (const struct sie_hook *h, int in, int out)
{
  char *default_argv[] = { h->path, NULL };
  char *empty_env[] = { NULL };

  /* A hook must not outlive a sie that crashed or was killed. */
  prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  dup2 (in, 0);
  dup2 (out, 1);
  dup2 (out, 2);
  for (int s = 1; s < NSIG; s++)
    signal (s, SIG_DFL);
  sigset_t none;
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  execve (h->path, h->args ? h->args : default_argv, h->env ? h->env : empty_env);
  dprintf (2, "exec %s: %s", h->path, strerror (errno));
  _exit (127);
}

static int
spawn_hook (const struct sie_hook *h, const char *state, struct hook_run *r, sie_error_t *err)
{
  cleanup_close int in = -1;
  int out[2];

  if (stdin_pipe_with (state, &in, err) < 0)
    return -1;
  if (pipe2 (out, O_CLOEXEC) < 0)
    return sie_error (err, errno, "pipe");
  r->pid = fork ();
  if (r->pid < 0)
    {
      close (out[0]);
      close (out[1]);
      return sie_error (err, errno, "fork");
    }
  if (r->pid == 0)
    exec_hook (h, in, out[1]);
  close (out[1]);
  r->out = out[0];
  r->pidfd = (int) syscall (SYS_pidfd_open, r->pid, 0);
  return 0;
}

static void
drain_output (struct hook_run *r)
{
  char buf[1024];
  ssize_t n = read (r->out, buf, sizeof buf);
  if (n <= 0)
    {
      close (r->out);
      r->out = -1;
      return;
    }
  size_t room = sizeof r->output - 1 - r->output_len;
  size_t take = (size_t) n < room ? (size_t) n : room;
  memcpy (r->output + r->output_len, buf, take);
  r->output_len += take;
}

static long long
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Collects output until the hook exits (its pidfd turns readable) or, when
 * pidfd_open is unavailable, until its output closes.  Returns 1 on timeout. */
static int
wait_hook (struct hook_run *r, long long timeout_ms)
{
  long long deadline = timeout_ms > 0 ? now_ms () + timeout_ms : -1;

  for (;;)
    {
      struct pollfd p[2] = { { .fd = r->out, .events = POLLIN },
                             { .fd = r->pidfd, .events = POLLIN } };
      int wait_ms = -1;

      if (deadline >= 0 && (wait_ms = (int) (deadline - now_ms ())) <= 0)
        return 1;
      if (poll (p, 2, wait_ms) < 0 && errno != EINTR)
        return 0;
      if (r->out >= 0 && (p[0].revents & (POLLIN | POLLHUP)))
        drain_output (r);
      if (p[1].revents & POLLIN)
        return 0;
      if (r->pidfd < 0 && r->out < 0)
        return 0;
    }
}

static void
trim (char *s, size_t *len)
{
  while (*len > 0 && (s[*len - 1] == '\n' || s[*len - 1] == ' '))
    (*len)--;
  s[*len] = '\0';
  for (char *p = s; *p; p++)
    if (*p == '\n')
      *p = ' ';
}

static int
run_one (const struct sie_hook *h, const char *state, sie_error_t *err)
{
  struct hook_run r = { .out = -1, .pidfd = -1 };
  int status = 0, timed_out;

  if (spawn_hook (h, state, &r, err) < 0)
    return -1;
  timed_out = wait_hook (&r, h->timeout.set ? h->timeout.v * 1000 : 0);
  if (timed_out)
    kill (r.pid, SIGKILL);
  while (waitpid (r.pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (r.out >= 0)
    close (r.out);
  if (r.pidfd >= 0)
    close (r.pidfd);
  trim (r.output, &r.output_len);
  if (timed_out)
    return sie_error (err, 0, "timed out after %llds", (long long) h->timeout.v);
  if (WIFSIGNALED (status))
    return sie_error (err, 0, "killed by signal %d%s%s", WTERMSIG (status),
                      r.output_len ? ": " : "", r.output);
  if (WEXITSTATUS (status) != 0)
    return sie_error (err, 0, "exited with status %d%s%s", WEXITSTATUS (status),
                      r.output_len ? ": " : "", r.output);
  return 0;
}

int
sie_hooks_run (const struct sie_hooks *hooks, enum sie_hook_kind kind, const char *state_json,
               sie_error_t *err)
{
  for (size_t i = 0; i < hooks->n_hooks[kind]; i++)
    {
      const struct sie_hook *h = &hooks->hooks[kind][i];
      sie_debug ("running %s hook %zu: %s", sie_hook_kind_name (kind), i, h->path);
      if (run_one (h, state_json, err) < 0)
        return sie_error_prefix (err, "hooks.%s[%zu] (%s)", sie_hook_kind_name (kind), i, h->path);
    }
  return 0;
}

void
sie_hooks_run_warn (const struct sie_hooks *hooks, enum sie_hook_kind kind, const char *state_json)
{
  for (size_t i = 0; i < hooks->n_hooks[kind]; i++)
    {
      sie_error_t err = NULL;
      const struct sie_hook *h = &hooks->hooks[kind][i];
      if (run_one (h, state_json, &err) < 0)
        {
          sie_log_warning ("hooks.%s[%zu] (%s): %s", sie_hook_kind_name (kind), i, h->path,
                           err->msg);
          sie_error_release (&err);
        }
    }
}
