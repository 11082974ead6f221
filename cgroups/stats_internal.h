/* Shared by cgroups/stats.c (readers) and cgroups/stats_parse.c (parsers). */
#ifndef SIE_STATS_INTERNAL_H
#define SIE_STATS_INTERNAL_H

#include <stddef.h>

#include "util/error.h"

/* Arrays grow in powers of two from 4, so the capacity follows from n. */
int sie_stats_grow (void **v, size_t n, size_t elem, sie_error_t *err);

#endif
