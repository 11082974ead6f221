/* Errors travel as an out-parameter; every fallible function returns a
 * negative value and fills *err once.  The caller either handles the error
 * (sie_error_release) or returns it upward, optionally prefixing context. */
#ifndef SIE_ERROR_H
#define SIE_ERROR_H

#include <stdarg.h>

struct sie_error_s
{
  int status; /* errno that caused it, or 0 */
  char *msg;  /* one line, no trailing newline */
};
typedef struct sie_error_s *sie_error_t;

/* Fills *err with the formatted message; when errno_ is non-zero, ": strerror"
 * is appended.  Always returns -1 so callers can `return sie_error (...)`. */
int sie_error (sie_error_t *err, int errno_, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

/* Prefixes "context: " to an existing error.  Returns -1. */
int sie_error_prefix (sie_error_t *err, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

void sie_error_release (sie_error_t *err);

#endif
