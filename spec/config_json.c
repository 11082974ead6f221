/* Typed getters over the yajl tree.  Numbers are read from their source
 * text: yajl's own integer conversion overflows past INT64_MAX and accepts
 * 1.5 as an integer, while OCI has uint64 fields (rlimits, seccomp values)
 * that use the full range and integer fields that must reject fractions. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "spec/config_json.h"
#include "util/cleanup.h"

yajl_val
jv_field (yajl_val obj, const char *key)
{
  if (!YAJL_IS_OBJECT (obj))
    return NULL;
  for (size_t i = obj->u.object.len; i-- > 0;)
    if (strcmp (obj->u.object.keys[i], key) == 0)
      return YAJL_IS_NULL (obj->u.object.values[i]) ? NULL : obj->u.object.values[i];
  return NULL;
}

void *
jv_calloc (const struct jctx *c, size_t n, size_t size)
{
  void *p = calloc (n ? n : 1, size);
  if (p == NULL)
    jerr_oom (c);
  return p;
}

int
jv_object (const struct jctx *c, const struct jpath *p, yajl_val v)
{
  return YAJL_IS_OBJECT (v) ? 0 : jerr_type (c, p, "an object", v);
}

int
jv_string (const struct jctx *c, const struct jpath *p, yajl_val v, char **out)
{
  char *s;

  if (!YAJL_IS_STRING (v))
    return jerr_type (c, p, "a string", v);
  s = strdup (v->u.string);
  if (s == NULL)
    return jerr_oom (c);
  free (*out);
  *out = s;
  return 0;
}

int
jv_bool (const struct jctx *c, const struct jpath *p, yajl_val v, bool *out)
{
  if (YAJL_IS_TRUE (v))
    *out = true;
  else if (YAJL_IS_FALSE (v))
    *out = false;
  else
    return jerr_type (c, p, "a boolean", v);
  return 0;
}

/* The source text of an integral JSON number, or NULL. */
static const char *
integer_text (yajl_val v)
{
  if (!YAJL_IS_NUMBER (v) || strpbrk (v->u.number.r, ".eE") != NULL)
    return NULL;
  return v->u.number.r;
}

int
jv_int (const struct jctx *c, const struct jpath *p, yajl_val v, int64_t min, int64_t max,
        int64_t *out)
{
  const char *text = integer_text (v);
  long long n;

  if (text == NULL)
    return jerr_type (c, p, "an integer", v);
  errno = 0;
  n = strtoll (text, NULL, 10);
  if (errno == ERANGE || n < min || n > max)
    {
      if (min == 0 && text[0] == '-')
        return jerr_type (c, p, "a non-negative integer", v);
      cleanup_free char *what = NULL;
      if (asprintf (&what, "an integer between %" PRId64 " and %" PRId64, min, max) < 0)
        return jerr_oom (c);
      return jerr_type (c, p, what, v);
    }
  *out = n;
  return 0;
}

int
jv_uint (const struct jctx *c, const struct jpath *p, yajl_val v, uint64_t max, uint64_t *out)
{
  const char *text = integer_text (v);
  unsigned long long n;

  if (text == NULL)
    return jerr_type (c, p, "an integer", v);
  /* strtoull would wrap "-1" around; "-0" is still zero. */
  if (text[0] == '-' && strspn (text + 1, "0") != strlen (text + 1))
    return jerr_type (c, p, "a non-negative integer", v);
  errno = 0;
  n = strtoull (text, NULL, 10);
  if (errno == ERANGE || n > max)
    {
      cleanup_free char *what = NULL;
      if (asprintf (&what, "an integer between 0 and %" PRIu64, max) < 0)
        return jerr_oom (c);
      return jerr_type (c, p, what, v);
    }
  *out = n;
  return 0;
}

int
jv_strv (const struct jctx *c, const struct jpath *p, yajl_val v, char ***out, size_t *n)
{
  char **strv;
  size_t len;

  if (!YAJL_IS_ARRAY (v))
    return jerr_type (c, p, "an array of strings", v);
  len = v->u.array.len;
  strv = jv_calloc (c, len + 1, sizeof (char *));
  if (strv == NULL)
    return -1;
  cleanup_strvp (out);
  *out = strv;
  *n = len;
  for (size_t i = 0; i < len; i++)
    {
      struct jpath ip = JP_IDX (p, i);
      if (jv_string (c, &ip, v->u.array.values[i], &strv[i]) < 0)
        return -1;
    }
  return 0;
}

