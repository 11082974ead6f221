/* Arrays of strings. */
#ifndef SIE_STRV_H
#define SIE_STRV_H

#include <stddef.h>

#include "util/error.h"

/* v[0] sep v[1] sep ... into *out (malloc'd; "" for none); what names
 * the list in the error. */
int sie_strv_join (char *const *v, size_t n, const char *sep, const char *what, char **out,
                   sie_error_t *err);

#endif
