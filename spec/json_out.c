#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "spec/json_out.h"

static void
track (struct jout *o, yajl_gen_status st)
{
  if (o->st == yajl_gen_status_ok)
    o->st = st;
}

int
jout_init (struct jout *o, const char *indent, sie_error_t *err)
{
  o->st = yajl_gen_status_ok;
  o->g = yajl_gen_alloc (NULL);
  if (o->g == NULL)
    return sie_error (err, ENOMEM, "yajl_gen_alloc");
  if (indent)
    {
      yajl_gen_config (o->g, yajl_gen_beautify, 1);
      yajl_gen_config (o->g, yajl_gen_indent_string, indent);
    }
  return 0;
}

int
jout_finish (struct jout *o, bool newline, char **out, sie_error_t *err)
{
  const unsigned char *buf;
  size_t len;
  char *s;

  track (o, yajl_gen_get_buf (o->g, &buf, &len));
  if (o->st != yajl_gen_status_ok)
    {
      yajl_gen_free (o->g);
      return sie_error (err, 0, "generating JSON failed (yajl_gen status %d)", (int) o->st);
    }
  /* yajl ends a beautified document with a newline, a compact one without. */
  while (len > 0 && buf[len - 1] == '\n')
    len--;
  s = malloc (len + 2);
  if (s == NULL)
    {
      yajl_gen_free (o->g);
      return sie_error (err, ENOMEM, "generating JSON");
    }
  memcpy (s, buf, len);
  if (newline)
    s[len++] = '\n';
  s[len] = '\0';
  yajl_gen_free (o->g);
  *out = s;
  return 0;
}

void
jout_open (struct jout *o)
{
  track (o, yajl_gen_map_open (o->g));
}

void
jout_close (struct jout *o)
{
  track (o, yajl_gen_map_close (o->g));
}

void
jout_array (struct jout *o)
{
  track (o, yajl_gen_array_open (o->g));
}

void
jout_end (struct jout *o)
{
  track (o, yajl_gen_array_close (o->g));
}

void
jout_str (struct jout *o, const char *s)
{
  if (s == NULL)
    s = "";
  track (o, yajl_gen_string (o->g, (const unsigned char *) s, strlen (s)));
}

void
jout_key (struct jout *o, const char *key)
{
  jout_str (o, key);
}

void
jout_key_str (struct jout *o, const char *key, const char *s)
{
  jout_key (o, key);
  jout_str (o, s);
}

void
jout_key_bool (struct jout *o, const char *key, bool b)
{
  jout_key (o, key);
  track (o, yajl_gen_bool (o->g, b));
}

void
jout_key_int (struct jout *o, const char *key, long long n)
{
  jout_key (o, key);
  track (o, yajl_gen_integer (o->g, n));
}

void
jout_int (struct jout *o, long long n)
{
  track (o, yajl_gen_integer (o->g, n));
}

void
jout_key_strv (struct jout *o, const char *key, const char *const *v, size_t n)
{
  jout_key (o, key);
  jout_array (o);
  for (size_t i = 0; i < n; i++)
    jout_str (o, v[i]);
  jout_end (o);
}
