/* Pure logic of the lifecycle layer: signal names, container IDs and the
 * state file round trip. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/container_state.h"
#include "runtime/passwd.h"
#include "spec/config.h"
#include "runtime/statedir.h"
#include "tap.h"
#include "util/log.h"
#include "util/signals.h"

static void
test_signals (void)
{
  ok (sie_signal_parse ("KILL") == SIGKILL, "KILL");
  ok (sie_signal_parse ("SIGKILL") == SIGKILL, "SIGKILL");
  ok (sie_signal_parse ("sigterm") == SIGTERM, "sigterm, any case");
  ok (sie_signal_parse ("9") == 9, "a number");
  ok (sie_signal_parse ("usr1") == SIGUSR1, "usr1");
  ok (sie_signal_parse ("RTMIN") == SIGRTMIN, "RTMIN");
  ok (sie_signal_parse ("RTMIN+3") == SIGRTMIN + 3, "RTMIN+3");
  ok (sie_signal_parse ("SIGRTMAX-1") == SIGRTMAX - 1, "SIGRTMAX-1");
  ok (sie_signal_parse ("0") == -1, "0 is no signal");
  ok (sie_signal_parse ("65") == -1, "beyond NSIG");
  ok (sie_signal_parse ("9x") == -1, "trailing garbage");
  ok (sie_signal_parse ("NOPE") == -1, "unknown name");
  ok (sie_signal_parse ("") == -1, "empty");
  ok (sie_signal_parse ("RTMIN+99") == -1, "RTMIN offset out of range");
}

static void
expect_bad_id (const char *id, const char *why, const char *what)
{
  sie_error_t err = NULL;
  ok (sie_id_validate (id, &err) < 0 && err && strstr (err->msg, why), "rejects %s", what);
  if (err)
    printf ("#   %s\n", err->msg);
  sie_error_release (&err);
}

static void
test_ids (void)
{
  sie_error_t err = NULL;
  char long_id[SIE_ID_MAX + 2];

  ok (sie_id_validate ("web-1_a.b+c", &err) == 0, "letters, digits and _+.- pass");
  ok (sie_id_validate ("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", &err) == 0,
      "a 64-hex engine id passes");
  expect_bad_id ("", "must not be empty", "empty");
  expect_bad_id ("a/b", "only letters", "a slash");
  expect_bad_id ("..", "reserved", "..");
  expect_bad_id (".", "reserved", ".");
  expect_bad_id ("a b", "only letters", "a space");
  memset (long_id, 'a', sizeof long_id - 1);
  long_id[sizeof long_id - 1] = '\0';
  expect_bad_id (long_id, "longer than", "more than 255 characters");
  long_id[SIE_ID_MAX] = '\0';
  ok (sie_id_validate (long_id, &err) == 0, "exactly 255 characters pass");
}

static void
test_state_round_trip (void)
{
  char dir[] = "/tmp/sie-unit-XXXXXX";
  struct sie_container_state in = {
    .id = "c1", .pid = 4242, .pid_start = 123456789ULL, .bundle = "/b \"q\"", .rootfs = "/b/rootfs",
    .created = "2026-01-02T03:04:05.000000006Z", .owner = "", .ready = true,
  };
  struct sie_container_state *out = NULL;
  sie_error_t err = NULL;
  int dfd;

  ok (mkdtemp (dir) != NULL, "temp dir");
  dfd = open (dir, O_RDONLY | O_DIRECTORY);
  ok (sie_state_save (dfd, &in, &err) == 0, "save");
  ok (sie_state_load (dfd, &out, &err) == 0, "load");
  if (out)
    {
      is_str (out->id, "c1", "id");
      ok (out->pid == 4242 && out->pid_start == 123456789ULL, "pid and start time");
      is_str (out->bundle, "/b \"q\"", "bundle with quotes");
      is_str (out->created, in.created, "created");
      ok (out->ready, "ready flag");
    }
  sie_state_free (out);
  unlinkat (dfd, SIE_STATE_FILE, 0);
  ok (sie_state_load (dfd, &out, &err) < 0 && err->status == ENOENT, "missing state.json is ENOENT");
  sie_error_release (&err);
  close (dfd);
  rmdir (dir);
}

static void
test_rfc3339 (void)
{
  char buf[64];
  sie_rfc3339_format (buf, sizeof buf, 0, 0);
  is_str (buf, "1970-01-01T00:00:00.000000000Z", "epoch");
  sie_rfc3339_format (buf, sizeof buf, 951782400, 5);
  is_str (buf, "2000-02-29T00:00:00.000000005Z", "leap day 2000");
  sie_rfc3339_format (buf, sizeof buf, 1795309395, 123456789);
  is_str (buf, "2026-11-22T01:03:15.123456789Z", "a recent time");
  sie_rfc3339_format (buf, sizeof buf, 4102444799LL, 0);
  is_str (buf, "2099-12-31T23:59:59.000000000Z", "end of 2099");
  sie_rfc3339_format (buf, sizeof buf, -1, 0);
  is_str (buf, "1969-12-31T23:59:59.000000000Z", "before the epoch");
}

static void
test_passwd_home (void)
{
  const char *pw = "# comment\nroot:x:0:0:root:/root:/bin/sh\n"
                   "daemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n"
                   "broken:x:2\n"
                   "nohome:x:3:3:::/bin/sh\n"
                   "app:x:1000:1000:App,,,:/home/app:/bin/sh";
  char home[64];

  ok (sie_passwd_home (pw, 0, home, sizeof home) == 0 && strcmp (home, "/root") == 0, "root");
  ok (sie_passwd_home (pw, 1000, home, sizeof home) == 0 && strcmp (home, "/home/app") == 0,
      "last line without newline");
  ok (sie_passwd_home (pw, 1, home, sizeof home) == 0 && strcmp (home, "/usr/sbin") == 0,
      "empty gecos");
  ok (sie_passwd_home (pw, 2, home, sizeof home) < 0, "a truncated line is skipped");
  ok (sie_passwd_home (pw, 3, home, sizeof home) < 0, "an empty home is no home");
  ok (sie_passwd_home (pw, 42, home, sizeof home) < 0, "unknown uid");
  ok (sie_passwd_home (pw, 1000, home, 4) < 0, "a home longer than the buffer is refused");
  ok (sie_passwd_home ("", 0, home, sizeof home) < 0, "empty file");
}

static void
test_process_env (void)
{
  struct sie_process p = { 0 };
  sie_error_t err = NULL;

  ok (sie_process_env_get (&p, "PATH") == NULL, "no env: nothing found");
  ok (sie_process_env_append (&p, &err, "PATH=%s", "/bin") == 0, "append to an empty env");
  ok (sie_process_env_append (&p, &err, "LISTEN_FDS=%d", 2) == 0, "append a second entry");
  ok (p.n_env == 2 && p.env[2] == NULL, "count kept and the list NULL-terminated");
  is_str (sie_process_env_get (&p, "PATH"), "/bin", "lookup by name");
  is_str (sie_process_env_get (&p, "LISTEN_FDS"), "2", "lookup of the second");
  ok (sie_process_env_get (&p, "LISTEN") == NULL, "a prefix of a name does not match");
  for (size_t i = 0; i < p.n_env; i++)
    free (p.env[i]);
  free (p.env);
}

int
main (void)
{
  test_process_env ();
  test_passwd_home ();
  test_rfc3339 ();
  test_signals ();
  test_ids ();
  test_state_round_trip ();
  return tap_done ();
}
