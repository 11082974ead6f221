/* Durations on the command line: an integer with a unit, "500ms", "30s",
 * "2m", "1h" ("us" too); a bare number is refused, so nobody mistakes
 * seconds for milliseconds. */
#ifndef SIE_DURATION_H
#define SIE_DURATION_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

/* flag names the option in errors ("--max-quiesce 5x: ..."). */
int sie_parse_duration (const char *flag, const char *s, uint64_t *usec, sie_error_t *err);

/* "1.250 s", "35.2 ms", "800 us": for people. */
void sie_format_duration (uint64_t usec, char *buf, size_t len);

#endif
