/* libFuzzer entry for the config parser: any input must either parse or
 * fail with one error, without leaks or memory errors.  Both entry points
 * are exercised, since process.json goes through the same getters with
 * paths rooted elsewhere. */
#include <stddef.h>
#include <stdint.h>

#include "spec/config.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct sie_config *c = NULL;
  struct sie_process *p = NULL;
  sie_error_t err = NULL;

  if (sie_config_parse ((const char *) data, size, "config.json", &c, &err) == 0)
    sie_config_free (c);
  sie_error_release (&err);

  if (sie_process_parse ((const char *) data, size, "process.json", &p, &err) == 0)
    sie_process_free (p);
  sie_error_release (&err);
  return 0;
}
