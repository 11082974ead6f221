/* Pausing a container's processes: the v1 freezer controller where the host
 * mounts one, else cgroup v2's cgroup.freeze.
 *
 * On a hybrid host both exist (the v1 freezer hierarchy, and cgroup.freeze
 * in every non-root cgroup of the cgroup2 mount).  sie freezes through
 * exactly one of them, the v1 freezer when the container has a directory
 * in it, as runc does:
 *  - the freezer is a controller like the others, and on hybrid hosts sie
 *    uses each controller where the host mounts it; engines and monitors
 *    that read freezer.state see the truth;
 *  - one freezer means one state to read (sie_state_status reads one file)
 *    and one to undo: freezing in both would leave a mix behind whenever
 *    the second freeze or a thaw failed, and the v2 freeze adds nothing,
 *    since the same tasks sit in both hierarchies.
 * The price is v1's: a frozen task acts on SIGKILL only once thawed, so
 * killing a paused container must thaw it after the signal (runc does the
 * same); a v2-frozen task dies at once. */
#ifndef SIE_FREEZER_H
#define SIE_FREEZER_H

#include <stdbool.h>

#include "cgroups/cgroup.h"
#include "util/error.h"

/* How long a freeze may take before it is undone and reported. */
#define SIE_FREEZE_TIMEOUT_MS 5000

/* The directory of `cg` whose freezer pauses it: the v1 one that has
 * freezer.state, else the cgroup2 one.  NULL with err set when neither. */
const struct sie_cgroup_dir *sie_freezer_dir (const struct sie_cgroup *cg, sie_error_t *err);

/* Freezes and waits, at most timeout_ms, until every task is frozen (v1:
 * freezer.state reads FROZEN, FREEZING being transient; v2: cgroup.events
 * reads "frozen 1").  On timeout or error the cgroup is thawed again. */
int sie_freezer_freeze (const struct sie_cgroup_dir *d, int timeout_ms, sie_error_t *err);

/* Thawing takes effect at once on both versions: no wait. */
int sie_freezer_thaw (const struct sie_cgroup_dir *d, sie_error_t *err);

/* 1 when the cgroup itself was asked to freeze (v1 freezer.self_freezing,
 * v2 cgroup.freeze), whether or not every task has stopped yet; 0 when
 * not (a frozen parent does not count, as with runc); -1 on error. */
int sie_freezer_is_frozen (const struct sie_cgroup_dir *d, sie_error_t *err);

#endif
