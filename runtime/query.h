/* Reading a container's recorded state, for every command that needs it. */
#ifndef SIE_QUERY_H
#define SIE_QUERY_H

#include "runtime/container_state.h"
#include "spec/config.h"
#include "util/error.h"

struct sie_container_info
{
  int dirfd;
  struct sie_container_state *st; /* NULL: a create crashed before recording */
  struct sie_config *cfg;         /* NULL when config.json is missing */
  enum sie_status status;
};

/* locked: take the container's lock (commands that change it). */
int sie_container_info_load (const char *root, const char *id, bool locked,
                             struct sie_container_info *info, sie_error_t *err);
void sie_container_info_release (struct sie_container_info *info);

static inline void
sie_container_info_releasep (struct sie_container_info *info)
{
  sie_container_info_release (info);
}
#define cleanup_info __attribute__ ((cleanup (sie_container_info_releasep)))

/* OCI state JSON (runc's fields), pretty or compact. */
int sie_container_info_json (const struct sie_container_info *info, const char *id, int pretty,
                             char **out, sie_error_t *err);

#endif
