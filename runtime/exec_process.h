/* runc's exec flags applied to a process description: pure, no I/O. */
#ifndef SIE_EXEC_PROCESS_H
#define SIE_EXEC_PROCESS_H

#include "runtime/exec.h"
#include "spec/config.h"

/* Changes p (the container's process, or the one from -p) as the flags
 * say: args, tty, env (replace or add), cwd, user, additional gids,
 * capabilities, no_new_privs, AppArmor profile and SELinux label. */
int sie_exec_apply_overrides (struct sie_process *p, const struct sie_exec_overrides *ov,
                              sie_error_t *err);

#endif
