/* Relocation domains: the file, and which domain a container is in
 * (relocate/domains.h). */
#include "relocate/domains.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/query.h"
#include "spec/config_json.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/strv.h"

/* A domains file is written by hand: small. */
#define DOMAINS_FILE_MAX (4 << 20)

struct member
{
  char *host;
  struct sie_cpuflags flags;
};

static void
free_members (struct member *m, size_t n)
{
  for (size_t i = 0; m && i < n; i++)
    {
      free (m[i].host);
      sie_cpuflags_release (&m[i].flags);
    }
  free (m);
}

static void
release_domain (struct sie_reloc_domain *d)
{
  free (d->name);
  for (size_t i = 0; d->members && i < d->n_members; i++)
    free (d->members[i]);
  free (d->members);
  sie_cpuflags_release (&d->ceiling);
}

void
sie_reloc_domain_free (struct sie_reloc_domain *d)
{
  if (d == NULL)
    return;
  release_domain (d);
  free (d);
}

/* HOST:PORT, as `sie relocate` takes the destination: a member written
 * any other way could never match. */
static bool
is_hostport (const char *s)
{
  const char *colon = strrchr (s, ':');
  size_t digits = colon ? strspn (colon + 1, "0123456789") : 0;

  return colon && colon != s && digits > 0 && digits <= 5 && colon[1 + digits] == '\0';
}

/* A flags line, or an array of flag names. */
static int
member_flags (const struct jctx *c, const struct jpath *p, yajl_val v, struct sie_cpuflags *out)
{
  cleanup_strv char **names = NULL;
  sie_error_t e = NULL;
  size_t n;
  int r;

  if (YAJL_IS_STRING (v))
    r = sie_cpuflags_parse_line (v->u.string, out, &e);
  else if (YAJL_IS_ARRAY (v))
    {
      if (jv_strv (c, p, v, &names, &n) < 0)
        return -1;
      r = sie_cpuflags_from_names ((const char *const *) names, n, out, &e);
    }
  else
    return jerr_type (c, p, "a flags line or an array of flag names", v);
  if (r < 0)
    {
      jerr (c, p, "%s", e->msg);
      sie_error_release (&e);
      return -1;
    }
  return out->n > 0 ? 0 : jerr (c, p, "no CPU flags");
}

static int
member_entry (const struct jctx *c, const struct jpath *p, const char *key, yajl_val v, void *elem)
{
  struct member *m = elem;

  if (!is_hostport (key))
    return jerr (c, p, "a member is HOST:PORT, as sie relocate is given the destination");
  m->host = strdup (key);
  if (m->host == NULL)
    return jerr_oom (c);
  return member_flags (c, p, v, &m->flags);
}

/* The members' names move into d; the ceiling is what all of them have. */
static int
take_members (const struct jctx *c, struct sie_reloc_domain *d, struct member *m, size_t n)
{
  d->members = jv_calloc (c, n, sizeof *d->members);
  if (d->members == NULL)
    return -1;
  d->ceiling = m[0].flags;
  m[0].flags = (struct sie_cpuflags){ 0 };
  for (size_t i = 0; i < n; i++)
    {
      struct sie_cpuflags common = { 0 };

      d->members[d->n_members++] = move_ptr (m[i].host);
      if (i == 0)
        continue;
      if (sie_cpuflags_intersect (&d->ceiling, &m[i].flags, &common, c->err) < 0)
        return -1;
      sie_cpuflags_release (&d->ceiling);
      d->ceiling = common;
    }
  return 0;
}

static int
domain_entry (const struct jctx *c, const struct jpath *p, const char *key, yajl_val v, void *elem)
{
  struct sie_reloc_domain *d = elem;
  struct jpath mp = JP_KEY (p, "members");
  struct member *m = NULL;
  size_t n = 0;
  yajl_val members;
  int ret;

  if (*key == '\0')
    return jerr (c, p, "a domain needs a name");
  d->name = strdup (key);
  if (d->name == NULL)
    return jerr_oom (c);
  if (jv_object (c, p, v) < 0)
    return -1;
  members = jv_field (v, "members");
  if (members == NULL)
    return jerr_missing (c, &mp);
  ret = jv_map (c, &mp, members, sizeof *m, member_entry, &m, &n);
  if (ret == 0 && n == 0)
    ret = jerr (c, &mp, "a domain needs at least one member");
  if (ret == 0)
    ret = take_members (c, d, m, n);
  free_members (m, n);
  return ret;
}

