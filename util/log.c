#include "log.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <yajl/yajl_gen.h>

static int log_fd = -1;
static char *log_path;
static enum sie_log_format log_format = SIE_LOG_TEXT;
static bool debug_on;

int
sie_log_init (const char *path, enum sie_log_format format, bool debug)
{
  log_format = format;
  debug_on = debug;
  /* Opened on first use: create and run must first reserve the fds they
   * hand to the container, and the log must not land among them. */
  free (log_path);
  log_path = (path && *path) ? strdup (path) : NULL;
  return 0;
}

bool
sie_debug_enabled (void)
{
  return debug_on;
}

/* Days since 1970-01-01 to a proleptic Gregorian date (the civil-from-days
 * algorithm over 400-year eras). */
static void
civil_from_days (long long z, int *y, int *m, int *d)
{
  z += 719468;
  long long era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = (unsigned) (z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  *d = (int) (doy - (153 * mp + 2) / 5 + 1);
  *m = (int) (mp < 10 ? mp + 3 : mp - 9);
  *y = (int) (yoe + era * 400 + (*m <= 2));
}

void
sie_rfc3339_format (char *buf, size_t len, long long secs, long nsecs)
{
  long long days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  long long rem = secs - days * 86400;
  int y, m, d;

  civil_from_days (days, &y, &m, &d);
  snprintf (buf, len, "%04d-%02d-%02dT%02lld:%02lld:%02lld.%09ldZ", y, m, d, rem / 3600,
            rem / 60 % 60, rem % 60, nsecs);
}

void
sie_rfc3339_now (char *buf, size_t len)
{
  struct timespec ts;

  /* Not gmtime_r or strftime: glibc's first call to either loads the time
   * zone database, only to print UTC. */
  clock_gettime (CLOCK_REALTIME, &ts);
  sie_rfc3339_format (buf, len, (long long) ts.tv_sec, ts.tv_nsec);
}

/* One JSON object per line, the shape runc's logrus writer produces. */
static void
write_json_line (const char *level, const char *msg)
{
  char now[64];
  const unsigned char *buf;
  size_t len;
  yajl_gen g = yajl_gen_alloc (NULL);

  if (g == NULL)
    return;
  sie_rfc3339_now (now, sizeof now);
  yajl_gen_map_open (g);
  yajl_gen_string (g, (const unsigned char *) "level", 5);
  yajl_gen_string (g, (const unsigned char *) level, strlen (level));
  yajl_gen_string (g, (const unsigned char *) "msg", 3);
  yajl_gen_string (g, (const unsigned char *) msg, strlen (msg));
  yajl_gen_string (g, (const unsigned char *) "time", 4);
  yajl_gen_string (g, (const unsigned char *) now, strlen (now));
  yajl_gen_map_close (g);
  if (yajl_gen_get_buf (g, &buf, &len) == yajl_gen_status_ok)
    {
      /* One write per line keeps concurrent writers from interleaving. */
      char *line = malloc (len + 1);
      if (line)
        {
          memcpy (line, buf, len);
          line[len] = '\n';
          if (write (log_fd, line, len + 1) < 0)
            { /* nowhere left to report it */ }
          free (line);
        }
    }
  yajl_gen_free (g);
}

static void
write_log (const char *level, const char *msg)
{
  char now[64], *line = NULL;
  int n;

  if (log_fd < 0 && log_path)
    log_fd = open (log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (log_fd < 0)
    return;
  if (log_format == SIE_LOG_JSON)
    {
      write_json_line (level, msg);
      return;
    }
  sie_rfc3339_now (now, sizeof now);
  n = asprintf (&line, "%s %s: %s\n", now, level, msg);
  if (n > 0 && write (log_fd, line, n) < 0)
    { /* nowhere left to report it */ }
  free (line);
}

void
sie_log_error (const char *msg)
{
  fprintf (stderr, "sie: %s\n", msg);
  write_log ("error", msg);
}

static void
vlog (const char *level, bool to_stderr, const char *fmt, va_list ap)
{
  char *msg = NULL;
  if (vasprintf (&msg, fmt, ap) < 0)
    return;
  if (to_stderr)
    fprintf (stderr, "sie: %s: %s\n", level, msg);
  write_log (level, msg);
  free (msg);
}

void
sie_log_warning (const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  vlog ("warning", true, fmt, ap);
  va_end (ap);
}

void
sie_debug (const char *fmt, ...)
{
  va_list ap;
  if (!debug_on)
    return;
  va_start (ap, fmt);
  vlog ("debug", true, fmt, ap);
  va_end (ap);
}
