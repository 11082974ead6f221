/* Minimal TAP producer for the C unit tests, so `prove` reads them beside
 * the bats suites.  Each check prints one "ok"/"not ok" line. */
#ifndef SIE_TAP_H
#define SIE_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

#define ok(cond, ...)                                                          \
  do                                                                           \
    {                                                                          \
      int ok_c_ = !!(cond);                                                    \
      tap_n++;                                                                 \
      printf ("%sok %d - ", ok_c_ ? "" : "not ", tap_n);                       \
      printf (__VA_ARGS__);                                                    \
      printf ("\n");                                                           \
      if (!ok_c_)                                                              \
        {                                                                      \
          tap_failed++;                                                        \
          printf ("#   failed at %s:%d: %s\n", __FILE__, __LINE__, #cond);     \
        }                                                                      \
    }                                                                          \
  while (0)

#define is_str(got, want, ...)                                                 \
  do                                                                           \
    {                                                                          \
      const char *g_ = (got), *w_ = (want);                                    \
      ok (g_ && w_ ? strcmp (g_, w_) == 0 : g_ == w_, __VA_ARGS__);            \
      if (!(g_ && w_ ? strcmp (g_, w_) == 0 : g_ == w_))                       \
        printf ("#   got:  %s\n#   want: %s\n", g_ ? g_ : "(null)",            \
                w_ ? w_ : "(null)");                                           \
    }                                                                          \
  while (0)

/* Call last: prints the plan and returns the exit status for main. */
static inline int
tap_done (void)
{
  printf ("1..%d\n", tap_n);
  return tap_failed ? 1 : 0;
}

#endif
