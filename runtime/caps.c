/* process.capabilities through libcap.
 *
 * Names are resolved in the parent (sie_caps_prepare), so the container's
 * init only makes the system calls.  As runc does, a well-formed name that
 * libcap or the running kernel does not know is ignored rather than fatal:
 * engines pass capabilities newer than the host (runtime-spec: runtimes
 * SHOULD NOT fail on capabilities that cannot be granted).  Only strings that
 * cannot be capability names at all are errors. */
#include "runtime/security.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/capability.h>

#include "util/log.h"

enum cap_set_kind
{
  SET_BOUNDING,
  SET_EFFECTIVE,
  SET_INHERITABLE,
  SET_PERMITTED,
  SET_AMBIENT,
  SET_KINDS
};

static const char *const set_names[SET_KINDS] = {
  "bounding", "effective", "inheritable", "permitted", "ambient",
};

struct sie_caps
{
  uint64_t mask[SET_KINDS]; /* bit n = capability n */
  int max_bits;             /* capabilities the running kernel knows */
  cap_t proc;               /* effective/permitted/inheritable, ready for cap_set_proc */
};

/* "CAP_" followed by letters, digits and underscores, in any case. */
static bool
looks_like_cap_name (const char *name)
{
  if (strncasecmp (name, "CAP_", 4) != 0 || name[4] == '\0')
    return false;
  for (const char *s = name + 4; *s; s++)
    if (!isalnum ((unsigned char) *s) && *s != '_')
      return false;
  return true;
}

static int
parse_set (char **names, enum cap_set_kind kind, int max_bits, uint64_t *mask,
           sie_error_t *err)
{
  *mask = 0;
  for (size_t i = 0; names && names[i]; i++)
    {
      cap_value_t v;

      if (!looks_like_cap_name (names[i]))
        return sie_error (err, 0, "process.capabilities.%s[%zu]: invalid capability name \"%s\"",
                          set_names[kind], i, names[i]);
      /* Unknown to libcap or to this kernel: ignored, as runc does. */
      if (cap_from_name (names[i], &v) < 0 || v < 0 || v >= max_bits || v >= 64)
        {
          sie_debug ("process.capabilities.%s[%zu]: unknown capability \"%s\" ignored",
                     set_names[kind], i, names[i]);
          continue;
        }
      *mask |= UINT64_C (1) << v;
    }
  return 0;
}

static int
set_flag_from_mask (cap_t c, cap_flag_t flag, uint64_t mask, sie_error_t *err)
{
  for (cap_value_t v = 0; v < 64; v++)
    if ((mask & (UINT64_C (1) << v)) && cap_set_flag (c, flag, 1, &v, CAP_SET) < 0)
      return sie_error (err, errno, "process.capabilities: cap_set_flag");
  return 0;
}

static int
build_proc_caps (struct sie_caps *c, sie_error_t *err)
{
  c->proc = cap_init ();
  if (c->proc == NULL)
    return sie_error (err, errno, "process.capabilities: cap_init");
  if (set_flag_from_mask (c->proc, CAP_EFFECTIVE, c->mask[SET_EFFECTIVE], err) < 0
      || set_flag_from_mask (c->proc, CAP_PERMITTED, c->mask[SET_PERMITTED], err) < 0
      || set_flag_from_mask (c->proc, CAP_INHERITABLE, c->mask[SET_INHERITABLE], err) < 0)
    return -1;
  return 0;
}

int
sie_caps_prepare (const struct sie_capabilities *caps, struct sie_caps **out, sie_error_t *err)
{
  char **lists[SET_KINDS];
  struct sie_caps *c;

  *out = NULL;
  if (caps == NULL)
    return 0;

  lists[SET_BOUNDING] = caps->bounding;
  lists[SET_EFFECTIVE] = caps->effective;
  lists[SET_INHERITABLE] = caps->inheritable;
  lists[SET_PERMITTED] = caps->permitted;
  lists[SET_AMBIENT] = caps->ambient;

  c = calloc (1, sizeof (*c));
  if (c == NULL)
    return sie_error (err, errno, "process.capabilities");
  c->max_bits = (int) cap_max_bits ();
  for (int k = 0; k < SET_KINDS; k++)
    {
      if (parse_set (lists[k], k, c->max_bits, &c->mask[k], err) < 0)
        {
          sie_caps_free (c);
          return -1;
        }
    }
  if (build_proc_caps (c, err) < 0)
    {
      sie_caps_free (c);
      return -1;
    }
  *out = c;
  return 0;
}

static int
drop_bound_error (cap_value_t v, int errno_, sie_error_t *err)
{
  char *name = cap_to_name (v); /* libcap memory: released with cap_free */
  char upper[64] = "a capability";

  if (name)
    {
      size_t i;
      for (i = 0; name[i] && i < sizeof upper - 1; i++)
        upper[i] = (char) toupper ((unsigned char) name[i]);
      upper[i] = '\0';
      cap_free (name);
    }
  return sie_error (err, errno_, "process.capabilities.bounding: dropping %s from the bounding set",
                    upper);
}

/* As in runc, a set absent from a present process.capabilities object is
 * empty: podman's --cap-drop all writes "capabilities": {}, and root must
 * then lose its bounding set too, or execve gives it everything back. */
int
sie_caps_drop_bounding (const struct sie_caps *c, sie_error_t *err)
{
  if (c == NULL)
    return 0;
  for (cap_value_t v = 0; v < c->max_bits && v < 64; v++)
    {
      if (c->mask[SET_BOUNDING] & (UINT64_C (1) << v))
        continue;
      /* Dropping needs CAP_SETPCAP even for an absent capability: skip
       * those, so an already-reduced bounding set is not an error. */
      if (cap_get_bound (v) == 0)
        continue;
      if (cap_drop_bound (v) < 0)
        return drop_bound_error (v, errno, err);
    }
  return 0;
}

int
sie_caps_apply (const struct sie_caps *c, sie_error_t *err)
{
  if (c == NULL)
    return 0;
  if (cap_set_proc (c->proc) < 0)
    return sie_error (err, errno,
                      "process.capabilities: setting effective, permitted and inheritable sets");

  if (cap_reset_ambient () < 0)
    return sie_error (err, errno, "process.capabilities.ambient: clearing the ambient set");
  /* Like runc, a capability that cannot be raised (absent from permitted or
   * inheritable) is skipped and the others are still raised. */
  for (cap_value_t v = 0; v < c->max_bits && v < 64; v++)
    if (c->mask[SET_AMBIENT] & (UINT64_C (1) << v))
      (void) cap_set_ambient (v, CAP_SET);
  return 0;
}

void
sie_caps_free (struct sie_caps *c)
{
  if (c == NULL)
    return;
  if (c->proc)
    cap_free (c->proc);
  free (c);
}
