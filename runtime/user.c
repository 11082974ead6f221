/* process.user: supplementary groups, then gid, then uid (the uid last,
 * since changing it drops the right to change the others). */
#include "runtime/security.h"

#include <errno.h>
#include <grp.h>
#include <unistd.h>

_Static_assert (sizeof (gid_t) == sizeof (uint32_t), "additionalGids are passed to setgroups as-is");

static int
set_groups (const struct sie_user *u, sie_error_t *err)
{
  if (u->n_additional_gids == 0)
    {
      /* Inside a user namespace with setgroups "deny" this fails with
       * EPERM; with no groups asked there is nothing to lose. */
      if (setgroups (0, NULL) < 0 && errno != EPERM)
        return sie_error (err, errno, "process.user.additionalGids: setgroups");
      return 0;
    }
  if (setgroups (u->n_additional_gids, (const gid_t *) u->additional_gids) < 0)
    return sie_error (err, errno, "process.user.additionalGids: setgroups (%zu groups)%s",
                      u->n_additional_gids,
                      errno == EPERM ? " (denied in this user namespace?)" : "");
  return 0;
}

int
sie_user_apply (const struct sie_user *u, sie_error_t *err)
{
  if (set_groups (u, err) < 0)
    return -1;
  if (setresgid (u->gid, u->gid, u->gid) < 0)
    return sie_error (err, errno, "process.user.gid: setresgid %u%s", u->gid,
                      errno == EINVAL ? " (not mapped in the user namespace)" : "");
  if (setresuid (u->uid, u->uid, u->uid) < 0)
    return sie_error (err, errno, "process.user.uid: setresuid %u%s", u->uid,
                      errno == EINVAL ? " (not mapped in the user namespace)" : "");
  return 0;
}
