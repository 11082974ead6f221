#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "spec/state.h"
#include "util/cleanup.h"
#include "util/fs.h"

int
cmd_spec (const struct sie_globals *g, int argc, char **argv, const char **id, sie_error_t *err)
{
  static const struct option opts[] = {
    { "rootless", no_argument, NULL, 'r' },
    { "bundle", required_argument, NULL, 'b' },
    { NULL, 0, NULL, 0 },
  };
  const char *bundle = ".";
  bool rootless = false;
  cleanup_free char *json = NULL;
  cleanup_close int dfd = -1, fd = -1;
  int c;

  while ((c = getopt_long_only (argc, argv, "+b:", opts, NULL)) != -1)
    switch (c)
      {
      case 'r':
        rootless = true;
        break;
      case 'b':
        bundle = optarg;
        break;
      default:
        return cmd_usage_error (err, "spec", "unknown option \"%s\"", argv[optind - 1]);
      }
  if (cmd_positional (argc, argv, 0, "spec", "", err) < 0)
    return -1;
  if (sie_default_spec_json (rootless, geteuid (), getegid (), &json, err) < 0)
    return -1;
  dfd = open (bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return sie_error (err, errno, "spec: --bundle %s", bundle);
  fd = openat (dfd, "config.json", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0 && errno == EEXIST)
    return sie_error (err, 0, "spec: %s/config.json exists; remove it first", bundle);
  if (fd < 0)
    return sie_error (err, errno, "spec: create %s/config.json", bundle);
  if (sie_write_all (fd, json, strlen (json)) < 0)
    return sie_error (err, errno, "spec: write %s/config.json", bundle);
  return 0;
}