int
jv_array (const struct jctx *c, const struct jpath *p, yajl_val v, size_t elem_size,
          jv_each_fn each, void *out, size_t *n)
{
  char *arr;

  if (!YAJL_IS_ARRAY (v))
    return jerr_type (c, p, "an array", v);
  arr = jv_calloc (c, v->u.array.len, elem_size);
  if (arr == NULL)
    return -1;
  *(void **) out = arr;
  *n = v->u.array.len;
  for (size_t i = 0; i < v->u.array.len; i++)
    {
      struct jpath ip = JP_IDX (p, i);
      if (each (c, &ip, v->u.array.values[i], arr + i * elem_size) < 0)
        return -1;
    }
  return 0;
}

static int
cmp_key_index (const void *a, const void *b, void *keys_)
{
  const char **keys = keys_;
  size_t ia = *(const size_t *) a, ib = *(const size_t *) b;
  int r = strcmp (keys[ia], keys[ib]);

  if (r != 0)
    return r;
  return ia < ib ? -1 : ia > ib;
}

int
jv_find_duplicate (const struct jctx *c, const char *const *keys, size_t n, size_t *dup)
{
  cleanup_free size_t *order = jv_calloc (c, n, sizeof (size_t));

  if (order == NULL)
    return -1;
  for (size_t i = 0; i < n; i++)
    order[i] = i;
  qsort_r (order, n, sizeof (size_t), cmp_key_index, (void *) keys);
  for (size_t i = 0; i + 1 < n; i++)
    if (strcmp (keys[order[i]], keys[order[i + 1]]) == 0)
      {
        *dup = order[i + 1];
        return 1;
      }
  return 0;
}

/* Marks in keep[] the last occurrence of every key.  Sorting keeps this
 * O(n log n) for documents with huge maps. */
static int
mark_last_keys (const struct jctx *c, yajl_val obj, bool *keep, size_t *kept)
{
  size_t len = obj->u.object.len;
  cleanup_free size_t *order = jv_calloc (c, len, sizeof (size_t));

  if (order == NULL)
    return -1;
  for (size_t i = 0; i < len; i++)
    order[i] = i;
  qsort_r (order, len, sizeof (size_t), cmp_key_index, obj->u.object.keys);
  *kept = 0;
  for (size_t i = 0; i < len; i++)
    {
      bool last = i + 1 == len
                  || strcmp (obj->u.object.keys[order[i]], obj->u.object.keys[order[i + 1]]) != 0;
      keep[order[i]] = last;
      *kept += last;
    }
  return 0;
}

int
jv_map (const struct jctx *c, const struct jpath *p, yajl_val v, size_t elem_size,
        jv_entry_fn entry, void *out, size_t *n)
{
  cleanup_free bool *keep = NULL;
  size_t kept, j = 0;
  char *arr;

  if (!YAJL_IS_OBJECT (v))
    return jerr_type (c, p, "an object", v);
  keep = jv_calloc (c, v->u.object.len, sizeof (bool));
  if (keep == NULL || mark_last_keys (c, v, keep, &kept) < 0)
    return -1;
  arr = jv_calloc (c, kept, elem_size);
  if (arr == NULL)
    return -1;
  *(void **) out = arr;
  *n = kept;
  for (size_t i = 0; i < v->u.object.len; i++)
    {
      if (!keep[i])
        continue;
      struct jpath kp = JP_KEY (p, v->u.object.keys[i]);
      if (entry (c, &kp, v->u.object.keys[i], v->u.object.values[i], arr + j++ * elem_size) < 0)
        return -1;
    }
  return 0;
}

static int
kv_entry (const struct jctx *c, const struct jpath *p, const char *key, yajl_val v, void *elem)
{
  struct sie_kv *kv = elem;

  kv->key = strdup (key);
  if (kv->key == NULL)
    return jerr_oom (c);
  return jv_string (c, p, v, &kv->value);
}

int
jv_kv (const struct jctx *c, const struct jpath *p, yajl_val v, struct sie_kv **out, size_t *n)
{
  return jv_map (c, p, v, sizeof (struct sie_kv), kv_entry, out, n);
}

int
jv_opt_string (const struct jctx *c, const struct jpath *p, yajl_val obj, const char *key,
               char **out)
{
  struct jpath kp = JP_KEY (p, key);
  yajl_val v = jv_field (obj, key);

  return v ? jv_string (c, &kp, v, out) : 0;
}

