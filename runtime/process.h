/* The steps shared by every process sie starts inside a container (the
 * container's init and exec'd processes), from "in the namespaces" to
 * execve: working directory, HOME, the executable, fds, identity and
 * privileges, signals. */
#ifndef SIE_PROCESS_H
#define SIE_PROCESS_H

#include <signal.h>
#include <stddef.h>

#include "runtime/security.h"
#include "spec/config.h"
#include "util/error.h"

/* Closes every fd from first_free up, except those in keep[] (sorted in
 * place): no host file stays open while the cwd is resolved. */
void sie_process_close_fds_except (int first_free, int *keep, size_t n);

/* chdir into cwd (created when missing, as runc does) and check that the
 * result is inside the root (CVE-2024-21626). */
int sie_process_enter_cwd (const char *cwd, sie_error_t *err);

/* HOME from the container's /etc/passwd when process.env has none. */
int sie_process_ensure_home (struct sie_process *p, sie_error_t *err);

/* args[0] resolved as execvp would, through process.env's PATH.  *path is
 * args[0] itself or a static buffer. */
int sie_process_resolve_executable (const struct sie_process *p, const char **path,
                                    sie_error_t *err);

/* rlimits, personality, I/O priority, scheduler, memory policy. */
int sie_process_apply_attrs (const struct sie_process *p, const struct sie_linux *l,
                             sie_error_t *err);

/* Only stdio and fds 3 .. 3+preserve-1 survive execve. */
void sie_process_mark_fds_for_exec (int preserve);

/* seccomp (before the uid change without noNewPrivileges, as it then needs
 * CAP_SYS_ADMIN; last with it), bounding set, user, capability sets,
 * no_new_privs, umask, LSM exec label.  seccomp may be NULL. */
int sie_process_drop_privileges (const struct sie_process *p, const struct sie_caps *caps,
                                 struct sie_seccomp_prog *seccomp, sie_error_t *err);

/* Default dispositions and the given mask, for the program about to run. */
void sie_process_reset_signals (const sigset_t *mask);

#endif
