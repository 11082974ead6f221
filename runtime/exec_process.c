#include "exec_process.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"

static size_t
strv_len (char **v)
{
  size_t n = 0;
  while (v && v[n])
    n++;
  return n;
}

static int
strv_append (char ***v, size_t *n_out, const char *s, sie_error_t *err)
{
  size_t n = strv_len (*v);
  char **nv = realloc (*v, (n + 2) * sizeof (char *));

  if (nv == NULL || (nv[n] = strdup (s)) == NULL)
    {
      if (nv)
        *v = nv;
      return sie_error (err, ENOMEM, "exec");
    }
  nv[n + 1] = NULL;
  *v = nv;
  if (n_out)
    *n_out = n + 1;
  return 0;
}

static int
replace_args (struct sie_process *p, char **args, sie_error_t *err)
{
  for (size_t i = 0; i < p->n_args; i++)
    free (p->args[i]);
  free (p->args);
  p->args = NULL;
  p->n_args = 0;
  for (char **a = args; a && *a; a++)
    if (strv_append (&p->args, &p->n_args, *a, err) < 0)
      return -1;
  return 0;
}

/* --env NAME=value replaces an existing NAME, else adds it. */
static int
set_env (struct sie_process *p, const char *entry, sie_error_t *err)
{
  const char *eq = strchr (entry, '=');
  size_t key = eq ? (size_t) (eq - entry) : 0;

  if (key == 0)
    return sie_error (err, 0, "--env: expected NAME=value, got \"%s\"", entry);
  for (size_t i = 0; i < p->n_env; i++)
    if (strncmp (p->env[i], entry, key + 1) == 0)
      {
        char *copy = strdup (entry);
        if (copy == NULL)
          return sie_error (err, ENOMEM, "--env");
        free (p->env[i]);
        p->env[i] = copy;
        return 0;
      }
  return strv_append (&p->env, &p->n_env, entry, err);
}

/* A decimal id ending at `stop` ('\0', or ':' for the uid of uid:gid);
 * (uint32_t) -1 is no id, it means "unchanged" to setresuid. */
static int
parse_id (const char *s, char stop, const char *flag, const char *whole, uint32_t *out,
          sie_error_t *err)
{
  char *end;
  unsigned long v;

  errno = 0;
  v = strtoul (s, &end, 10);
  if (!isdigit ((unsigned char) *s) || errno || *end != stop || v > UINT32_MAX - 1)
    return sie_error (err, 0, "%s: expected a numeric id, got \"%s\"", flag, whole);
  *out = (uint32_t) v;
  return 0;
}

static int
set_user (struct sie_process *p, const char *spec, sie_error_t *err)
{
  const char *colon = strchr (spec, ':');

  if (parse_id (spec, colon ? ':' : '\0', "--user", spec, &p->user.uid, err) < 0)
    return -1;
  if (colon && parse_id (colon + 1, '\0', "--user", spec, &p->user.gid, err) < 0)
    return -1;
  return 0;
}

static int
add_gids (struct sie_process *p, char **gids, sie_error_t *err)
{
  for (char **g = gids; g && *g; g++)
    {
      uint32_t *ng = realloc (p->user.additional_gids,
                              (p->user.n_additional_gids + 1) * sizeof (uint32_t));
      if (ng == NULL)
        return sie_error (err, ENOMEM, "--additional-gids");
      p->user.additional_gids = ng;
      if (parse_id (*g, '\0', "--additional-gids", *g, &ng[p->user.n_additional_gids], err) < 0)
        return -1;
      p->user.n_additional_gids++;
    }
  return 0;
}

/* runc adds --cap to the bounding, effective and permitted sets, and to
 * ambient only when the process already has inheritable capabilities
 * (ambient ones cannot be raised without). */
static int
add_caps (struct sie_process *p, char **caps, sie_error_t *err)
{
  struct sie_capabilities *c = p->capabilities;

  if (caps == NULL || caps[0] == NULL)
    return 0;
  if (c == NULL && (c = p->capabilities = calloc (1, sizeof (*c))) == NULL)
    return sie_error (err, ENOMEM, "--cap");
  for (char **cap = caps; *cap; cap++)
    if (strv_append (&c->bounding, NULL, *cap, err) < 0
        || strv_append (&c->effective, NULL, *cap, err) < 0
        || strv_append (&c->permitted, NULL, *cap, err) < 0
        || (c->inheritable && strv_append (&c->ambient, NULL, *cap, err) < 0))
      return -1;
  return 0;
}

static int
replace_string (char **field, const char *value, const char *flag, sie_error_t *err)
{
  char *copy = strdup (value);
  if (copy == NULL)
    return sie_error (err, ENOMEM, "%s", flag);
  free (*field);
  *field = copy;
  return 0;
}

int
sie_exec_apply_overrides (struct sie_process *p, const struct sie_exec_overrides *ov,
                          sie_error_t *err)
{
  if (ov->args && ov->args[0] && replace_args (p, ov->args, err) < 0)
    return -1;
  /* As runc: without -p the container's terminal setting is not copied,
   * only -t gives the process a pty. */
  if (ov->process_file == NULL || ov->tty)
    p->terminal = ov->tty;
  if (ov->console_rows && ov->console_cols)
    {
      p->has_console_size = true;
      p->console_height = ov->console_rows;
      p->console_width = ov->console_cols;
    }
  for (char **e = ov->env; e && *e; e++)
    if (set_env (p, *e, err) < 0)
      return -1;
  if (ov->cwd && replace_string (&p->cwd, ov->cwd, "--cwd", err) < 0)
    return -1;
  if (ov->user && set_user (p, ov->user, err) < 0)
    return -1;
  if (add_gids (p, ov->additional_gids, err) < 0 || add_caps (p, ov->caps, err) < 0)
    return -1;
  if (ov->no_new_privs)
    p->no_new_privileges = true;
  if (ov->apparmor && replace_string (&p->apparmor_profile, ov->apparmor, "--apparmor", err) < 0)
    return -1;
  if (ov->process_label
      && replace_string (&p->selinux_label, ov->process_label, "--process-label", err) < 0)
    return -1;
  if (p->n_args == 0)
    return sie_error (err, 0, "exec: no command given (and no -p process.json)");
  return 0;
}
