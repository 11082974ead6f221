/* From bytes to a yajl tree, with syntax errors located by line and column.
 *
 * yajl_tree_parse reports errors without a position, so the document is
 * first run through the streaming parser, whose consumed-byte count locates
 * the error.  That pass also refuses what the tree would silently accept or
 * mangle: comments (yajl_tree_parse allows them), deep nesting (the tree is
 * freed recursively) and NUL characters inside strings (the tree keeps C
 * strings, so "/bin/sh\u0000x" would quietly become "/bin/sh"). */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <yajl/yajl_parse.h>
#include <yajl/yajl_tree.h>

#include "spec/config_json.h"
#include "util/cleanup.h"

struct scan
{
  yajl_handle h;
  unsigned depth;
  size_t doc_end;  /* just past the top-level object or array */
  const char *why; /* set when a callback stops the parse */
};

static int
scan_open (void *ctx)
{
  struct scan *s = ctx;
  if (++s->depth > JV_MAX_DEPTH)
    {
      s->why = "nesting too deep";
      return 0;
    }
  return 1;
}

static int
scan_close (void *ctx)
{
  struct scan *s = ctx;
  if (--s->depth == 0)
    s->doc_end = yajl_get_bytes_consumed (s->h);
  return 1;
}

static int
scan_string (void *ctx, const unsigned char *str, size_t len)
{
  struct scan *s = ctx;
  if (memchr (str, '\0', len) != NULL)
    {
      s->why = "NUL character in string";
      return 0;
    }
  return 1;
}

/* No number callbacks: yajl then neither converts nor range-checks numbers,
 * which the typed getters do against each field's own type. */
static const yajl_callbacks scan_callbacks = {
  .yajl_string = scan_string,
  .yajl_start_map = scan_open,
  .yajl_map_key = scan_string,
  .yajl_end_map = scan_close,
  .yajl_start_array = scan_open,
  .yajl_end_array = scan_close,
};

static void
yajl_freep (yajl_handle *h)
{
  if (*h)
    yajl_free (*h);
}

/* Columns count characters, not bytes: UTF-8 continuation bytes are skipped. */
static void
line_col (const char *s, size_t off, size_t *line, size_t *col)
{
  *line = 1;
  *col = 1;
  for (size_t i = 0; i < off; i++)
    {
      if (s[i] == '\n')
        {
          (*line)++;
          *col = 1;
        }
      else if (((unsigned char) s[i] & 0xC0) != 0x80)
        (*col)++;
    }
}

static bool
is_json_space (char ch)
{
  return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

static int
syntax_error (const char *json, size_t off, const char *origin, const char *cause,
              sie_error_t *err)
{
  size_t line, col, n = strcspn (cause, "\n");

  while (n > 0 && (cause[n - 1] == ' ' || cause[n - 1] == '\t'))
    n--;
  line_col (json, off, &line, &col);
  return sie_error (err, 0, "%s: line %zu, column %zu: %.*s", origin, line, col, (int) n,
                    cause);
}

static int
check_syntax (const char *json, size_t len, const char *origin, sie_error_t *err)
{
  __attribute__ ((cleanup (yajl_freep))) yajl_handle h = NULL;
  struct scan s = { 0 };
  yajl_status st;
  size_t off;
  bool at_end = false;

  h = yajl_alloc (&scan_callbacks, NULL, &s);
  if (h == NULL)
    return sie_error (err, ENOMEM, "%s: parse", origin);
  s.h = h;
  yajl_config (h, yajl_allow_comments, 0);

  st = yajl_parse (h, (const unsigned char *) json, len);
  if (st == yajl_status_ok)
    {
      st = yajl_complete_parse (h);
      at_end = true;
    }
  if (st == yajl_status_ok)
    return 0;

  if (at_end)
    {
      /* Truncated: point just past the last meaningful character. */
      off = len;
      while (off > 0 && is_json_space (json[off - 1]))
        off--;
    }
  else
    {
      /* The count includes the offending token; point at its last byte. */
      off = yajl_get_bytes_consumed (h);
      if (off > 0)
        off--;
    }

  if (st == yajl_status_client_canceled)
    return syntax_error (json, off, origin, s.why, err);

  unsigned char *cause = yajl_get_error (h, 0, (const unsigned char *) json, len);
  if (cause && strstr ((char *) cause, "trailing garbage") && s.doc_end > 0)
    {
      /* Point at where the garbage starts, not where yajl gave up on it. */
      for (off = s.doc_end; off < len && is_json_space (json[off]); off++)
        ;
    }
  else if (cause && strstr ((char *) cause, "comment"))
    off = yajl_get_bytes_consumed (h); /* yajl put the '/' back */
  syntax_error (json, off, origin, cause ? (const char *) cause : "invalid JSON", err);
  if (cause)
    yajl_free_error (h, cause);
  return -1;
}

int
jv_parse_tree (const char *json, size_t len, const char *origin, yajl_val *out,
               sie_error_t *err)
{
  cleanup_free char *copy = NULL;
  char why[128] = "";
  size_t i;

  for (i = 0; i < len && is_json_space (json[i]); i++)
    ;
  if (i == len)
    return sie_error (err, 0, "%s: empty document", origin);

  if (check_syntax (json, len, origin, err) < 0)
    return -1;

  /* Valid JSON holds no NUL byte, so the terminated copy is the same text. */
  copy = malloc (len + 1);
  if (copy == NULL)
    return sie_error (err, ENOMEM, "%s: parse", origin);
  memcpy (copy, json, len);
  copy[len] = '\0';

  *out = yajl_tree_parse (copy, why, sizeof (why));
  if (*out == NULL)
    return sie_error (err, why[0] ? 0 : ENOMEM, "%s: %s", origin, why[0] ? why : "parse");
  return 0;
}