static int
unknown_domain (const char *origin, const char *name, const struct sie_reloc_domain *all, size_t n,
                sie_error_t *err)
{
  cleanup_free char *names = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&names, &len);

  if (f == NULL)
    return sie_error (err, ENOMEM, "%s", origin);
  for (size_t i = 0; i < n; i++)
    fprintf (f, "%s%s", i ? ", " : "", all[i].name);
  if (fclose (f) != 0)
    return sie_error (err, ENOMEM, "%s", origin);
  return sie_error (err, 0, "%s: no relocation domain \"%s\" (it defines %s)", origin, name,
                    n ? names : "none");
}

int
sie_reloc_domain_parse (const char *json, size_t len, const char *origin, const char *name,
                        struct sie_reloc_domain **out, sie_error_t *err)
{
  const struct jctx c = { .origin = origin, .err = err };
  struct jpath dp = JP_KEY (NULL, "domains");
  cleanup_tree yajl_val root = NULL;
  struct sie_reloc_domain *all = NULL, *found = NULL;
  size_t n = 0;
  yajl_val domains;
  int ret;

  if (jv_parse_tree (json, len, origin, &root, err) < 0 || jv_object (&c, NULL, root) < 0)
    return -1;
  domains = jv_field (root, "domains");
  ret = domains ? jv_map (&c, &dp, domains, sizeof *all, domain_entry, &all, &n)
                : jerr_missing (&c, &dp);
  for (size_t i = 0; ret == 0 && i < n; i++)
    if (strcmp (all[i].name, name) == 0)
      found = &all[i];
  if (ret == 0 && found == NULL)
    ret = unknown_domain (origin, name, all, n, err);
  if (ret == 0 && (*out = malloc (sizeof **out)) == NULL)
    ret = sie_error (err, ENOMEM, "%s", origin);
  if (ret == 0)
    {
      **out = *found;
      *found = (struct sie_reloc_domain){ 0 };
    }
  for (size_t i = 0; all && i < n; i++)
    release_domain (&all[i]);
  free (all);
  return ret;
}

int
sie_reloc_domain_load (const char *path, const char *name, struct sie_reloc_domain **out,
                       sie_error_t *err)
{
  cleanup_free char *json = NULL;
  size_t len;

  if (sie_read_file_at (AT_FDCWD, path, DOMAINS_FILE_MAX, &json, &len, err) < 0)
    return sie_error_prefix (err, "relocation domain %s", name);
  return sie_reloc_domain_parse (json, len, path, name, out, err);
}

int
sie_reloc_domain_of (const char *root, const char *id, const char *name, const char *file,
                     struct sie_reloc_domain **out, sie_error_t *err)
{
  cleanup_info struct sie_container_info info = { .dirfd = -1 };

  *out = NULL;
  if (name && *name == '\0')
    return sie_error (err, 0, "--domain: empty name");
  if (name == NULL)
    {
      if (sie_container_info_load (root, id, false, &info, err) < 0)
        return -1;
      name = info.cfg ? sie_config_annotation (info.cfg, SIE_RELOC_DOMAIN_ANNOTATION) : NULL;
      if (name && *name == '\0')
        return sie_error (err, 0, "annotation %s: empty domain name", SIE_RELOC_DOMAIN_ANNOTATION);
    }
  if (name == NULL)
    return 0;
  return sie_reloc_domain_load (file ? file : SIE_RELOC_DOMAINS_FILE, name, out, err);
}

bool
sie_reloc_domain_has_member (const struct sie_reloc_domain *d, const char *hostport)
{
  for (size_t i = 0; i < d->n_members; i++)
    if (strcmp (d->members[i], hostport) == 0)
      return true;
  return false;
}

int
sie_reloc_domain_format_members (const struct sie_reloc_domain *d, char **out, sie_error_t *err)
{
  char what[128];

  snprintf (what, sizeof what, "relocation domain %s", d->name);
  return sie_strv_join (d->members, d->n_members, ", ", what, out, err);
}