int
jv_req_string (const struct jctx *c, const struct jpath *p, yajl_val obj, const char *key,
               char **out)
{
  struct jpath kp = JP_KEY (p, key);
  yajl_val v = jv_field (obj, key);

  return v ? jv_string (c, &kp, v, out) : jerr_missing (c, &kp);
}

int
jv_opt_bool (const struct jctx *c, const struct jpath *p, yajl_val obj, const char *key,
             bool *out)
{
  struct jpath kp = JP_KEY (p, key);
  yajl_val v = jv_field (obj, key);

  return v ? jv_bool (c, &kp, v, out) : 0;
}

int
jv_opt_obool (const struct jctx *c, const struct jpath *p, yajl_val obj, const char *key,
              sie_opt_bool *out)
{
  struct jpath kp = JP_KEY (p, key);
  yajl_val v = jv_field (obj, key);

  if (v == NULL)
    return 0;
  if (jv_bool (c, &kp, v, &out->v) < 0)
    return -1;
  out->set = true;
  return 0;
}

int
jv_opt_i64 (const struct jctx *c, const struct jpath *p, yajl_val obj, const char *key,
            int64_t min, int64_t max, sie_opt_i64 *out)
{
  struct jpath kp = JP_KEY (p, key);
  yajl_val v = jv_field (obj, key);

  if (v == NULL)
    return 0;
  if (jv_int (c, &kp, v, min, max, &out->v) < 0)
    return -1;
  out->set = true;
  return 0;
}

int
jv_opt_u64 (const struct jctx *c, const struct jpath *p, yajl_val obj, const char *key,
            uint64_t max, sie_opt_u64 *out)
{
  struct jpath kp = JP_KEY (p, key);
  yajl_val v = jv_field (obj, key);

  if (v == NULL)
    return 0;
  if (jv_uint (c, &kp, v, max, &out->v) < 0)
    return -1;
  out->set = true;
  return 0;
}

int
jv_opt_u32 (const struct jctx *c, const struct jpath *p, yajl_val obj, const char *key,
            uint32_t *out)
{
  struct jpath kp = JP_KEY (p, key);
  yajl_val v = jv_field (obj, key);
  uint64_t n;

  if (v == NULL)
    return 0;
  if (jv_uint (c, &kp, v, UINT32_MAX, &n) < 0)
    return -1;
  *out = (uint32_t) n;
  return 0;
}

int
jv_opt_strv (const struct jctx *c, const struct jpath *p, yajl_val obj, const char *key,
             char ***out, size_t *n)
{
  struct jpath kp = JP_KEY (p, key);
  yajl_val v = jv_field (obj, key);

  return v ? jv_strv (c, &kp, v, out, n) : 0;
}

int
jv_opt_kv (const struct jctx *c, const struct jpath *p, yajl_val obj, const char *key,
           struct sie_kv **out, size_t *n)
{
  struct jpath kp = JP_KEY (p, key);
  yajl_val v = jv_field (obj, key);

  return v ? jv_kv (c, &kp, v, out, n) : 0;
}

int
jv_opt_new (const struct jctx *c, const struct jpath *p, yajl_val obj, const char *key,
            size_t size, jv_each_fn fn, void *out)
{
  struct jpath kp = JP_KEY (p, key);
  yajl_val v = jv_field (obj, key);
  void *elem;

  if (v == NULL)
    return 0;
  elem = jv_calloc (c, 1, size);
  if (elem == NULL)
    return -1;
  *(void **) out = elem;
  return fn (c, &kp, v, elem);
}

int
jv_opt_with (const struct jctx *c, const struct jpath *p, yajl_val obj, const char *key,
             jv_each_fn fn, void *elem)
{
  struct jpath kp = JP_KEY (p, key);
  yajl_val v = jv_field (obj, key);

  return v ? fn (c, &kp, v, elem) : 0;
}

int
jv_opt_array (const struct jctx *c, const struct jpath *p, yajl_val obj, const char *key,
              size_t elem_size, jv_each_fn each, void *out, size_t *n)
{
  struct jpath kp = JP_KEY (p, key);
  yajl_val v = jv_field (obj, key);

  return v ? jv_array (c, &kp, v, elem_size, each, out, n) : 0;
}

int
jv_opt_map (const struct jctx *c, const struct jpath *p, yajl_val obj, const char *key,
            size_t elem_size, jv_entry_fn entry, void *out, size_t *n)
{
  struct jpath kp = JP_KEY (p, key);
  yajl_val v = jv_field (obj, key);

  return v ? jv_map (c, &kp, v, elem_size, entry, out, n) : 0;
}
