#include "cmd/criu_flags.h"

int
cmd_criu_flag (int c, const char *arg, struct sie_criu_flags *f, sie_error_t *err)
{
  switch (c)
    {
    case CRIU_OPT_IMAGE_PATH: f->image_path = arg; return 1;
    case CRIU_OPT_WORK_PATH: f->work_path = arg; return 1;
    case CRIU_OPT_TCP_ESTABLISHED: f->tcp_established = true; return 1;
    case CRIU_OPT_EXT_UNIX_SK: f->ext_unix_sk = true; return 1;
    case CRIU_OPT_SHELL_JOB: f->shell_job = true; return 1;
    case CRIU_OPT_FILE_LOCKS: f->file_locks = true; return 1;
    case CRIU_OPT_AUTO_DEDUP: f->auto_dedup = true; return 1;
    case CRIU_OPT_LAZY_PAGES: f->lazy_pages = true; return 1;
    case CRIU_OPT_PAGE_SERVER: f->page_server = arg; return 1;
    case CRIU_OPT_PRINT_STATS: f->print_stats = true; return 1;
    case CRIU_OPT_EMPTY_NS:
      return sie_criu_parse_empty_ns (arg, &f->empty_ns, err) < 0 ? -1 : 1;
    case CRIU_OPT_CG_MODE:
      return sie_criu_parse_cg_mode (arg, &f->manage_cgroups_mode, err) < 0 ? -1 : 1;
    case CRIU_OPT_NETWORK_LOCK:
      return sie_criu_parse_network_lock (arg, &f->network_lock, err) < 0 ? -1 : 1;
    default:
      return 0;
    }
}
