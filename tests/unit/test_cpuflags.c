/* CPU flag sets (relocate/cpuflags.c): parsing /proc/cpuinfo on x86,
 * arm64 and s390x, the set operations the eligibility check uses, and
 * the formatter that names missing flags. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "relocate/cpuflags.h"
#include "tests/unit/tap.h"

/* The set as one string, for comparisons; "(error: ...)" on failure. */
static char *
show (const struct sie_cpuflags *f)
{
  sie_error_t err = NULL;
  char *s = NULL;

  if (sie_cpuflags_format (f, &s, &err) < 0)
    {
      if (asprintf (&s, "(error: %s)", err->msg) < 0)
        s = NULL;
      sie_error_release (&err);
    }
  return s;
}

static void
is_set (const struct sie_cpuflags *f, const char *want, const char *what)
{
  char *s = show (f);
  is_str (s, want, "%s", what);
  free (s);
}

static void
test_line (void)
{
  struct sie_cpuflags f = { 0 };
  sie_error_t err = NULL;

  ok (sie_cpuflags_parse_line ("sse2 fpu  avx2\tsse2 vme\n", &f, &err) == 0, "a line parses");
  is_set (&f, "avx2 fpu sse2 vme", "sorted, each name once, any blanks between");
  ok (f.n == 4, "four names (got %zu)", f.n);
  sie_cpuflags_release (&f);

  ok (sie_cpuflags_parse_line ("flags\t\t: fpu vme de", &f, &err) == 0, "a labelled line parses");
  is_set (&f, "de fpu vme", "the \"flags :\" label is not a flag");
  sie_cpuflags_release (&f);

  ok (sie_cpuflags_parse_line ("   ", &f, &err) == 0 && f.n == 0, "a blank line is the empty set");
  is_set (&f, "", "the empty set formats as \"\"");
  sie_cpuflags_release (&f);

  ok (sie_cpuflags_parse_line ("flags : fpu a:b", &f, &err) < 0 && err
          && strstr (err->msg, "unexpected ':'"),
      "a second ':' is refused: %s", err ? err->msg : "");
  ok (f.v == NULL && f.n == 0, "nothing is handed out on failure");
  sie_error_release (&err);
}

static void
test_names (void)
{
  const char *good[] = { "sse4_2", "avx2", "fpu", "avx2" };
  const char *bad[] = { "fpu", "two words" };
  const char *empty[] = { "" };
  struct sie_cpuflags f = { 0 };
  sie_error_t err = NULL;

  ok (sie_cpuflags_from_names (good, 4, &f, &err) == 0, "names parse");
  is_set (&f, "avx2 fpu sse4_2", "names are sorted and deduplicated");
  sie_cpuflags_release (&f);

  ok (sie_cpuflags_from_names (good, 0, &f, &err) == 0 && f.n == 0, "no names: the empty set");
  sie_cpuflags_release (&f);

  ok (sie_cpuflags_from_names (bad, 2, &f, &err) < 0 && err && strstr (err->msg, "\"two words\""),
      "a name with a blank is refused, naming it: %s", err ? err->msg : "");
  sie_error_release (&err);
  ok (sie_cpuflags_from_names (empty, 1, &f, &err) < 0 && err, "an empty name is refused");
  sie_error_release (&err);
}

static const char x86[] = "processor\t: 0\n"
                          "vendor_id\t: GenuineIntel\n"
                          "model name\t: Some CPU @ 2.00GHz\n"
                          "vmx flags\t: vnmi preemption_timer\n"
                          "flags\t\t: fpu vme de pse tsc sse4_2 avx2\n"
                          "bugs\t\t: spectre_v1\n"
                          "\n"
                          "processor\t: 1\n"
                          "flags\t\t: fpu\n";

static const char arm64[] = "processor\t: 0\n"
                            "BogoMIPS\t: 50.00\n"
                            "Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics\n"
                            "CPU implementer\t: 0x41\n";

static const char s390x[] = "vendor_id       : IBM/S390\n"
                            "# processors    : 2\n"
                            "features\t: esan3 zarch stfle msa ldisp eimm dfp edat etf3eh highgprs te vx\n";

