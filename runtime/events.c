#include "runtime/events.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "cgroups/oom.h"
#include "cgroups/stats.h"
#include "runtime/query.h"
#include "runtime/signal_proc.h"
#include "spec/events.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

/* ---- --interval ---- */

static const struct
{
  const char *name;
  uint64_t ns;
} duration_units[] = {
  { "ns", 1 },
  { "us", 1000 },
  { "\xc2\xb5s", 1000 }, /* U+00B5 micro sign */
  { "\xce\xbcs", 1000 }, /* U+03BC Greek mu */
  { "ms", 1000000 },
  { "s", 1000000000ULL },
  { "m", 60 * 1000000000ULL },
  { "h", 3600 * 1000000000ULL },
};

/* One "<number><unit>" term of a duration; advances *p past it. */
static bool
duration_term (const char **p, uint64_t *ns)
{
  const char *s = *p;
  uint64_t whole = 0, frac = 0, scale = 1, unit = 0, v;
  size_t digits = 0, len;

  for (; *s >= '0' && *s <= '9'; s++, digits++)
    if (__builtin_mul_overflow (whole, 10, &whole) || __builtin_add_overflow (whole, *s - '0', &whole))
      return false;
  if (*s == '.')
    for (s++; *s >= '0' && *s <= '9'; s++, digits++)
      if (scale < 1000000000000000000ULL)
        {
          frac = frac * 10 + (uint64_t) (*s - '0');
          scale *= 10;
        }
  if (digits == 0)
    return false;
  len = strcspn (s, "0123456789.");
  for (size_t i = 0; i < ARRAY_SIZE (duration_units); i++)
    if (strlen (duration_units[i].name) == len && strncmp (s, duration_units[i].name, len) == 0)
      unit = duration_units[i].ns;
  if (unit == 0 || __builtin_mul_overflow (whole, unit, &v)
      || __builtin_add_overflow (v, (uint64_t) ((long double) frac * unit / scale), ns))
    return false;
  *p = s + len;
  return true;
}

int
sie_duration_parse (const char *s, uint64_t *ns, sie_error_t *err)
{
  const char *p = s;
  uint64_t total = 0, term;

  if (strcmp (s, "0") == 0)
    return sie_error (err, 0, "--interval: must be greater than 0, got \"%s\"", s);
  do
    {
      if (!duration_term (&p, &term) || __builtin_add_overflow (total, term, &total))
        return sie_error (err, 0,
                          "--interval: invalid duration \"%s\" (expected a number and a unit: "
                          "500ms, 5s, 1m)",
                          s);
    }
  while (*p);
  if (total == 0)
    return sie_error (err, 0, "--interval: must be greater than 0, got \"%s\"", s);
  *ns = total;
  return 0;
}

/* ---- output ---- */

static int
emit (char *line, sie_error_t *err)
{
  int ret = 0;

  if (sie_write_all (STDOUT_FILENO, line, strlen (line)) < 0)
    ret = sie_error (err, errno, "writing events to standard output");
  free (line);
  return ret;
}

static int
stats_line (const char *id, const struct sie_cgroup *cg, char **line, sie_error_t *err)
{
  struct sie_cgroup_stats s;
  int ret;

  if (sie_cgroup_stats_read (cg, &s, err) < 0)
    return -1;
  ret = sie_stats_event_json (id, &s, line, err);
  sie_cgroup_stats_clear (&s);
  return ret;
}

static int
emit_stats (const char *id, const struct sie_cgroup *cg, sie_error_t *err)
{
  char *line = NULL;

  if (stats_line (id, cg, &line, err) < 0)
    return -1;
  return emit (line, err);
}

static int
emit_oom (const char *id, sie_error_t *err)
{
  char *line = NULL;

  if (sie_oom_event_json (id, &line, err) < 0)
    return -1;
  return emit (line, err);
}

/* ---- the stream ---- */

struct stream
{
  const char *id;
  const struct sie_cgroup *cg;
  int pidfd, sigfd, timerfd;
  struct sie_oom_watch *oom;
};

static int
check_oom (struct stream *s, sie_error_t *err)
{
  bool oom = false;

  if (s->oom == NULL)
    return 0;
  if (sie_oom_watch_check (s->oom, &oom, err) < 0)
    return -1;
  return oom ? emit_oom (s->id, err) : 0;
}

static bool
init_exited (const struct stream *s)
{
  struct pollfd p = { .fd = s->pidfd, .events = POLLIN };
  return poll (&p, 1, 0) == 1;
}

/* A stats read fails when the container goes away meanwhile (its cgroup
 * removed): then the stream ends quietly at the next poll.  Other failures
 * are reported and the stream goes on, as with runc. */
