/* `serve`: the relocation daemon on a destination host. */
#include <getopt.h>
#include <stdlib.h>

#include "cmd/cmd.h"
#include "relocate/relocate.h"

enum
{
  OPT_LISTEN = 256,
  OPT_AUTH_FILE,
  OPT_ROOT,
  OPT_MAX_IMAGE,
  OPT_BRIDGE,
};

static int
parse_size (const char *s, uint64_t *out, sie_error_t *err)
{
  char *end;
  unsigned long long v = strtoull (s, &end, 10);
  int shift = 0;

  if (end == s)
    return sie_error (err, 0, "--max-image-size %s: expected a size such as 512M or 8G", s);
  switch (*end)
    {
    case 'K': shift = 10; end++; break;
    case 'M': shift = 20; end++; break;
    case 'G': shift = 30; end++; break;
    case 'T': shift = 40; end++; break;
    default: break;
    }
  if (*end || v == 0 || v > (~0ULL >> shift))
    return sie_error (err, 0, "--max-image-size %s: expected a size such as 512M or 8G", s);
  *out = (uint64_t) v << shift;
  return 0;
}

int
cmd_serve (const struct sie_globals *g, int argc, char **argv, const char **id, sie_error_t *err)
{
  static const struct option opts[] = {
    { "listen", required_argument, NULL, OPT_LISTEN },
    { "auth-file", required_argument, NULL, OPT_AUTH_FILE },
    { "root", required_argument, NULL, OPT_ROOT },
    { "max-image-size", required_argument, NULL, OPT_MAX_IMAGE },
    { "bridge", required_argument, NULL, OPT_BRIDGE },
    { NULL, 0, NULL, 0 },
  };
  struct sie_serve_opts o = { .root = g->root, .max_image_bytes = 64ULL << 30 };
  int c;

  (void) id;
  while ((c = getopt_long_only (argc, argv, "+", opts, NULL)) != -1)
    switch (c)
      {
      case OPT_LISTEN: o.listen = optarg; break;
      case OPT_AUTH_FILE: o.auth_file = optarg; break;
      case OPT_ROOT: o.root = optarg; break;
      case OPT_BRIDGE: o.bridge = optarg; break;
      case OPT_MAX_IMAGE:
        if (parse_size (optarg, &o.max_image_bytes, err) < 0)
          return -1;
        break;
      default:
        return cmd_usage_error (err, "serve", "unknown option \"%s\"", argv[optind - 1]);
      }
  if (o.listen == NULL || o.auth_file == NULL)
    return cmd_usage_error (err, "serve", "--listen ADDR:PORT and --auth-file FILE are required");
  if (optind != argc)
    return cmd_usage_error (err, "serve", "unexpected argument \"%s\"", argv[optind]);
  return sie_serve (&o, err);
}
