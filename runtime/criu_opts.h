/* Building CriuOpts: the repeated fields grow here and are freed in one
 * place, and the flags both directions share are set the same way. */
#ifndef SIE_CRIU_OPTS_H
#define SIE_CRIU_OPTS_H

#include "runtime/checkpoint.h"
#include "runtime/criu_rpc.h"
#include "spec/config.h"

struct sie_criu_req
{
  CriuOpts opts;
  CriuPageServerInfo ps;
  char *ps_addr;
  int keep_fds[16]; /* fds CRIU must inherit */
  size_t n_keep;
  int images_fd;
  int work_fd;
};

void sie_criu_req_init (struct sie_criu_req *r);
void sie_criu_req_release (struct sie_criu_req *r);

/* Opens (creating with mkdir -p when `create`) the image and work
 * directories and sets the flags of sie_criu_flags. */
int sie_criu_req_common (struct sie_criu_req *r, const struct sie_criu_flags *f, bool create,
                         const char *log_file, sie_error_t *err);

int sie_criu_add_ext_mount (struct sie_criu_req *r, const char *key, const char *val,
                            sie_error_t *err);
int sie_criu_add_external (struct sie_criu_req *r, const char *ext, sie_error_t *err);
/* fd is kept open in CRIU under the same number. */
int sie_criu_add_inherit_fd (struct sie_criu_req *r, const char *key, int fd, sie_error_t *err);
int sie_criu_add_cg_root (struct sie_criu_req *r, const char *ctrl, const char *path,
                          sie_error_t *err);
int sie_criu_keep_fd (struct sie_criu_req *r, int fd, sie_error_t *err);

/* Every bind mount, and the external mounts both dump and restore must
 * name the same way: key = destination; val = destination at dump, the
 * mount's source at restore. */
int sie_criu_add_config_mounts (struct sie_criu_req *r, const struct sie_config *cfg,
                                bool restore, sie_error_t *err);

struct sie_cgroup;

int sie_criu_add_cgroup_mounts (struct sie_criu_req *r, const struct sie_config *cfg,
                                const struct sie_cgroup *cg, bool restore, sie_error_t *err);

/* "CRIU failed: <first error in the log> (log: <work>/<log>)". */
int sie_criu_failed (const struct sie_criu_req *r, const struct sie_criu_flags *f,
                     const CriuResp *resp, const char *what, const char *log_file,
                     sie_error_t *err);

#endif
