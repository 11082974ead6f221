/* sie_exec_apply_overrides: runc's exec flags applied to a process
 * description (args, env, user, gids, capabilities, tty, labels). */
#include <stdlib.h>
#include <string.h>

#include "runtime/exec_process.h"
#include "spec/config.h"
#include "tests/unit/tap.h"
#include "util/cleanup.h"

static const char *
msg (sie_error_t e)
{
  return e ? e->msg : "(no error)";
}

static const char BASE[]
    = "{\"terminal\": true, \"consoleSize\": {\"height\": 10, \"width\": 20},"
      " \"user\": {\"uid\": 5, \"gid\": 6, \"additionalGids\": [7]},"
      " \"args\": [\"sleep\", \"1000\"], \"env\": [\"PATH=/bin\", \"A=1\", \"AB=2\"], \"cwd\": \"/\","
      " \"capabilities\": {\"bounding\": [\"CAP_KILL\"], \"effective\": [\"CAP_KILL\"],"
      " \"permitted\": [\"CAP_KILL\"]}}";

static struct sie_process *
parse (const char *json)
{
  struct sie_process *p = NULL;
  sie_error_t err = NULL;

  if (sie_process_parse (json, strlen (json), "test", &p, &err) < 0)
    {
      fprintf (stderr, "# parse failed: %s\n", msg (err));
      sie_error_release (&err);
      abort ();
    }
  return p;
}

/* Applies ov to a fresh copy of BASE; returns the result of the call. */
static int
apply (const struct sie_exec_overrides *ov, struct sie_process **out, sie_error_t *err)
{
  *out = parse (BASE);
  return sie_exec_apply_overrides (*out, ov, err);
}

static size_t
strv_count (char **v, const char *s)
{
  size_t n = 0;
  for (; v && *v; v++)
    n += strcmp (*v, s) == 0;
  return n;
}

static size_t
strv_len (char **v)
{
  size_t n = 0;
  while (v && v[n])
    n++;
  return n;
}

static void
test_args (void)
{
  char *args[] = { "sh", "-c", "echo hi", NULL };
  struct sie_exec_overrides ov = { .args = args };
  sie_error_t err = NULL;
  struct sie_process *p;

  ok (apply (&ov, &p, &err) == 0, "args: applied (%s)", msg (err));
  ok (p->n_args == 3 && strv_len (p->args) == 3, "args: three of them");
  is_str (p->args[2], "echo hi", "args: replaced in order");
  sie_process_free (p);

  struct sie_exec_overrides none = { 0 };
  ok (apply (&none, &p, &err) == 0 && p->n_args == 2, "args: none given keeps the process's");
  is_str (p->args[0], "sleep", "args: unchanged");
  sie_process_free (p);

  char *empty[] = { NULL };
  struct sie_exec_overrides ov2 = { .args = empty };
  ok (apply (&ov2, &p, &err) == 0 && p->n_args == 2, "args: an empty list keeps the process's");
  sie_process_free (p);
}

static void
test_env (void)
{
  char *env[] = { "A=replaced", "NEW=x", "EMPTY=", NULL };
  struct sie_exec_overrides ov = { .env = env };
  sie_error_t err = NULL;
  struct sie_process *p;

  ok (apply (&ov, &p, &err) == 0, "env: applied (%s)", msg (err));
  ok (strv_count (p->env, "A=replaced") == 1 && strv_count (p->env, "A=1") == 0,
      "env: an existing name is replaced, once");
  ok (strv_count (p->env, "AB=2") == 1, "env: a name sharing a prefix is untouched");
  ok (strv_count (p->env, "NEW=x") == 1 && strv_count (p->env, "EMPTY=") == 1,
      "env: new names are added");
  ok (p->n_env == 5 && strv_len (p->env) == 5, "env: n_env follows the list");
  sie_process_free (p);

  const char *bad[] = { "NOEQUALS", "=value" };
  for (size_t i = 0; i < ARRAY_SIZE (bad); i++)
    {
      char *e[] = { (char *) bad[i], NULL };
      struct sie_exec_overrides o = { .env = e };
      ok (apply (&o, &p, &err) < 0 && strstr (msg (err), bad[i]) && strstr (msg (err), "--env"),
          "env: \"%s\" is refused naming it: %s", bad[i], msg (err));
      sie_error_release (&err);
      sie_process_free (p);
    }
}

static void
test_user (void)
{
  sie_error_t err = NULL;
  struct sie_process *p;

  struct sie_exec_overrides both = { .user = "1000:1001" };
  ok (apply (&both, &p, &err) == 0 && p->user.uid == 1000 && p->user.gid == 1001,
      "user: uid:gid (%s)", msg (err));
  sie_process_free (p);

  struct sie_exec_overrides uid_only = { .user = "0" };
  ok (apply (&uid_only, &p, &err) == 0 && p->user.uid == 0 && p->user.gid == 6,
      "user: uid alone keeps the process's gid");
  sie_process_free (p);

  struct sie_exec_overrides max = { .user = "4294967294:4294967294" };
  ok (apply (&max, &p, &err) == 0 && p->user.uid == 4294967294u,
      "user: the largest valid id is accepted");
  sie_process_free (p);

  const char *bad[] = { "", "abc", "1000:", ":1000", "1000:x", "-1", "+5", " 7", "1.5",
                        "1000:1001:5", "4294967295", "99999999999", "1000 " };
  for (size_t i = 0; i < ARRAY_SIZE (bad); i++)
    {
      struct sie_exec_overrides o = { .user = bad[i] };
      ok (apply (&o, &p, &err) < 0 && strstr (msg (err), "--user"),
          "user: \"%s\" is refused: %s", bad[i], msg (err));
      sie_error_release (&err);
      sie_process_free (p);
    }
}

