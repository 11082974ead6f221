/* Pure parsers behind cgroup layout detection and path resolution, kept
 * apart from the I/O so the unit tests can feed them text. */
#ifndef SIE_CGROUP_LAYOUT_PARSE_H
#define SIE_CGROUP_LAYOUT_PARSE_H

#include <stdbool.h>

#include "cgroups/cgroup.h"

/* Builds the hierarchies from /proc/self/mountinfo and /proc/self/cgroup
 * text: one per distinct cgroup/cgroup2 superblock (bind mounts of the same
 * hierarchy collapse to the first).  v1 `controllers` are the super options
 * that /proc/self/cgroup lists as controllers ("cpu,cpuacct",
 * "name=systemd"); for v2 they are left NULL for the caller to fill from
 * cgroup.controllers.  own_path is this process's cgroup relative to the
 * mountpoint ("/" when the mount does not show it).  mode is not set. */
int sie_cgroup_parse_layout (const char *mountinfo, const char *proc_cgroup,
                             struct sie_cgroup_layout *out, sie_error_t *err);

/* v2 when there is no v1 hierarchy; hybrid when there are v1 hierarchies
 * and a cgroup2 mount with controllers; v1 otherwise. */
enum sie_cgroup_mode sie_cgroup_layout_mode (const struct sie_cgroup_layout *l);

void sie_cgroup_layout_clear (struct sie_cgroup_layout *l);

/* Undoes mountinfo's octal escapes (\040 ...) in place. */
void sie_cgroup_unescape_octal (char *s);

/* True when `list` (separated by `sep`) contains `word`. */
bool sie_cgroup_list_has (const char *list, char sep, const char *word);

/* filepath.Clean of `p` rooted at "/": the result is absolute, has no ".",
 * "..", empty or trailing components, so it cannot leave the hierarchy. */
char *sie_cgroup_clean_path (const char *p);

/* Where the container's cgroup goes inside one hierarchy, relative to its
 * mountpoint: an absolute cgroupsPath is taken as is, a relative one is put
 * under own_path, an absent one becomes own_path/sie/<id>.  A systemd
 * "slice:prefix:name" value is rejected. */
int sie_cgroup_resolve_path (const char *cgroups_path, const char *id,
                             const char *own_path, char **out, sie_error_t *err);

/* True for a systemd-driver style cgroupsPath ("system.slice:sie:abc"). */
bool sie_cgroup_is_systemd_path (const char *cgroups_path);

#endif
