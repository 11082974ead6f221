/* Internal to spec/: building JSON documents with yajl_gen.  Failures are
 * sticky, so a document is written without checking every call and
 * jout_finish reports the first one. */
#ifndef SIE_SPEC_JSON_OUT_H
#define SIE_SPEC_JSON_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yajl/yajl_gen.h>

#include "util/error.h"

struct jout
{
  yajl_gen g;
  yajl_gen_status st;
};

/* indent NULL: compact, one line. */
int jout_init (struct jout *o, const char *indent, sie_error_t *err);
/* Hands over the document (with a trailing newline when asked) and frees
 * the generator, also on failure. */
int jout_finish (struct jout *o, bool newline, char **out, sie_error_t *err);

void jout_open (struct jout *o);  /* { */
void jout_close (struct jout *o); /* } */
void jout_array (struct jout *o); /* [ */
void jout_end (struct jout *o);   /* ] */
void jout_str (struct jout *o, const char *s); /* NULL writes "" */
void jout_key (struct jout *o, const char *key);
void jout_key_str (struct jout *o, const char *key, const char *s);
void jout_key_bool (struct jout *o, const char *key, bool b);
void jout_key_int (struct jout *o, const char *key, long long n);
void jout_int (struct jout *o, long long n); /* an array element */
void jout_key_strv (struct jout *o, const char *key, const char *const *v, size_t n);

#endif
