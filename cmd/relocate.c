/* `relocate`: move a running container to another host, or show and
 * cancel relocations in progress. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "relocate/domains.h"
#include "relocate/duration.h"
#include "relocate/relocate.h"
#include "runtime/checkpoint.h"
#include "runtime/criu_rpc.h"

enum
{
  OPT_TEST = 256,
  OPT_MODE,
  OPT_MAX_QUIESCE,
  OPT_MAX_TOTAL,
  OPT_FORCE,
  OPT_AUTH_FILE,
  OPT_STATUS,
  OPT_CANCEL,
  OPT_TCP,
  OPT_DOMAIN,
  OPT_DOMAINS,
};

static int
parse_mode (const char *s, enum sie_reloc_mode *m, sie_error_t *err)
{
  if (strcmp (s, "stop-copy") == 0)
    *m = SIE_RELOC_STOP_COPY;
  else if (strcmp (s, "post-copy") == 0)
    *m = SIE_RELOC_POST_COPY;
  else if (strcmp (s, "pre-copy") == 0)
    *m = SIE_RELOC_PRE_COPY;
  else
    return sie_error (err, 0, "--mode %s: expected stop-copy, post-copy or pre-copy", s);
  return 0;
}

/* post-copy where userfaultfd lazy pages work, else stop-copy. */
static enum sie_reloc_mode
default_mode (void)
{
  CriuFeatures want = CRIU_FEATURES__INIT, *got = NULL;
  sie_error_t ignored = NULL;
  enum sie_reloc_mode m = SIE_RELOC_STOP_COPY;

  want.has_lazy_pages = want.lazy_pages = true;
  if (sie_criu_features (&want, &got, &ignored) == 0 && got->has_lazy_pages && got->lazy_pages)
    m = SIE_RELOC_POST_COPY;
  if (got)
    criu_features__free_unpacked (got, NULL);
  sie_error_release (&ignored);
  return m;
}

static int
parse (int argc, char **argv, struct sie_relocate_opts *o, bool *status, bool *cancel,
       sie_error_t *err)
{
  static const struct option opts[] = {
    { "test", no_argument, NULL, OPT_TEST },
    { "mode", required_argument, NULL, OPT_MODE },
    { "max-quiesce", required_argument, NULL, OPT_MAX_QUIESCE },
    { "max-total", required_argument, NULL, OPT_MAX_TOTAL },
    { "force", required_argument, NULL, OPT_FORCE },
    { "auth-file", required_argument, NULL, OPT_AUTH_FILE },
    { "status", no_argument, NULL, OPT_STATUS },
    { "cancel", no_argument, NULL, OPT_CANCEL },
    { "tcp-established", no_argument, NULL, OPT_TCP },
    { "domain", required_argument, NULL, OPT_DOMAIN },
    { "domains", required_argument, NULL, OPT_DOMAINS },
    { NULL, 0, NULL, 0 },
  };
  int c;

  while ((c = getopt_long_only (argc, argv, "+", opts, NULL)) != -1)
    switch (c)
      {
      case OPT_TEST: o->test = true; break;
      case OPT_MODE:
        if (parse_mode (optarg, &o->mode, err) < 0)
          return -1;
        o->mode_set = true;
        break;
      case OPT_MAX_QUIESCE:
        if (sie_parse_duration ("--max-quiesce", optarg, &o->max_quiesce_us, err) < 0)
          return -1;
        break;
      case OPT_MAX_TOTAL:
        if (sie_parse_duration ("--max-total", optarg, &o->max_total_us, err) < 0)
          return -1;
        break;
      case OPT_FORCE:
        if (strcmp (optarg, "architecture") == 0)
          o->force_architecture = true;
        else if (strcmp (optarg, "memory") == 0)
          o->force_memory = true;
        else
          return sie_error (err, 0, "--force %s: expected architecture or memory", optarg);
        break;
      case OPT_AUTH_FILE: o->auth_file = optarg; break;
      case OPT_STATUS: *status = true; break;
      case OPT_CANCEL: *cancel = true; break;
      case OPT_TCP: o->tcp_established = true; break;
      case OPT_DOMAIN: o->domain_name = optarg; break;
      case OPT_DOMAINS: o->domains_file = optarg; break;
      default:
        return cmd_usage_error (err, "relocate", "unknown option \"%s\"", argv[optind - 1]);
      }
  return 0;
}

int
cmd_relocate (const struct sie_globals *g, int argc, char **argv, const char **id,
              sie_error_t *err)
{
  struct sie_relocate_opts o = { .root = g->root };
  cleanup_domain struct sie_reloc_domain *domain = NULL;
  bool status = false, cancel = false;
  enum sie_reloc_result r;

  if (parse (argc, argv, &o, &status, &cancel, err) < 0)
    return -1;
  if (status)
    {
      *id = optind < argc ? argv[optind] : NULL;
      return sie_relocate_status (g->root, *id, err);
    }
  if (cancel)
    {
      if (cmd_positional (argc, argv, 1, "relocate --cancel", "ID", err) < 0)
        return -1;
      *id = argv[optind];
      return sie_relocate_cancel (g->root, *id, err);
    }
  if (cmd_positional (argc, argv, 2, "relocate", "ID HOST:PORT", err) < 0)
    return -1;
  *id = argv[optind];
  o.id = argv[optind];
  o.dest = argv[optind + 1];
  if (o.auth_file == NULL)
    return sie_error (err, 0, "--auth-file: required (the secret the destination's sie serve knows)");
  /* A bad domains file or an unknown domain is bad input: refused before
   * anything is contacted. */
  if (sie_reloc_domain_of (g->root, o.id, o.domain_name, o.domains_file, &domain, err) < 0)
    return -1;
  o.domain = domain;
  if (!o.mode_set)
    o.mode = default_mode ();
  r = sie_relocate (&o, err);
  if (r != SIE_RELOC_COMPLETED)
    return sie_error_prefix (err, "%s", sie_reloc_result_name (r));
  printf (o.test ? "eligible: %s can move to %s\n" : "completed: %s moved to %s\n", o.id, o.dest);
  return 0;
}
