/* Test helper, run inside a container (built -static):
 *
 *   keyring_probe
 *
 * Prints "<serial> <description>" of the calling process's session
 * keyring, so a test can tell which keyring an exec'd process joined. */
#include <linux/keyctl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int
main (void)
{
  char desc[512];
  long id = syscall (SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
  long n;
  char *name;

  if (id < 0)
    {
      perror ("keyctl(KEYCTL_GET_KEYRING_ID)");
      return 1;
    }
  n = syscall (SYS_keyctl, KEYCTL_DESCRIBE, id, desc, sizeof desc);
  if (n < 0 || (size_t) n > sizeof desc)
    {
      perror ("keyctl(KEYCTL_DESCRIBE)");
      return 1;
    }
  /* "type;uid;gid;perm;description" */
  name = strrchr (desc, ';');
  printf ("%ld %s\n", id, name ? name + 1 : desc);
  return 0;
}
