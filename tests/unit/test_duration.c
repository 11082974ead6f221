/* sie_parse_duration and sie_format_duration: every unit, and the inputs
 * that must be refused (bare numbers above all). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "relocate/duration.h"
#include "tests/unit/tap.h"

static void
test_good (void)
{
  static const struct
  {
    const char *in;
    uint64_t usec;
  } cases[] = {
    { "0s", 0 },
    { "1us", 1 },
    { "750us", 750 },
    { "500ms", 500000 },
    { "30s", 30000000 },
    { "2m", 120000000 },
    { "1h", 3600000000ull },
    { "007ms", 7000 },
    { "18446744073709551615us", UINT64_MAX },
  };

  for (size_t i = 0; i < sizeof (cases) / sizeof (cases[0]); i++)
    {
      sie_error_t err = NULL;
      uint64_t usec = 12345;
      int r = sie_parse_duration ("--max-quiesce", cases[i].in, &usec, &err);
      ok (r == 0 && err == NULL && usec == cases[i].usec, "\"%s\" is %" PRIu64 " us (got %" PRIu64 ")",
          cases[i].in, cases[i].usec, usec);
      sie_error_release (&err);
    }
}

static void
test_bad (void)
{
  static const char *cases[] = {
    "",     "5",     "30",   "5x",  "5sec", "5 s", " 5s", "5s ", "-5s", "+5s",
    "s",    "ms",    "1.5s", "5S",  "5Ms",  "5mm", "0x5s", "5s5", "5m s",
  };

  for (size_t i = 0; i < sizeof (cases) / sizeof (cases[0]); i++)
    {
      sie_error_t err = NULL;
      uint64_t usec = 12345;
      int r = sie_parse_duration ("--max-quiesce", cases[i], &usec, &err);
      ok (r < 0 && err && usec == 12345, "\"%s\" is refused: %s", cases[i], err ? err->msg : "");
      sie_error_release (&err);
    }
}

static void
test_messages (void)
{
  sie_error_t err = NULL;
  uint64_t usec;

  sie_parse_duration ("--max-quiesce", "5x", &usec, &err);
  is_str (err ? err->msg : NULL, "--max-quiesce 5x: expected a duration such as 500ms, 30s or 2m",
          "an unknown unit names the flag and shows examples");
  sie_error_release (&err);

  sie_parse_duration ("--max-quiesce", "30", &usec, &err);
  ok (err && strstr (err->msg, "--max-quiesce 30:") && strstr (err->msg, "500ms"),
      "a bare number is refused with the same hint: %s", err ? err->msg : "");
  sie_error_release (&err);

  ok (sie_parse_duration ("--t", "18446744073709551616us", &usec, &err) < 0 && err
          && strstr (err->msg, "too large"),
      "a number past 64 bits overflows: %s", err ? err->msg : "");
  sie_error_release (&err);

  ok (sie_parse_duration ("--t", "5124095577h", &usec, &err) < 0 && err
          && strstr (err->msg, "too large"),
      "a number that overflows once scaled: %s", err ? err->msg : "");
  sie_error_release (&err);
}

static void
test_format (void)
{
  static const struct
  {
    uint64_t usec;
    const char *out;
  } cases[] = {
    { 0, "0 us" },           { 800, "800 us" },        { 999, "999 us" },
    { 1000, "1.0 ms" },      { 35200, "35.2 ms" },     { 999900, "999.9 ms" },
    { 1000000, "1.000 s" },  { 1250000, "1.250 s" },   { 120000000, "120.000 s" },
  };
  char buf[32];

  for (size_t i = 0; i < sizeof (cases) / sizeof (cases[0]); i++)
    {
      sie_format_duration (cases[i].usec, buf, sizeof (buf));
      is_str (buf, cases[i].out, "format %" PRIu64 " us", cases[i].usec);
    }

  memset (buf, 'x', sizeof (buf));
  sie_format_duration (1250000, buf, 4);
  is_str (buf, "1.2", "a short buffer is truncated and terminated");
}

int
main (void)
{
  test_good ();
  test_bad ();
  test_messages ();
  test_format ();
  return tap_done ();
}
