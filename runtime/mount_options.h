/* OCI mounts[].options, parsed into what the kernel takes: MS_* flags,
 * MOUNT_ATTR_* attributes (for fsmount/mount_setattr), propagation changes,
 * superblock flags (for fsconfig) and the filesystem data string.
 * Pure: no system calls, so the unit tests check every option. */
#ifndef SIE_MOUNT_OPTIONS_H
#define SIE_MOUNT_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

#define SIE_MOUNT_MAX_PROPAGATION 8

struct sie_mount_opts
{
  unsigned long flags;   /* MS_* the options set: ro, nosuid, bind, MS_REC (rbind), remount ... */
  unsigned long cleared; /* MS_* the options explicitly cleared: rw, suid, dev, exec, atime ... */
  /* MS_SHARED / MS_SLAVE / MS_PRIVATE / MS_UNBINDABLE, | MS_REC for the
   * r-forms, in the order given: each is applied in turn. */
  unsigned long propagation[SIE_MOUNT_MAX_PROPAGATION];
  size_t n_propagation;
  uint64_t rec_attr_set; /* MOUNT_ATTR_* from rro, rnosuid, ratime ... (AT_RECURSIVE) */
  uint64_t rec_attr_clr;
  bool idmap;            /* idmap or ridmap */
  bool idmap_recursive;  /* ridmap */
  bool tmpcopyup;        /* tmpfs only: starts with a copy of the destination's content */
  char *data;            /* unknown options, comma-joined in order; NULL when none */
};

/* options: NULL-terminated, may be NULL.  Later options override earlier
 * ones ("ro,rw" is rw; the atime modes exclude each other).  Fails only
 * for more than SIE_MOUNT_MAX_PROPAGATION propagation options or ENOMEM;
 * the error reads "<origin>: <cause>". */
int sie_mount_opts_parse (char *const *options, const char *origin,
                          struct sie_mount_opts *out, sie_error_t *err);

void sie_mount_opts_free (struct sie_mount_opts *o);

/* The per-mount attributes of the non-recursive flags, as mount_setattr
 * takes them: set holds what the options turn on, clr what they turn off
 * (an atime option clears MOUNT_ATTR__ATIME and sets the chosen mode).
 * Attributes the options do not mention are in neither. */
void sie_mount_opts_attr (const struct sie_mount_opts *o, uint64_t *attr_set,
                          uint64_t *attr_clr);

/* The superblock flags for fsconfig(FSCONFIG_SET_FLAG): "sync", "async",
 * "dirsync", "lazytime", "nolazytime", "mand", "nomand".  Fills at most
 * `max` names (static strings) and returns how many.  iversion, silent and
 * acl have no fsconfig key and the kernel sets them per filesystem, so they
 * are accepted and left out. */
size_t sie_mount_opts_sb_flags (const struct sie_mount_opts *o, const char **names, size_t max);

/* "shared", "rslave" ... for a propagation value; "?" if unknown. */
const char *sie_mount_propagation_name (unsigned long propagation);

/* Parses rootfsPropagation ("shared", "rslave", ...) to MS_* | MS_REC.
 * Returns 0 and *out = 0 for NULL/""; -1 for an unknown value. */
int sie_mount_propagation_parse (const char *name, unsigned long *out);

#endif