static void
test_gids (void)
{
  char *gids[] = { "20", "30", NULL };
  struct sie_exec_overrides ov = { .additional_gids = gids };
  sie_error_t err = NULL;
  struct sie_process *p;

  ok (apply (&ov, &p, &err) == 0, "gids: applied (%s)", msg (err));
  ok (p->user.n_additional_gids == 3 && p->user.additional_gids[0] == 7
          && p->user.additional_gids[1] == 20 && p->user.additional_gids[2] == 30,
      "gids: added after the process's own");
  sie_process_free (p);

  const char *bad[] = { "x", "5:3", "-1", "" };
  for (size_t i = 0; i < ARRAY_SIZE (bad); i++)
    {
      char *g[] = { (char *) bad[i], NULL };
      struct sie_exec_overrides o = { .additional_gids = g };
      ok (apply (&o, &p, &err) < 0 && strstr (msg (err), "--additional-gids"),
          "gids: \"%s\" is refused: %s", bad[i], msg (err));
      sie_error_release (&err);
      sie_process_free (p);
    }
}

static void
test_caps (void)
{
  char *caps[] = { "CAP_SYS_ADMIN", NULL };
  struct sie_exec_overrides ov = { .caps = caps };
  sie_error_t err = NULL;
  struct sie_process *p;
  struct sie_capabilities *c;

  ok (apply (&ov, &p, &err) == 0, "caps: applied (%s)", msg (err));
  c = p->capabilities;
  ok (strv_count (c->bounding, "CAP_SYS_ADMIN") == 1 && strv_count (c->effective, "CAP_SYS_ADMIN") == 1
          && strv_count (c->permitted, "CAP_SYS_ADMIN") == 1,
      "caps: added to bounding, effective and permitted");
  ok (strv_count (c->bounding, "CAP_KILL") == 1, "caps: the process's own stay");
  ok (c->ambient == NULL && c->inheritable == NULL,
      "caps: not ambient when the process has no inheritable set");
  sie_process_free (p);

  p = parse ("{\"cwd\": \"/\", \"args\": [\"x\"], \"capabilities\": {\"inheritable\": [\"CAP_KILL\"]}}");
  ok (sie_exec_apply_overrides (p, &ov, &err) == 0, "caps: with inheritable (%s)", msg (err));
  c = p->capabilities;
  ok (strv_count (c->ambient, "CAP_SYS_ADMIN") == 1, "caps: ambient too when inheritable is set");
  ok (strv_count (c->inheritable, "CAP_SYS_ADMIN") == 0, "caps: inheritable itself unchanged, as runc");
  sie_process_free (p);

  p = parse ("{\"cwd\": \"/\", \"args\": [\"x\"]}");
  ok (sie_exec_apply_overrides (p, &ov, &err) == 0 && p->capabilities
          && strv_count (p->capabilities->bounding, "CAP_SYS_ADMIN") == 1,
      "caps: a process without capabilities gets the sets");
  sie_process_free (p);
}

static void
test_tty_and_flags (void)
{
  sie_error_t err = NULL;
  struct sie_process *p;

  struct sie_exec_overrides none = { 0 };
  ok (apply (&none, &p, &err) == 0 && !p->terminal,
      "tty: the container's terminal is not copied without -t");
  sie_process_free (p);

  struct sie_exec_overrides t = { .tty = true };
  ok (apply (&t, &p, &err) == 0 && p->terminal, "tty: -t sets it");
  sie_process_free (p);

  struct sie_exec_overrides from_file = { .process_file = "process.json" };
  ok (apply (&from_file, &p, &err) == 0 && p->terminal, "tty: -p keeps process.json's terminal");
  sie_process_free (p);

  struct sie_exec_overrides win = { .tty = true, .console_rows = 37, .console_cols = 91 };
  ok (apply (&win, &p, &err) == 0 && p->has_console_size && p->console_height == 37
          && p->console_width == 91,
      "tty: the caller's window becomes the console size");
  sie_process_free (p);
  ok (apply (&t, &p, &err) == 0 && p->console_height == 10 && p->console_width == 20,
      "tty: without a caller's window, consoleSize stays");
  sie_process_free (p);

  struct sie_exec_overrides flags = { .cwd = "/srv", .no_new_privs = true, .apparmor = "prof",
                                      .process_label = "system_u:r:t:s0" };
  ok (apply (&flags, &p, &err) == 0, "flags: applied (%s)", msg (err));
  is_str (p->cwd, "/srv", "flags: --cwd");
  ok (p->no_new_privileges, "flags: --no-new-privs");
  is_str (p->apparmor_profile, "prof", "flags: --apparmor");
  is_str (p->selinux_label, "system_u:r:t:s0", "flags: --process-label");
  sie_process_free (p);
}

int
main (void)
{
  test_args ();
  test_env ();
  test_user ();
  test_gids ();
  test_caps ();
  test_tty_and_flags ();
  return tap_done ();
}
