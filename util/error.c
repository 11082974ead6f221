#include "error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *
vformat (const char *fmt, va_list ap)
{
  char *s = NULL;
  if (vasprintf (&s, fmt, ap) < 0)
    return NULL;
  return s;
}

int
sie_error (sie_error_t *err, int errno_, const char *fmt, ...)
{
  va_list ap;
  char *msg, *full = NULL;

  if (err == NULL)
    return -1;
  /* A second error on the same path keeps the first: it is the cause. */
  if (*err != NULL)
    return -1;

  va_start (ap, fmt);
  msg = vformat (fmt, ap);
  va_end (ap);

  if (msg && errno_ != 0 && asprintf (&full, "%s: %s", msg, strerror (errno_)) >= 0)
    {
      free (msg);
      msg = full;
    }

  *err = calloc (1, sizeof (**err));
  if (*err == NULL)
    {
      free (msg);
      return -1;
    }
  (*err)->status = errno_;
  (*err)->msg = msg ? msg : strdup ("out of memory");
  return -1;
}

int
sie_error_prefix (sie_error_t *err, const char *fmt, ...)
{
  va_list ap;
  char *prefix, *full = NULL;

  if (err == NULL || *err == NULL)
    return -1;

  va_start (ap, fmt);
  prefix = vformat (fmt, ap);
  va_end (ap);
  if (prefix == NULL)
    return -1;

  if (asprintf (&full, "%s: %s", prefix, (*err)->msg) >= 0)
    {
      free ((*err)->msg);
      (*err)->msg = full;
    }
  free (prefix);
  return -1;
}

void
sie_error_release (sie_error_t *err)
{
  if (err == NULL || *err == NULL)
    return;
  free ((*err)->msg);
  free (*err);
  *err = NULL;
}
