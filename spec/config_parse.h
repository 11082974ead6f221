/* Internal to spec/: the pieces of the config parser split across files.
 * Each parse_* fills a zeroed struct that its caller already owns, so on
 * failure the caller frees the whole tree (spec/config_free.c copes with
 * partial trees). */
#ifndef SIE_SPEC_CONFIG_PARSE_H
#define SIE_SPEC_CONFIG_PARSE_H

#include "spec/config.h"
#include "spec/config_json.h"

int parse_process (const struct jctx *c, const struct jpath *p, yajl_val v,
                   struct sie_process *proc);
int parse_linux (const struct jctx *c, const struct jpath *p, yajl_val v, struct sie_linux *l);
int parse_resources (const struct jctx *c, const struct jpath *p, yajl_val v,
                     struct sie_resources *r);
int parse_id_mappings (const struct jctx *c, const struct jpath *p, yajl_val obj,
                       const char *key, struct sie_id_mapping **out, size_t *n);

/* -1 when `name` is not a namespace type. */
int sie_ns_type_from_name (const char *name);

#endif
