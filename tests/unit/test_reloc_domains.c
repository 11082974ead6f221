/* Relocation domains files (relocate/domains.c): the ceiling is what every
 * member has, membership is HOST:PORT exactly, and every mistake in the
 * file is one line naming the file, the JSON path and the cause. */
#include <stdlib.h>
#include <string.h>

#include "relocate/domains.h"
#include "tests/unit/tap.h"

static const char good[] =
    "{\"domains\": {\n"
    "  \"rack1\": {\"members\": {\n"
    "    \"10.0.0.1:27200\": \"flags\\t\\t: fpu vme sse4_2 avx2 avx512f\",\n"
    "    \"hostb:27200\": [\"fpu\", \"vme\", \"sse4_2\", \"avx2\"],\n"
    "    \"[fd00::3]:27200\": \"fpu vme sse4_2 avx2 xsave\"}},\n"
    "  \"solo\": {\"members\": {\"10.0.0.9:1\": \"fpu\"}, \"comment\": \"extra keys are allowed\"}\n"
    "}}\n";

static struct sie_reloc_domain *
parse (const char *json, const char *name, sie_error_t *err)
{
  struct sie_reloc_domain *d = NULL;

  if (sie_reloc_domain_parse (json, strlen (json), "domains.json", name, &d, err) < 0)
    return NULL;
  return d;
}

static void
test_good (void)
{
  sie_error_t err = NULL;
  struct sie_reloc_domain *d = parse (good, "rack1", &err);
  char *s = NULL;

  ok (d != NULL, "a good file parses%s%s", err ? ": " : "", err ? err->msg : "");
  if (d == NULL)
    {
      sie_error_release (&err);
      return;
    }
  is_str (d->name, "rack1", "the domain asked for");
  ok (d->n_members == 3, "three members (got %zu)", d->n_members);
  sie_cpuflags_format (&d->ceiling, &s, &err);
  is_str (s, "avx2 fpu sse4_2 vme", "the ceiling is what every member has");
  free (s);
  ok (sie_reloc_domain_has_member (d, "hostb:27200") && sie_reloc_domain_has_member (d, "[fd00::3]:27200"),
      "members are found by HOST:PORT");
  ok (!sie_reloc_domain_has_member (d, "hostb") && !sie_reloc_domain_has_member (d, "HOSTB:27200")
          && !sie_reloc_domain_has_member (d, "10.0.0.1:27201"),
      "anything else is not a member");
  sie_reloc_domain_format_members (d, &s, &err);
  is_str (s, "10.0.0.1:27200, hostb:27200, [fd00::3]:27200", "members are listed in the file's order");
  free (s);
  sie_reloc_domain_free (d);

  d = parse (good, "solo", &err);
  ok (d && d->n_members == 1 && d->ceiling.n == 1, "a one-member domain: its ceiling is its flags");
  sie_reloc_domain_free (d);
  sie_error_release (&err);
}

static void
test_bad (void)
{
  static const struct
  {
    const char *json, *name, *want;
  } cases[] = {
    { "{\"domains\": {\"rack1\": {\"members\": {\"h:1\": \"fpu\"}}}}", "rack9",
      "domains.json: no relocation domain \"rack9\" (it defines rack1)" },
    { "{\"domains\": {}}", "rack1", "domains.json: no relocation domain \"rack1\" (it defines none)" },
    { "{\"domains\": {\"rack1\": {\"members\": {\"h:1\": \"fpu\"}}", "rack1",
      "domains.json: line 1, column 50: " },
    { "", "rack1", "domains.json: empty document" },
    { "[]", "rack1", "domains.json: expected an object, got []" },
    { "{}", "rack1", "domains.json: domains: missing required field" },
    { "{\"domains\": {\"rack1\": {}}}", "rack1", "domains.json: domains.rack1.members: missing required field" },
    { "{\"domains\": {\"rack1\": {\"members\": {}}}}", "rack1",
      "domains.json: domains.rack1.members: a domain needs at least one member" },
    { "{\"domains\": {\"rack1\": {\"members\": [\"h:1\"]}}}", "rack1",
      "domains.json: domains.rack1.members: expected an object, got [\"h:1\"]" },
    { "{\"domains\": {\"rack1\": {\"members\": {\"hostb\": \"fpu\"}}}}", "rack1",
      "domains.json: domains.rack1.members.hostb: a member is HOST:PORT, as sie relocate is given the destination" },
    { "{\"domains\": {\"rack1\": {\"members\": {\"h:1\": 5}}}}", "rack1",
      "domains.json: domains.rack1.members[\"h:1\"]: expected a flags line or an array of flag names, got 5" },
    { "{\"domains\": {\"rack1\": {\"members\": {\"h:1\": \"  \"}}}}", "rack1",
      "domains.json: domains.rack1.members[\"h:1\"]: no CPU flags" },
    { "{\"domains\": {\"rack1\": {\"members\": {\"h:1\": [\"fpu\", 7]}}}}", "rack1",
      "domains.json: domains.rack1.members[\"h:1\"][1]: expected a string, got 7" },
    { "{\"domains\": {\"rack1\": {\"members\": {\"h:1\": [\"a b\"]}}}}", "rack1",
      "domains.json: domains.rack1.members[\"h:1\"]: CPU flags: \"a b\" is not a flag name" },
    /* a mistake in another domain is still a mistake in the file */
    { "{\"domains\": {\"ok\": {\"members\": {\"h:1\": \"fpu\"}}, \"broken\": {\"members\": {}}}}", "ok",
      "domains.json: domains.broken.members: a domain needs at least one member" },
  };

  for (size_t i = 0; i < sizeof (cases) / sizeof (cases[0]); i++)
    {
      sie_error_t err = NULL;
      struct sie_reloc_domain *d = parse (cases[i].json, cases[i].name, &err);
      const char *msg = err ? err->msg : NULL;

      ok (d == NULL && msg && strncmp (msg, cases[i].want, strlen (cases[i].want)) == 0
              && strchr (msg, '\n') == NULL,
          "refused in one line: %s", msg ? msg : "(accepted)");
      if (msg && strncmp (msg, cases[i].want, strlen (cases[i].want)) != 0)
        printf ("#   want: %s\n", cases[i].want);
      sie_reloc_domain_free (d);
      sie_error_release (&err);
    }
}

static void
test_load (void)
{
  sie_error_t err = NULL;
  struct sie_reloc_domain *d = NULL;

  ok (sie_reloc_domain_load ("/nonexistent/relocation-domains.json", "rack1", &d, &err) < 0 && d == NULL,
      "a missing file is an error");
  is_str (err ? err->msg : NULL,
          "relocation domain rack1: open /nonexistent/relocation-domains.json: No such file or directory",
          "naming the domain, the file and the cause");
  sie_error_release (&err);
}

int
main (void)
{
  test_good ();
  test_bad ();
  test_load ();
  return tap_done ();
}