static void
test_cpuinfo (void)
{
  struct sie_cpuflags f = { 0 };
  sie_error_t err = NULL;

  ok (sie_cpuflags_parse_cpuinfo (x86, "x86", &f, &err) == 0, "x86 cpuinfo parses");
  is_set (&f, "avx2 de fpu pse sse4_2 tsc vme", "the first CPU's flags line, not \"vmx flags\"");
  sie_cpuflags_release (&f);

  ok (sie_cpuflags_parse_cpuinfo (arm64, "arm64", &f, &err) == 0, "arm64 cpuinfo parses");
  ok (f.n == 9 && sie_cpuflags_has (&f, "asimd") && sie_cpuflags_has (&f, "atomics"),
      "arm64: the Features line (%zu names)", f.n);
  sie_cpuflags_release (&f);

  ok (sie_cpuflags_parse_cpuinfo (s390x, "s390x", &f, &err) == 0 && sie_cpuflags_has (&f, "vx"),
      "s390x: the features line");
  sie_cpuflags_release (&f);

  ok (sie_cpuflags_parse_cpuinfo ("processor : 0\nflags\t\t:\n", "bare", &f, &err) == 0 && f.n == 0,
      "an empty flags line at the end is the empty set");
  sie_cpuflags_release (&f);

  ok (sie_cpuflags_parse_cpuinfo ("processor\t: 0\nmodel name\t: x\n", "/proc/cpuinfo", &f, &err) < 0
          && err,
      "no flags line is an error");
  is_str (err ? err->msg : NULL, "/proc/cpuinfo: no flags (or Features) line",
          "the error names the file");
  sie_error_release (&err);
}

static void
test_read (void)
{
  char path[] = "/tmp/test_cpuflags.XXXXXX";
  struct sie_cpuflags f = { 0 };
  sie_error_t err = NULL;
  int fd = mkstemp (path);

  ok (fd >= 0 && write (fd, x86, strlen (x86)) == (ssize_t) strlen (x86), "a cpuinfo file is written");
  if (fd >= 0)
    close (fd);
  ok (sie_cpuflags_read (path, &f, &err) == 0, "it reads");
  is_set (&f, "avx2 de fpu pse sse4_2 tsc vme", "reading a file gives what parsing its text gives");
  sie_cpuflags_release (&f);
  unlink (path);

  ok (sie_cpuflags_read (path, &f, &err) < 0 && err && strstr (err->msg, path),
      "a missing file is an error naming it: %s", err ? err->msg : "");
  sie_error_release (&err);

  ok (sie_cpuflags_read (SIE_CPUINFO, &f, &err) == 0 && f.n > 0,
      "this host's flags: %zu of them", f.n);
  sie_error_release (&err);
  sie_cpuflags_release (&f);
}

static void
test_sets (void)
{
  struct sie_cpuflags a = { 0 }, b = { 0 }, e = { 0 }, r = { 0 };
  sie_error_t err = NULL;

  sie_cpuflags_parse_line ("fpu vme sse4_2 avx2 avx512f", &a, &err);
  sie_cpuflags_parse_line ("fpu sse2 vme avx2 xsave", &b, &err);
  sie_cpuflags_parse_line ("", &e, &err);

  ok (sie_cpuflags_has (&a, "avx2") && !sie_cpuflags_has (&a, "sse2") && !sie_cpuflags_has (&e, "fpu"),
      "membership");

  ok (sie_cpuflags_intersect (&a, &b, &r, &err) == 0, "intersection");
  is_set (&r, "avx2 fpu vme", "a ∩ b");
  sie_cpuflags_release (&r);

  ok (sie_cpuflags_diff (&a, &b, &r, &err) == 0, "difference");
  is_set (&r, "avx512f sse4_2", "a − b: what a has and b lacks");
  sie_cpuflags_release (&r);

  sie_cpuflags_diff (&b, &a, &r, &err);
  is_set (&r, "sse2 xsave", "b − a");
  sie_cpuflags_release (&r);

  sie_cpuflags_diff (&a, &a, &r, &err);
  ok (r.n == 0, "a − a is empty");
  sie_cpuflags_release (&r);

  sie_cpuflags_diff (&a, &e, &r, &err);
  is_set (&r, "avx2 avx512f fpu sse4_2 vme", "a − ∅ is a");
  sie_cpuflags_release (&r);

  sie_cpuflags_diff (&e, &a, &r, &err);
  ok (r.n == 0, "∅ − a is empty");
  sie_cpuflags_release (&r);

  sie_cpuflags_intersect (&a, &e, &r, &err);
  ok (r.n == 0, "a ∩ ∅ is empty");
  sie_cpuflags_release (&r);

  ok (err == NULL, "no operation failed");
  sie_cpuflags_release (&a);
  sie_cpuflags_release (&b);
  sie_cpuflags_release (&e);
}

int
main (void)
{
  test_line ();
  test_names ();
  test_cpuinfo ();
  test_read ();
  test_sets ();
  return tap_done ();
}
