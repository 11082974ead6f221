/* config.json: the top level, root, mounts and hooks, and the entry points.
 * Unknown fields are ignored and JSON null counts as absent, as runc's
 * decoder does; a wrong type or an invalid value is one error naming the
 * JSON path. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spec/config_parse.h"
#include "util/cleanup.h"

/* config.json is read whole; nothing legitimate comes near this. */
#define CONFIG_MAX_SIZE (16 * 1024 * 1024)

static int
parse_id_mapping (const struct jctx *c, const struct jpath *p, yajl_val v, void *elem)
{
  struct sie_id_mapping *m = elem;

  if (jv_object (c, p, v) < 0 || jv_opt_u32 (c, p, v, "containerID", &m->container_id) < 0
      || jv_opt_u32 (c, p, v, "hostID", &m->host_id) < 0)
    return -1;
  return jv_opt_u32 (c, p, v, "size", &m->size);
}

int
parse_id_mappings (const struct jctx *c, const struct jpath *p, yajl_val obj, const char *key,
                   struct sie_id_mapping **out, size_t *n)
{
  return jv_opt_array (c, p, obj, key, sizeof (struct sie_id_mapping), parse_id_mapping, out, n);
}

/* A required string that must also be non-empty. */
static int
req_nonempty (const struct jctx *c, const struct jpath *p, yajl_val obj, const char *key,
              char **out)
{
  struct jpath kp = JP_KEY (p, key);

  if (jv_req_string (c, p, obj, key, out) < 0)
    return -1;
  return **out ? 0 : jerr (c, &kp, "must not be empty");
}

static int
parse_root (const struct jctx *c, const struct jpath *p, yajl_val v, void *elem)
{
  struct sie_root *root = elem;

  if (jv_object (c, p, v) < 0 || req_nonempty (c, p, v, "path", &root->path) < 0)
    return -1;
  return jv_opt_bool (c, p, v, "readonly", &root->readonly);
}

static int
parse_mount (const struct jctx *c, const struct jpath *p, yajl_val v, void *elem)
{
  struct sie_mount *m = elem;

  if (jv_object (c, p, v) < 0 || req_nonempty (c, p, v, "destination", &m->destination) < 0
      || jv_opt_string (c, p, v, "type", &m->type) < 0
      || jv_opt_string (c, p, v, "source", &m->source) < 0
      || jv_opt_strv (c, p, v, "options", &m->options, &m->n_options) < 0
      || parse_id_mappings (c, p, v, "uidMappings", &m->uid_mappings, &m->n_uid_mappings) < 0)
    return -1;
  return parse_id_mappings (c, p, v, "gidMappings", &m->gid_mappings, &m->n_gid_mappings);
}

static int
parse_hook (const struct jctx *c, const struct jpath *p, yajl_val v, void *elem)
{
  struct sie_hook *h = elem;
  struct jpath pp = JP_KEY (p, "path");

  if (jv_object (c, p, v) < 0 || jv_req_string (c, p, v, "path", &h->path) < 0)
    return -1;
  if (h->path[0] != '/')
    return jerr_type (c, &pp, "an absolute path", jv_field (v, "path"));
  if (jv_opt_strv (c, p, v, "args", &h->args, &h->n_args) < 0
      || jv_opt_strv (c, p, v, "env", &h->env, &h->n_env) < 0)
    return -1;
  return jv_opt_i64 (c, p, v, "timeout", 1, INT32_MAX, &h->timeout);
}

static int
parse_hooks (const struct jctx *c, const struct jpath *p, yajl_val v, void *elem)
{
  struct sie_hooks *hooks = elem;

  if (jv_object (c, p, v) < 0)
    return -1;
  for (int k = 0; k < SIE_HOOK_KINDS; k++)
    if (jv_opt_array (c, p, v, sie_hook_kind_name (k), sizeof (struct sie_hook), parse_hook,
                      &hooks->hooks[k], &hooks->n_hooks[k])
        < 0)
      return -1;
  return 0;
}

static int
parse_linux_ (const struct jctx *c, const struct jpath *p, yajl_val v, void *elem)
{
  return parse_linux (c, p, v, elem);
}

static int
parse_process_ (const struct jctx *c, const struct jpath *p, yajl_val v, void *elem)
{
  return parse_process (c, p, v, elem);
}

