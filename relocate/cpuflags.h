/* CPU feature flags as the kernel lists them in /proc/cpuinfo ("flags" on
 * x86, "Features" on arm64, "features" on s390x), held as a sorted set of
 * names so that two hosts can be compared by name: what one has and the
 * other lacks is what a relocation has to name. */
#ifndef SIE_RELOCATE_CPUFLAGS_H
#define SIE_RELOCATE_CPUFLAGS_H

#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"

#define SIE_CPUINFO "/proc/cpuinfo"

/* Sorted by strcmp, without repetitions; each name malloc'd. */
struct sie_cpuflags
{
  char **v;
  size_t n;
};

void sie_cpuflags_release (struct sie_cpuflags *f);

static inline void
sie_cpuflags_releasep (struct sie_cpuflags *f)
{
  sie_cpuflags_release (f);
}
#define cleanup_cpuflags __attribute__ ((cleanup (sie_cpuflags_releasep)))

/* The names of a flags line: words separated by blanks, optionally after
 * a "flags :" label as /proc/cpuinfo writes it.  An empty line is an empty
 * set. */
int sie_cpuflags_parse_line (const char *line, struct sie_cpuflags *out, sie_error_t *err);

/* The same from separate names (a JSON array); a name holding a blank or
 * ':' is refused, naming it. */
int sie_cpuflags_from_names (const char *const *names, size_t n, struct sie_cpuflags *out,
                             sie_error_t *err);

/* The first flags line of a /proc/cpuinfo text (every CPU lists the same
 * ones).  `origin` names the text in errors. */
int sie_cpuflags_parse_cpuinfo (const char *text, const char *origin, struct sie_cpuflags *out,
                                sie_error_t *err);

/* This host's flags, read from path (SIE_CPUINFO). */
int sie_cpuflags_read (const char *path, struct sie_cpuflags *out, sie_error_t *err);

bool sie_cpuflags_has (const struct sie_cpuflags *f, const char *name);

/* a ∩ b, and a − b (what a has and b lacks), as new sets. */
int sie_cpuflags_intersect (const struct sie_cpuflags *a, const struct sie_cpuflags *b,
                            struct sie_cpuflags *out, sie_error_t *err);
int sie_cpuflags_diff (const struct sie_cpuflags *a, const struct sie_cpuflags *b,
                       struct sie_cpuflags *out, sie_error_t *err);

/* The names separated by single spaces ("" for the empty set). */
int sie_cpuflags_format (const struct sie_cpuflags *f, char **out, sie_error_t *err);

#endif
