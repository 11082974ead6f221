#include "vmshim/agent/request.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "util/cleanup.h"

static void
free_strv (char **v)
{
  for (char **it = v; it && *it; it++)
    free (*it);
  free (v);
}

/* A JSON array of strings as a NULL-terminated vector.  Absent: *out NULL. */
static int
get_strv (yajl_val root, const char *key, char ***out, sie_error_t *err)
{
  const char *path[] = { key, NULL };
  yajl_val v = yajl_tree_get (root, path, yajl_t_any);
  cleanup_strv char **strv = NULL;

  *out = NULL;
  if (v == NULL || YAJL_IS_NULL (v))
    return 0;
  if (!YAJL_IS_ARRAY (v))
    return sie_error (err, EINVAL, "request: %s: not an array", key);
  size_t n = v->u.array.len;
  strv = calloc (n + 1, sizeof (*strv));
  if (strv == NULL)
    return sie_error (err, errno, "request: %s", key);
  for (size_t i = 0; i < n; i++)
    {
      yajl_val s = v->u.array.values[i];
      if (!YAJL_IS_STRING (s))
        return sie_error (err, EINVAL, "request: %s[%zu]: not a string", key, i);
      strv[i] = strdup (s->u.string);
      if (strv[i] == NULL)
        return sie_error (err, errno, "request: %s[%zu]", key, i);
    }
  *out = move_ptr (strv);
  return 0;
}

static int
parse_op (yajl_val root, enum sie_agent_op *op, sie_error_t *err)
{
  static const struct
  {
    const char *name;
    enum sie_agent_op op;
  } ops[] = {
    { "ping", SIE_AGENT_PING },
    { "exec", SIE_AGENT_EXEC },
    { "shutdown", SIE_AGENT_SHUTDOWN },
  };
  const char *path[] = { "op", NULL };
  yajl_val v = yajl_tree_get (root, path, yajl_t_string);

  if (v == NULL)
    return sie_error (err, EINVAL, "request: op: missing or not a string");
  for (size_t i = 0; i < ARRAY_SIZE (ops); i++)
    if (strcmp (v->u.string, ops[i].name) == 0)
      {
        *op = ops[i].op;
        return 0;
      }
  return sie_error (err, EINVAL, "request: op: unknown operation \"%s\"", v->u.string);
}

static int
parse_exec (yajl_val root, struct sie_agent_request *req, sie_error_t *err)
{
  const char *path[] = { "cwd", NULL };
  yajl_val cwd = yajl_tree_get (root, path, yajl_t_any);

  if (get_strv (root, "args", &req->args, err) < 0 || get_strv (root, "env", &req->env, err) < 0)
    return -1;
  if (req->args == NULL || req->args[0] == NULL || req->args[0][0] == '\0')
    return sie_error (err, EINVAL, "request: args: missing or empty");
  if (cwd != NULL && !YAJL_IS_NULL (cwd) && !YAJL_IS_STRING (cwd))
    return sie_error (err, EINVAL, "request: cwd: not a string");
  req->cwd = strdup (cwd && YAJL_IS_STRING (cwd) ? cwd->u.string : "/");
  if (req->cwd == NULL)
    return sie_error (err, errno, "request: cwd");
  return 0;
}

int
sie_agent_request_parse (const char *line, struct sie_agent_request *req, sie_error_t *err)
{
  char errbuf[256];
  yajl_val root;
  int ret;

  memset (req, 0, sizeof (*req));
  root = yajl_tree_parse (line, errbuf, sizeof errbuf);
  if (root == NULL)
    {
      errbuf[strcspn (errbuf, "\n")] = '\0';
      return sie_error (err, EINVAL, "request: invalid JSON: %s", errbuf);
    }
  if (!YAJL_IS_OBJECT (root))
    ret = sie_error (err, EINVAL, "request: not a JSON object");
  else
    ret = parse_op (root, &req->op, err);
  if (ret == 0 && req->op == SIE_AGENT_EXEC)
    ret = parse_exec (root, req, err);
  yajl_tree_free (root);
  if (ret < 0)
    sie_agent_request_release (req);
  return ret;
}

void
sie_agent_request_release (struct sie_agent_request *req)
{
  free_strv (req->args);
  free_strv (req->env);
  free (req->cwd);
  memset (req, 0, sizeof (*req));
}

static void
gen_key (yajl_gen g, const char *key)
{
  yajl_gen_string (g, (const unsigned char *) key, strlen (key));
}

/* {"ok":<ok>, <key>: <str or num>}\n; key NULL: {"ok":<ok>}\n */
static char *
reply (bool ok, const char *key, const char *str, long long num)
{
  yajl_gen g = yajl_gen_alloc (NULL);
  const unsigned char *buf;
  size_t len;
  char *line = NULL;

  if (g == NULL)
    return NULL;
  yajl_gen_map_open (g);
  gen_key (g, "ok");
  yajl_gen_bool (g, ok);
  if (key != NULL)
    {
      gen_key (g, key);
      if (str != NULL)
        yajl_gen_string (g, (const unsigned char *) str, strlen (str));
      else
        yajl_gen_integer (g, num);
    }
  if (yajl_gen_map_close (g) == yajl_gen_status_ok
      && yajl_gen_get_buf (g, &buf, &len) == yajl_gen_status_ok)
    {
      line = malloc (len + 2);
      if (line != NULL)
        {
          memcpy (line, buf, len);
          memcpy (line + len, "\n", 2);
        }
    }
  yajl_gen_free (g);
  return line;
}

char *
sie_agent_reply_ok (void)
{
  return reply (true, NULL, NULL, 0);
}

char *
sie_agent_reply_ping (void)
{
  return reply (true, "version", SIE_AGENT_VERSION, 0);
}

char *
sie_agent_reply_started (pid_t pid)
{
  return reply (true, "pid", NULL, pid);
}

char *
sie_agent_reply_error (const char *msg)
{
  return reply (false, "error", msg ? msg : "unknown error", 0);
}
