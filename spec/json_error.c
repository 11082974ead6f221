/* Error messages that point into the document: the JSON path of the bad
 * value and the value itself, shown as JSON and cut short when long. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "spec/config_json.h"
#include "util/cleanup.h"

/* Shown values are cut to about this many bytes. */
#define SHOW_MAX 40

struct shown
{
  char buf[SHOW_MAX + 16];
  size_t len;
  bool cut;
};

static void
shown_print (void *ctx, const char *s, size_t n)
{
  struct shown *out = ctx;
  size_t room = SHOW_MAX + 1 - out->len; /* one more byte reveals a cut */

  if (n > room)
    {
      n = room;
      out->cut = true;
    }
  memcpy (out->buf + out->len, s, n);
  out->len += n;
}

static void
gen_value (yajl_gen g, yajl_val v, const struct shown *out)
{
  if (out->cut)
    return;
  switch (v->type)
    {
    case yajl_t_string:
      yajl_gen_string (g, (const unsigned char *) v->u.string, strlen (v->u.string));
      break;
    case yajl_t_number:
      yajl_gen_number (g, v->u.number.r, strlen (v->u.number.r));
      break;
    case yajl_t_object:
      yajl_gen_map_open (g);
      for (size_t i = 0; i < v->u.object.len && !out->cut; i++)
        {
          yajl_gen_string (g, (const unsigned char *) v->u.object.keys[i],
                           strlen (v->u.object.keys[i]));
          gen_value (g, v->u.object.values[i], out);
        }
      yajl_gen_map_close (g);
      break;
    case yajl_t_array:
      yajl_gen_array_open (g);
      for (size_t i = 0; i < v->u.array.len && !out->cut; i++)
        gen_value (g, v->u.array.values[i], out);
      yajl_gen_array_close (g);
      break;
    case yajl_t_true:
      yajl_gen_bool (g, 1);
      break;
    case yajl_t_false:
      yajl_gen_bool (g, 0);
      break;
    default:
      yajl_gen_null (g);
      break;
    }
}

/* Compact JSON of v; when longer than SHOW_MAX, cut on a character boundary
 * and marked with "...". */
static void
show_value (yajl_val v, struct shown *out)
{
  yajl_gen g = yajl_gen_alloc (NULL);

  out->len = 0;
  out->cut = false;
  if (g == NULL || v == NULL)
    {
      strcpy (out->buf, v == NULL ? "null" : "?");
      if (g)
        yajl_gen_free (g);
      return;
    }
  yajl_gen_config (g, yajl_gen_print_callback, shown_print, out);
  gen_value (g, v, out);
  yajl_gen_free (g);

  if (out->len > SHOW_MAX)
    out->cut = true;
  if (out->cut)
    {
      out->len = SHOW_MAX - 3;
      while (out->len > 0 && ((unsigned char) out->buf[out->len] & 0xC0) == 0x80)
        out->len--;
      strcpy (out->buf + out->len, v->type == yajl_t_string ? "...\"" : "...");
      out->len += strlen (out->buf + out->len);
    }
  out->buf[out->len] = '\0';
}

static bool
is_plain_key (const char *key)
{
  if (*key == '\0')
    return false;
  for (; *key; key++)
    if (!((*key >= 'a' && *key <= 'z') || (*key >= 'A' && *key <= 'Z')
          || (*key >= '0' && *key <= '9') || *key == '_'))
      return false;
  return true;
}

/* mounts[2].destination; keys that are not identifiers (annotation names,
 * sysctl keys) are quoted: annotations["org.example.key"]. */
static void
print_path (FILE *f, const struct jpath *p)
{
  if (p == NULL)
    return;
  print_path (f, p->up);
  if (p->key == NULL)
    fprintf (f, "[%zu]", p->index);
  else if (is_plain_key (p->key))
    fprintf (f, "%s%s", p->up ? "." : "", p->key);
  else
    {
      struct yajl_val_s key = { .type = yajl_t_string, .u.string = (char *) p->key };
      struct shown s;
      show_value (&key, &s);
      fprintf (f, "[%s]", s.buf);
    }
}

int
jerr (const struct jctx *c, const struct jpath *p, const char *fmt, ...)
{
  cleanup_free char *path = NULL, *msg = NULL;
  size_t path_len = 0;
  FILE *f;
  va_list ap;
  int r;

  va_start (ap, fmt);
  r = vasprintf (&msg, fmt, ap);
  va_end (ap);
  if (r < 0)
    return jerr_oom (c);

  f = open_memstream (&path, &path_len);
  if (f == NULL)
    return jerr_oom (c);
  print_path (f, p);
  if (fclose (f) != 0)
    return jerr_oom (c);

  if (path_len == 0)
    return sie_error (c->err, 0, "%s: %s", c->origin, msg);
  return sie_error (c->err, 0, "%s: %s: %s", c->origin, path, msg);
}

int
jerr_type (const struct jctx *c, const struct jpath *p, const char *what, yajl_val v)
{
  struct shown s;

  show_value (v, &s);
  return jerr (c, p, "expected %s, got %s", what, s.buf);
}

int
jerr_value (const struct jctx *c, const struct jpath *p, const char *what, yajl_val v)
{
  struct shown s;

  show_value (v, &s);
  return jerr (c, p, "%s %s", what, s.buf);
}

int
jerr_missing (const struct jctx *c, const struct jpath *p)
{
  return jerr (c, p, "missing required field");
}

int
jerr_oom (const struct jctx *c)
{
  return sie_error (c->err, ENOMEM, "%s", c->origin);
}
