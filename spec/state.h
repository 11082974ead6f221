/* The OCI state model: what `sie state` prints, what hooks read on stdin,
 * and what the seccomp listener receives. */
#ifndef SIE_SPEC_STATE_H
#define SIE_SPEC_STATE_H

#include <stddef.h>
#include <sys/types.h>

#include "spec/config.h"
#include "util/error.h"

struct sie_oci_state
{
  const char *oci_version; /* the config's ociVersion, "1.2.0" if absent */
  const char *id;
  const char *status;      /* "creating" | "created" | "running" | "stopped" | "paused" */
  pid_t pid;               /* 0 when stopped: then omitted */
  const char *bundle;
  /* runc's extra fields, printed by `state` and `list --format json` */
  const char *rootfs;
  const char *created;     /* RFC 3339 with nanoseconds */
  const char *owner;       /* "" for root */
  const struct sie_kv *annotations;
  size_t n_annotations;
};

/* The OCI state JSON.  `runc_fields` adds rootfs/created/owner as runc's
 * `state` does; `pretty` indents as runc does. Caller frees *out. */
int sie_oci_state_json (const struct sie_oci_state *s, int runc_fields, int pretty,
                        char **out, sie_error_t *err);

/* runc's ContainerProcessState for the seccomp listener. */
int sie_seccomp_process_state_json (const struct sie_oci_state *s, pid_t pid,
                                    const char *metadata, char **out, sie_error_t *err);

/* The default config `sie spec` writes; rootless adds the user namespace
 * and mappings for the calling uid/gid, as runc does. */
int sie_default_spec_json (int rootless, uid_t uid, gid_t gid, char **out, sie_error_t *err);

/* The `sie features` JSON. */
int sie_features_json (char **out, sie_error_t *err);

#endif
