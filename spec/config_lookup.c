/* Lookups on a parsed config, and the spec's names for enum values. */
#include <string.h>

#include "spec/config_parse.h"

static const char *const ns_names[SIE_NS_TYPES] = {
  [SIE_NS_PID] = "pid",       [SIE_NS_NETWORK] = "network", [SIE_NS_MOUNT] = "mount",
  [SIE_NS_IPC] = "ipc",       [SIE_NS_UTS] = "uts",         [SIE_NS_USER] = "user",
  [SIE_NS_CGROUP] = "cgroup", [SIE_NS_TIME] = "time",
};

static const char *const hook_names[SIE_HOOK_KINDS] = {
  [SIE_HOOK_PRESTART] = "prestart",
  [SIE_HOOK_CREATE_RUNTIME] = "createRuntime",
  [SIE_HOOK_CREATE_CONTAINER] = "createContainer",
  [SIE_HOOK_START_CONTAINER] = "startContainer",
  [SIE_HOOK_POSTSTART] = "poststart",
  [SIE_HOOK_POSTSTOP] = "poststop",
};

const char *
sie_ns_type_name (enum sie_ns_type type)
{
  return (unsigned) type < SIE_NS_TYPES ? ns_names[type] : NULL;
}

int
sie_ns_type_from_name (const char *name)
{
  for (int t = 0; t < SIE_NS_TYPES; t++)
    if (strcmp (ns_names[t], name) == 0)
      return t;
  return -1;
}

const char *
sie_hook_kind_name (enum sie_hook_kind k)
{
  return (unsigned) k < SIE_HOOK_KINDS ? hook_names[k] : NULL;
}

/* Keys are unique after parsing; the last match is returned anyway, in
 * case a caller builds a config by hand. */
const char *
sie_config_annotation (const struct sie_config *c, const char *key)
{
  if (c == NULL)
    return NULL;
  for (size_t i = c->n_annotations; i-- > 0;)
    if (strcmp (c->annotations[i].key, key) == 0)
      return c->annotations[i].value;
  return NULL;
}

const struct sie_namespace *
sie_config_namespace (const struct sie_config *c, enum sie_ns_type type)
{
  if (c == NULL || c->linux_ == NULL)
    return NULL;
  for (size_t i = 0; i < c->linux_->n_namespaces; i++)
    if (c->linux_->namespaces[i].type == type)
      return &c->linux_->namespaces[i];
  return NULL;
}

bool
sie_mount_is_bind (const struct sie_mount *m)
{
  if (m->type && strcmp (m->type, "bind") == 0)
    return true;
  for (size_t i = 0; i < m->n_options; i++)
    if (strcmp (m->options[i], "bind") == 0 || strcmp (m->options[i], "rbind") == 0)
      return true;
  return false;
}