static int
parse_config (const struct jctx *c, yajl_val v, struct sie_config *cfg)
{
  if (jv_object (c, NULL, v) < 0 || jv_opt_string (c, NULL, v, "ociVersion", &cfg->oci_version) < 0
      || jv_opt_new (c, NULL, v, "process", sizeof (struct sie_process), parse_process_,
                     &cfg->process)
             < 0
      || jv_opt_new (c, NULL, v, "root", sizeof (struct sie_root), parse_root, &cfg->root) < 0
      || jv_opt_string (c, NULL, v, "hostname", &cfg->hostname) < 0
      || jv_opt_string (c, NULL, v, "domainname", &cfg->domainname) < 0
      || jv_opt_array (c, NULL, v, "mounts", sizeof (struct sie_mount), parse_mount,
                       &cfg->mounts, &cfg->n_mounts)
             < 0
      || jv_opt_with (c, NULL, v, "hooks", parse_hooks, &cfg->hooks) < 0
      || jv_opt_kv (c, NULL, v, "annotations", &cfg->annotations, &cfg->n_annotations) < 0)
    return -1;
  return jv_opt_new (c, NULL, v, "linux", sizeof (struct sie_linux), parse_linux_, &cfg->linux_);
}

int
sie_config_parse (const char *json, size_t len, const char *origin, struct sie_config **out,
                  sie_error_t *err)
{
  struct jctx c = { .origin = origin, .err = err };
  cleanup_tree yajl_val tree = NULL;
  cleanup_config struct sie_config *cfg = NULL;

  if (jv_parse_tree (json, len, origin, &tree, err) < 0)
    return -1;
  cfg = jv_calloc (&c, 1, sizeof (*cfg));
  if (cfg == NULL || parse_config (&c, tree, cfg) < 0)
    return -1;
  *out = move_ptr (cfg);
  return 0;
}

static void
process_freep (struct sie_process **p)
{
  sie_process_free (*p);
}

int
sie_process_parse (const char *json, size_t len, const char *origin, struct sie_process **out,
                   sie_error_t *err)
{
  struct jctx c = { .origin = origin, .err = err };
  cleanup_tree yajl_val tree = NULL;
  __attribute__ ((cleanup (process_freep))) struct sie_process *proc = NULL;

  if (jv_parse_tree (json, len, origin, &tree, err) < 0)
    return -1;
  proc = jv_calloc (&c, 1, sizeof (*proc));
  if (proc == NULL || parse_process (&c, NULL, tree, proc) < 0)
    return -1;
  *out = move_ptr (proc);
  return 0;
}

/* Reads at most CONFIG_MAX_SIZE bytes; the file may not be a regular file
 * (a pipe, /dev/stdin), so its size is not trusted. */
static int
read_bounded (const char *path, char **out, size_t *len, sie_error_t *err)
{
  cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  cleanup_free char *buf = NULL;
  size_t cap = 0, used = 0;

  if (fd < 0)
    return sie_error (err, errno, "open %s", path);
  for (;;)
    {
      if (used == cap)
        {
          size_t ncap = cap ? cap * 2 : 64 * 1024;
          char *nbuf;
          if (used > CONFIG_MAX_SIZE)
            return sie_error (err, 0, "%s: larger than %d MiB", path, CONFIG_MAX_SIZE >> 20);
          if (ncap > CONFIG_MAX_SIZE + 1)
            ncap = CONFIG_MAX_SIZE + 1;
          nbuf = realloc (buf, ncap + 1);
          if (nbuf == NULL)
            return sie_error (err, ENOMEM, "read %s", path);
          buf = nbuf;
          cap = ncap;
        }
      ssize_t r = read (fd, buf + used, cap - used);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return sie_error (err, errno, "read %s", path);
      if (r == 0)
        break;
      used += r;
    }
  *out = move_ptr (buf);
  *len = used;
  return 0;
}

int
sie_config_load (const char *path, struct sie_config **out, sie_error_t *err)
{
  cleanup_free char *json = NULL;
  size_t len = 0;
  const char *base = strrchr (path, '/');

  if (read_bounded (path, &json, &len, err) < 0)
    return -1;
  return sie_config_parse (json, len, base && base[1] ? base + 1 : path, out, err);
}