static int
tick (struct stream *s, sie_error_t *err)
{
  uint64_t expirations;
  sie_error_t read_err = NULL;
  char *line = NULL;

  if (read (s->timerfd, &expirations, sizeof (expirations)) < 0 && errno != EAGAIN)
    return sie_error (err, errno, "reading the interval timer");
  if (stats_line (s->id, s->cg, &line, &read_err) == 0)
    return emit (line, err);
  if (!init_exited (s))
    sie_log_warning ("%s: stats: %s", s->id, read_err->msg);
  sie_error_release (&read_err);
  return 0;
}

static int
stream_loop (struct stream *s, sie_error_t *err)
{
  enum
  {
    P_PID,
    P_SIG,
    P_TIMER,
    P_OOM,
    P_N
  };
  struct pollfd p[P_N] = {
    [P_PID] = { .fd = s->pidfd, .events = POLLIN },
    [P_SIG] = { .fd = s->sigfd, .events = POLLIN },
    [P_TIMER] = { .fd = s->timerfd, .events = POLLIN },
    [P_OOM] = { .fd = s->oom ? sie_oom_watch_fd (s->oom) : -1, .events = POLLIN },
  };

  for (;;)
    {
      if (poll (p, P_N, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          return sie_error (err, errno, "poll");
        }
      if (p[P_OOM].revents && check_oom (s, err) < 0)
        return -1;
      if (p[P_TIMER].revents && tick (s, err) < 0)
        return -1;
      /* the kill that ended the container may still be pending */
      if (p[P_PID].revents)
        return check_oom (s, err);
      /* read, so the signal is consumed before the mask is restored */
      if (p[P_SIG].revents)
        {
          struct signalfd_siginfo si;
          if (read (s->sigfd, &si, sizeof (si)) < 0 && errno != EAGAIN)
            return sie_error (err, errno, "reading the signalfd");
          return 0;
        }
    }
}

static int
stream (const char *id, const struct sie_cgroup *cg, int pidfd, uint64_t interval_ns,
        sie_error_t *err)
{
  struct itimerspec its = {
    .it_interval = { .tv_sec = interval_ns / 1000000000, .tv_nsec = interval_ns % 1000000000 },
  };
  sigset_t mask, old;
  cleanup_close int sigfd = -1, timerfd = -1;
  struct stream s = { .id = id, .cg = cg, .pidfd = pidfd };
  int ret;

  its.it_value = its.it_interval;
  sigemptyset (&mask);
  sigaddset (&mask, SIGINT);
  sigaddset (&mask, SIGTERM);
  /* A background job of a script starts with SIGINT ignored, and an
     ignored signal never reaches a signalfd: the default is restored so
     that both signals always end the stream. */
  signal (SIGINT, SIG_DFL);
  signal (SIGTERM, SIG_DFL);
  if (sigprocmask (SIG_BLOCK, &mask, &old) < 0)
    return sie_error (err, errno, "sigprocmask");
  sigfd = signalfd (-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  timerfd = timerfd_create (CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  if (sigfd < 0 || timerfd < 0 || timerfd_settime (timerfd, 0, &its, NULL) < 0)
    ret = sie_error (err, errno, "setting up the event loop");
  else if ((ret = sie_oom_watch_open (cg, &s.oom, err)) == 0)
    {
      s.sigfd = sigfd;
      s.timerfd = timerfd;
      ret = stream_loop (&s, err);
    }
  sie_oom_watch_free (s.oom);
  sigprocmask (SIG_SETMASK, &old, NULL);
  return ret;
}

int
sie_container_events (const char *root, const char *id, const struct sie_events_opts *o,
                      sie_error_t *err)
{
  struct sie_container_info info;
  struct sie_cgroup *cg = NULL;
  cleanup_close int pidfd = -1;
  int ret;

  if (sie_container_info_load (root, id, false, &info, err) < 0)
    return -1;
  if (info.st == NULL || info.status == SIE_STATUS_STOPPED)
    ret = sie_error (err, 0, "container not running");
  else if (sie_cgroup_load (info.dirfd, SIE_CGROUP_FILE, &cg, err) < 0)
    ret = -1;
  else if (!o->stats_only && (pidfd = sie_pidfd_for_state (info.st)) < 0)
    ret = sie_error (err, 0, "container not running");
  else
    ret = 0;
  sie_container_info_release (&info);
  if (ret == 0)
    ret = o->stats_only ? emit_stats (id, cg, err) : stream (id, cg, pidfd, o->interval_ns, err);
  sie_cgroup_free (cg);
  return ret;
}
