/* checkpoint and restore with CRIU (runc's command line and behaviour). */
#ifndef SIE_CHECKPOINT_H
#define SIE_CHECKPOINT_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/error.h"

/* What both directions share. */
struct sie_criu_flags
{
  const char *image_path; /* NULL: ./checkpoint */
  const char *work_path;  /* NULL: the image path */
  bool tcp_established;
  bool ext_unix_sk;
  bool shell_job;
  bool file_locks;
  bool auto_dedup;
  bool lazy_pages;
  unsigned empty_ns;      /* CLONE_NEW* bits, from --empty-ns */
  int manage_cgroups_mode; /* CriuCgMode, 0: CRIU's default (soft) */
  int network_lock;        /* CriuNetworkLockMethod, 0: iptables */
  const char *page_server; /* ADDR:PORT, or NULL */
  bool print_stats;
};

struct sie_checkpoint_opts
{
  struct sie_criu_flags f;
  const char *parent_path;
  bool leave_running;
  bool tcp_skip_in_flight;
  bool link_remap;
  bool pre_dump;
  int status_fd; /* -1: none */
};

int sie_container_checkpoint (const char *root, const char *id,
                              const struct sie_checkpoint_opts *o, sie_error_t *err);

/* The dump itself, of a container already loaded and locked by the
 * caller, with hook called at each CRIU notification after sie's own
 * handling ("post-dump", "status-ready", ...): relocation moves the
 * container inside one, and a hook that fails makes CRIU thaw it. */
struct sie_container_info;
typedef int (*sie_dump_hook_fn) (void *data, const char *script, pid_t pid, int fd,
                                 sie_error_t *err);
int sie_checkpoint_dump (const struct sie_container_info *info, const struct sie_checkpoint_opts *o,
                         sie_dump_hook_fn hook, void *data, sie_error_t *err);

struct sie_restore_opts
{
  struct sie_criu_flags f;
  const char *bundle;         /* NULL: the current directory */
  const char *console_socket; /* NULL: none */
  const char *pid_file;
  const char *lsm_profile;
  const char *lsm_mount_context;
  /* A relocated container's own network namespace: CRIU creates the outer
   * end of each of these veth devices (names inside) on this host, as a
   * port of veth_bridge, and once it runs its addresses are announced. */
  const char *veth_bridge;
  char *const *veths;
  size_t n_veths;
  bool tcp_close;
  bool detach;
  bool no_pivot;
  bool no_subreaper;
};

/* Restores the container under `id` and returns the restored init's pid
 * (a child of the caller: CRIU restores it as its sibling).  On failure
 * nothing is left: no state directory, cgroup, mount or process. */
pid_t sie_container_restore (const char *root, const char *id, const struct sie_restore_opts *o,
                             sie_error_t *err);

/* Flag values. */
int sie_criu_parse_cg_mode (const char *s, int *mode, sie_error_t *err);
int sie_criu_parse_network_lock (const char *s, int *method, sie_error_t *err);
int sie_criu_parse_empty_ns (const char *s, unsigned *bits, sie_error_t *err);
/* "ADDR:PORT", "[v6]:PORT"; addr is malloc'd. */
int sie_criu_parse_page_server (const char *s, char **addr, int *port, sie_error_t *err);

/* CRIU's stats file (stats-dump or stats-restore) in dirfd as one line of
 * JSON on stdout. */
int sie_criu_print_stats (int dirfd, const char *name, sie_error_t *err);
/* The pages of memory a dump wrote or left to lazy pages (stats-dump in dirfd). */
int sie_criu_dump_pages (int dirfd, uint64_t *pages, sie_error_t *err);

#endif
