/* The per-container state directory, <root>/<id>/, and its lock.
 *
 * The directory itself is the lock: commands on one ID take flock() on its
 * fd, so they are serialized without a separate lock file.  A command that
 * waited for the lock re-checks that the directory is still linked, since
 * a concurrent delete may have removed it meanwhile. */
#ifndef SIE_STATEDIR_H
#define SIE_STATEDIR_H

#include <stdbool.h>
#include <sys/types.h>

#include "util/error.h"

#define SIE_DEFAULT_ROOT "/run/sie"
#define SIE_ID_MAX 255
/* <root>/.bundles/<id>: the bundle `sie serve` made for a container it
 * received; it belongs to that container and goes with it at delete. */
#define SIE_RELOCATED_BUNDLES ".bundles"

/* runc's rule ([A-Za-z0-9_+.-]+, not "." or ".."), bounded in length. */
int sie_id_validate (const char *id, sie_error_t *err);

/* Creates <root>/<id> (and root itself), returns a locked dirfd.  An
 * existing ID is an error. */
int sie_statedir_create (const char *root, const char *id, sie_error_t *err);

/* Opens and locks an existing <root>/<id>.  A missing one is an error
 * whose status is ENOENT. */
int sie_statedir_open (const char *root, const char *id, sie_error_t *err);

/* Opens without the lock, for readers (state, list): state.json is
 * replaced atomically, so a reader never sees it half-written. */
int sie_statedir_open_unlocked (const char *root, const char *id, sie_error_t *err);

/* Removes <root>/<id> and everything in it.  dirfd stays valid. */
int sie_statedir_remove (const char *root, const char *id, sie_error_t *err);

/* Lists IDs under root (sorted); a missing root is an empty list. */
int sie_statedir_list (const char *root, char ***ids, size_t *n, sie_error_t *err);

#endif
