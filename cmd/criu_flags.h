/* The flags checkpoint and restore share (runc's spelling). */
#ifndef SIE_CMD_CRIU_FLAGS_H
#define SIE_CMD_CRIU_FLAGS_H

#include <getopt.h>

#include "runtime/checkpoint.h"

enum
{
  CRIU_OPT_IMAGE_PATH = 0x1000,
  CRIU_OPT_WORK_PATH,
  CRIU_OPT_TCP_ESTABLISHED,
  CRIU_OPT_EXT_UNIX_SK,
  CRIU_OPT_SHELL_JOB,
  CRIU_OPT_FILE_LOCKS,
  CRIU_OPT_AUTO_DEDUP,
  CRIU_OPT_LAZY_PAGES,
  CRIU_OPT_EMPTY_NS,
  CRIU_OPT_CG_MODE,
  CRIU_OPT_NETWORK_LOCK,
  CRIU_OPT_PAGE_SERVER,
  CRIU_OPT_PRINT_STATS,
  CRIU_OPT_LAST
};

#define CRIU_SHARED_OPTIONS                                                                       \
  { "image-path", required_argument, NULL, CRIU_OPT_IMAGE_PATH },                                 \
      { "work-path", required_argument, NULL, CRIU_OPT_WORK_PATH },                               \
      { "tcp-established", no_argument, NULL, CRIU_OPT_TCP_ESTABLISHED },                         \
      { "ext-unix-sk", no_argument, NULL, CRIU_OPT_EXT_UNIX_SK },                                 \
      { "shell-job", no_argument, NULL, CRIU_OPT_SHELL_JOB },                                     \
      { "file-locks", no_argument, NULL, CRIU_OPT_FILE_LOCKS },                                   \
      { "auto-dedup", no_argument, NULL, CRIU_OPT_AUTO_DEDUP },                                   \
      { "lazy-pages", no_argument, NULL, CRIU_OPT_LAZY_PAGES },                                   \
      { "empty-ns", required_argument, NULL, CRIU_OPT_EMPTY_NS },                                 \
      { "manage-cgroups-mode", required_argument, NULL, CRIU_OPT_CG_MODE },                       \
      { "network-lock", required_argument, NULL, CRIU_OPT_NETWORK_LOCK },                         \
      { "page-server", required_argument, NULL, CRIU_OPT_PAGE_SERVER },                           \
  {                                                                                               \
    "print-stats", no_argument, NULL, CRIU_OPT_PRINT_STATS                                        \
  }

/* 1: c was a shared flag and is stored; 0: not one of them; -1: bad value. */
int cmd_criu_flag (int c, const char *arg, struct sie_criu_flags *f, sie_error_t *err);

#endif
