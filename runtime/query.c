#include "query.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "runtime/statedir.h"
#include "spec/state.h"
#include "util/cleanup.h"
#include "util/fs.h"

static int
load_saved_config (int dirfd, struct sie_config **out, sie_error_t *err)
{
  cleanup_free char *data = NULL;
  size_t len;

  if (sie_read_file_at (dirfd, SIE_CONFIG_FILE, 16 << 20, &data, &len, err) < 0)
    return -1;
  return sie_config_parse (data, len, "config.json", out, err);
}

int
sie_container_info_load (const char *root, const char *id, bool locked,
                         struct sie_container_info *info, sie_error_t *err)
{
  sie_error_t ignored = NULL;

  info->st = NULL;
  info->cfg = NULL;
  info->status = SIE_STATUS_STOPPED;
  info->dirfd = locked ? sie_statedir_open (root, id, err)
                       : sie_statedir_open_unlocked (root, id, err);
  if (info->dirfd < 0)
    return -1;
  if (sie_state_load (info->dirfd, &info->st, &ignored) == 0)
    info->status = sie_state_status (info->dirfd, info->st);
  sie_error_release (&ignored);
  load_saved_config (info->dirfd, &info->cfg, &ignored);
  sie_error_release (&ignored);
  return 0;
}

void
sie_container_info_release (struct sie_container_info *info)
{
  if (info->dirfd >= 0)
    close (info->dirfd);
  info->dirfd = -1;
  sie_state_free (info->st);
  info->st = NULL;
  sie_config_free (info->cfg);
  info->cfg = NULL;
}

int
sie_container_info_json (const struct sie_container_info *info, const char *id, int pretty,
                         char **out, sie_error_t *err)
{
  const struct sie_container_state *st = info->st;
  bool stopped = info->status == SIE_STATUS_STOPPED;
  struct sie_oci_state s = {
    .oci_version = info->cfg ? info->cfg->oci_version : NULL,
    .id = id,
    .status = sie_status_name (info->status),
    .pid = (st && !stopped) ? st->pid : 0,
    .bundle = st ? st->bundle : "",
    .rootfs = st ? st->rootfs : "",
    .created = st ? st->created : "",
    .owner = st ? st->owner : "",
    .annotations = info->cfg ? info->cfg->annotations : NULL,
    .n_annotations = info->cfg ? info->cfg->n_annotations : 0,
  };
  return sie_oci_state_json (&s, 1, pretty, out, err);
}
