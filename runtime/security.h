/* Process security and attributes: capabilities (libcap), seccomp
 * (libseccomp), the user identity, rlimits, personality, I/O priority,
 * scheduler, CPU affinity, OOM score and LSM labels.
 *
 * Everything that can fail because of bad input is checked in a *_prepare
 * step that runs in the parent before clone(), so `create` reports config
 * errors before any namespace exists.  The *_apply steps run in the
 * container's init, in the order runc uses:
 *   rlimits, personality, ioprio, scheduler (while still privileged;
 *   oomScoreAdj is written by the parent into /proc/<pid>)
 *   [wait for start]
 *   seccomp (when !noNewPrivileges: needs CAP_SYS_ADMIN)
 *   caps bounding drop -> keepcaps -> user (groups, gid, uid) -> caps sets
 *   no_new_privs, umask, seccomp (when noNewPrivileges), LSM exec label
 *   execve */
#ifndef SIE_SECURITY_H
#define SIE_SECURITY_H

#include <stdbool.h>
#include <sys/types.h>

#include "spec/config.h"
#include "util/error.h"

/* ---- capabilities ---- */
struct sie_caps;
int sie_caps_prepare (const struct sie_capabilities *caps, struct sie_caps **out, sie_error_t *err);
int sie_caps_drop_bounding (const struct sie_caps *c, sie_error_t *err);
/* Sets effective, permitted, inheritable, then raises ambient. */
int sie_caps_apply (const struct sie_caps *c, sie_error_t *err);
void sie_caps_free (struct sie_caps *c);

/* ---- seccomp ---- */
struct sie_seccomp_prog;
/* Builds the filter (unknown syscall names are skipped, as runc does; an
 * unknown action, arch, flag or operator is an error naming the field). */
int sie_seccomp_prepare (const struct sie_seccomp *s, struct sie_seccomp_prog **out, sie_error_t *err);
bool sie_seccomp_uses_notify (const struct sie_seccomp_prog *p);
/* Loads the filter into the calling thread.  With SCMP_ACT_NOTIFY rules,
 * *listener_fd receives the notification fd, else -1. */
int sie_seccomp_install (struct sie_seccomp_prog *p, int *listener_fd, sie_error_t *err);
/* Sends the listener fd to linux.seccomp.listenerPath as runc does: one
 * message carrying the ContainerProcessState JSON
 * {"ociVersion","fds":["seccompFd"],"pid","metadata","state":{...}} and the
 * fd as SCM_RIGHTS. */
int sie_seccomp_send_listener (const char *listener_path, const char *process_state_json,
                               int listener_fd, sie_error_t *err);
void sie_seccomp_free (struct sie_seccomp_prog *p);

/* ---- identity ---- */
/* setgroups(additionalGids) (skipped with EPERM when setgroups is denied in
 * a user namespace and no groups were asked), setresgid, setresuid. */
int sie_user_apply (const struct sie_user *u, sie_error_t *err);

/* ---- process attributes ---- */
/* Validates names and values (rlimit types, scheduler policy/flags,
 * ioPriority class and range, personality domain, cpu lists, memory
 * policy) and refuses an rlimit hard-limit raise that init could not make. */
int sie_process_attrs_check (const struct sie_process *p, const struct sie_linux *l, sie_error_t *err);
int sie_rlimits_apply (const struct sie_process *p, sie_error_t *err);
int sie_personality_apply (const struct sie_personality *p, sie_error_t *err);
int sie_io_priority_apply (const struct sie_io_priority *p, sie_error_t *err);
int sie_scheduler_apply (const struct sie_scheduler *s, sie_error_t *err);
/* cpu list ("0-3,7") to sched_setaffinity; NULL/empty does nothing. */
int sie_cpu_affinity_apply (const char *cpus, const char *field, sie_error_t *err);
/* linux.memoryPolicy through set_mempolicy(2); NULL does nothing.  Validated
 * by sie_process_attrs_check (mode, flags, node list). */
int sie_memory_policy_apply (const struct sie_memory_policy *m, sie_error_t *err);

/* ---- LSMs ---- */
/* Errors when a label is requested but the LSM is not enabled on this host. */
int sie_lsm_check (const struct sie_process *p, const struct sie_linux *l, sie_error_t *err);
/* Writes the exec labels (AppArmor "exec <profile>", SELinux context) for
 * the next execve. */
int sie_lsm_apply_exec (const struct sie_process *p, sie_error_t *err);

#endif
