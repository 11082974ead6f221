/* Internal to spec/: typed access to a yajl tree with errors that name the
 * JSON path ("linux.resources.memory.limit: expected an integer, got "1G"").
 *
 * Every getter either fills its output and returns 0, or fills the error
 * once and returns -1.  Outputs are written into the caller's struct as soon
 * as they are allocated, so a failed parse is undone by freeing the whole
 * (partially filled, zero-initialised) tree. */
#ifndef SIE_SPEC_CONFIG_JSON_H
#define SIE_SPEC_CONFIG_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yajl/yajl_tree.h>

#include "spec/config.h"
#include "util/error.h"

/* Deeper documents are refused: the tree is freed recursively, and no OCI
 * config comes anywhere near this. */
#define JV_MAX_DEPTH 256

/* A path into the document, as a chain of stack frames from the value up to
 * the root (NULL).  It costs nothing unless an error renders it. */
struct jpath
{
  const struct jpath *up;
  const char *key; /* NULL for an array element */
  size_t index;
};
#define JP_KEY(up_, key_) ((struct jpath){ .up = (up_), .key = (key_) })
#define JP_IDX(up_, i_) ((struct jpath){ .up = (up_), .index = (i_) })

struct jctx
{
  const char *origin; /* "config.json" */
  sie_error_t *err;
};

/* Validates `json` (reporting line and column on syntax errors) and builds
 * the tree.  Free with yajl_tree_free. */
int jv_parse_tree (const char *json, size_t len, const char *origin, yajl_val *out,
                   sie_error_t *err);

static inline void
jv_tree_freep (yajl_val *v)
{
  if (*v)
    yajl_tree_free (*v);
}
#define cleanup_tree __attribute__ ((cleanup (jv_tree_freep)))

/* "<origin>: <path>: <message>". */
int jerr (const struct jctx *c, const struct jpath *p, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));
/* "<origin>: <path>: expected <what>, got <v as JSON>". */
int jerr_type (const struct jctx *c, const struct jpath *p, const char *what, yajl_val v);
/* "<origin>: <path>: <what> <v as JSON>". */
int jerr_value (const struct jctx *c, const struct jpath *p, const char *what, yajl_val v);
int jerr_missing (const struct jctx *c, const struct jpath *p);
int jerr_oom (const struct jctx *c);

/* The value of `key` in object `obj` (the last one if repeated, as Go's
 * decoder does); NULL when absent or JSON null, which count as unset. */
yajl_val jv_field (yajl_val obj, const char *key);

/* calloc that reports failure through the context; n may be 0. */
void *jv_calloc (const struct jctx *c, size_t n, size_t size);

int jv_object (const struct jctx *c, const struct jpath *p, yajl_val v);
int jv_string (const struct jctx *c, const struct jpath *p, yajl_val v, char **out);
int jv_bool (const struct jctx *c, const struct jpath *p, yajl_val v, bool *out);
int jv_int (const struct jctx *c, const struct jpath *p, yajl_val v, int64_t min, int64_t max,
            int64_t *out);
int jv_uint (const struct jctx *c, const struct jpath *p, yajl_val v, uint64_t max,
             uint64_t *out);
/* A string array, NULL-terminated; [] gives a non-NULL empty vector. */
int jv_strv (const struct jctx *c, const struct jpath *p, yajl_val v, char ***out, size_t *n);

/* Arrays of structs: allocates *out (elements zeroed, *n set at once) and
 * calls `each` for every element with its indexed path. */
typedef int (*jv_each_fn) (const struct jctx *c, const struct jpath *p, yajl_val v, void *elem);
int jv_array (const struct jctx *c, const struct jpath *p, yajl_val v, size_t elem_size,
              jv_each_fn each, void *out, size_t *n);

/* Objects used as maps: like jv_array, one element per distinct key (the
 * last occurrence wins), in document order. */
typedef int (*jv_entry_fn) (const struct jctx *c, const struct jpath *p, const char *key,
                            yajl_val v, void *elem);
int jv_map (const struct jctx *c, const struct jpath *p, yajl_val v, size_t elem_size,
            jv_entry_fn entry, void *out, size_t *n);
/* A map of string to string. */
int jv_kv (const struct jctx *c, const struct jpath *p, yajl_val v, struct sie_kv **out,
           size_t *n);

/* Finds a repeated string among keys[0..n): returns 1 and the index of a
 * repetition in *dup, 0 when all differ, -1 on allocation failure. */
int jv_find_duplicate (const struct jctx *c, const char *const *keys, size_t n, size_t *dup);

/* Field accessors on an object: an absent field leaves the output as is. */
int jv_opt_string (const struct jctx *c, const struct jpath *p, yajl_val obj, const char *key,
                   char **out);
int jv_req_string (const struct jctx *c, const struct jpath *p, yajl_val obj, const char *key,
                   char **out);
int jv_opt_bool (const struct jctx *c, const struct jpath *p, yajl_val obj, const char *key,
                 bool *out);
int jv_opt_obool (const struct jctx *c, const struct jpath *p, yajl_val obj, const char *key,
                  sie_opt_bool *out);
int jv_opt_i64 (const struct jctx *c, const struct jpath *p, yajl_val obj, const char *key,
                int64_t min, int64_t max, sie_opt_i64 *out);
int jv_opt_u64 (const struct jctx *c, const struct jpath *p, yajl_val obj, const char *key,
                uint64_t max, sie_opt_u64 *out);
int jv_opt_u32 (const struct jctx *c, const struct jpath *p, yajl_val obj, const char *key,
                uint32_t *out);
int jv_opt_strv (const struct jctx *c, const struct jpath *p, yajl_val obj, const char *key,
                 char ***out, size_t *n);
/* Optional object field parsed by `fn` into a newly allocated *out of
 * `size` bytes (jv_opt_new), or into the caller's `elem` (jv_opt_with). */
int jv_opt_new (const struct jctx *c, const struct jpath *p, yajl_val obj, const char *key,
                size_t size, jv_each_fn fn, void *out);
int jv_opt_with (const struct jctx *c, const struct jpath *p, yajl_val obj, const char *key,
                 jv_each_fn fn, void *elem);
int jv_opt_array (const struct jctx *c, const struct jpath *p, yajl_val obj, const char *key,
                  size_t elem_size, jv_each_fn each, void *out, size_t *n);
int jv_opt_map (const struct jctx *c, const struct jpath *p, yajl_val obj, const char *key,
                size_t elem_size, jv_entry_fn entry, void *out, size_t *n);
int jv_opt_kv (const struct jctx *c, const struct jpath *p, yajl_val obj, const char *key,
               struct sie_kv **out, size_t *n);

#endif
