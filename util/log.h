/* Diagnostics: errors always reach stderr as one line; with --log they are
 * also appended to the log file, as text or as runc's JSON lines (which
 * containerd's shim parses to report the cause of a failed create). */
#ifndef SIE_LOG_H
#define SIE_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum sie_log_format
{
  SIE_LOG_TEXT,
  SIE_LOG_JSON,
};

/* path may be NULL (stderr only). */
int sie_log_init (const char *path, enum sie_log_format format, bool debug);
void sie_log_error (const char *msg);
void sie_log_warning (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
void sie_debug (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
bool sie_debug_enabled (void);

/* An RFC 3339 UTC timestamp with nanoseconds, as runc writes them. */
void sie_rfc3339_now (char *buf, size_t len);
void sie_rfc3339_format (char *buf, size_t len, long long secs, long nsecs);

#endif
