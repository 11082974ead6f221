/* Freeing the config tree.  Every function accepts the partially filled
 * trees a failed parse leaves behind: arrays are zeroed when allocated and
 * their counts set at once, so unparsed elements are all NULLs. */
#include <stdlib.h>

#include "spec/config_parse.h"

static void
free_strv (char **v)
{
  if (v == NULL)
    return;
  for (char **it = v; *it; it++)
    free (*it);
  free (v);
}

static void
free_kv (struct sie_kv *kv, size_t n)
{
  if (kv == NULL)
    return;
  for (size_t i = 0; i < n; i++)
    {
      free (kv[i].key);
      free (kv[i].value);
    }
  free (kv);
}

static void
free_capabilities (struct sie_capabilities *caps)
{
  if (caps == NULL)
    return;
  free_strv (caps->bounding);
  free_strv (caps->effective);
  free_strv (caps->inheritable);
  free_strv (caps->permitted);
  free_strv (caps->ambient);
  free (caps);
}

static void
free_scheduler (struct sie_scheduler *s)
{
  if (s == NULL)
    return;
  free (s->policy);
  free_strv (s->flags);
  free (s);
}

static void
free_process_fields (struct sie_process *p)
{
  free (p->user.additional_gids);
  free_strv (p->args);
  free_strv (p->env);
  free (p->cwd);
  free_capabilities (p->capabilities);
  for (size_t i = 0; p->rlimits && i < p->n_rlimits; i++)
    free (p->rlimits[i].type);
  free (p->rlimits);
  free (p->apparmor_profile);
  free (p->selinux_label);
  free_scheduler (p->scheduler);
  if (p->io_priority)
    free (p->io_priority->class);
  free (p->io_priority);
  if (p->exec_cpu_affinity)
    {
      free (p->exec_cpu_affinity->initial);
      free (p->exec_cpu_affinity->final);
    }
  free (p->exec_cpu_affinity);
}

void
sie_process_free (struct sie_process *p)
{
  if (p == NULL)
    return;
  free_process_fields (p);
  free (p);
}

static void
free_mounts (struct sie_mount *m, size_t n)
{
  if (m == NULL)
    return;
  for (size_t i = 0; i < n; i++)
    {
      free (m[i].destination);
      free (m[i].type);
      free (m[i].source);
      free_strv (m[i].options);
      free (m[i].uid_mappings);
      free (m[i].gid_mappings);
    }
  free (m);
}

static void
free_hooks (struct sie_hooks *h)
{
  for (int k = 0; k < SIE_HOOK_KINDS; k++)
    {
      for (size_t i = 0; h->hooks[k] && i < h->n_hooks[k]; i++)
        {
          free (h->hooks[k][i].path);
          free_strv (h->hooks[k][i].args);
          free_strv (h->hooks[k][i].env);
        }
      free (h->hooks[k]);
    }
}

static void
free_block_io (struct sie_block_io *b)
{
  if (b == NULL)
    return;
  free (b->weight_device);
  free (b->throttle_read_bps);
  free (b->throttle_write_bps);
  free (b->throttle_read_iops);
  free (b->throttle_write_iops);
  free (b);
}

static void
free_resources (struct sie_resources *r)
{
  if (r == NULL)
    return;
  for (size_t i = 0; r->devices && i < r->n_devices; i++)
    free (r->devices[i].access);
  free (r->devices);
  free (r->memory);
  if (r->cpu)
    {
      free (r->cpu->cpus);
      free (r->cpu->mems);
    }
  free (r->cpu);
  free_block_io (r->block_io);
  for (size_t i = 0; r->hugepage_limits && i < r->n_hugepage_limits; i++)
    free (r->hugepage_limits[i].page_size);
  free (r->hugepage_limits);
  if (r->network)
    {
      for (size_t i = 0; r->network->priorities && i < r->network->n_priorities; i++)
        free (r->network->priorities[i].name);
      free (r->network->priorities);
    }
  free (r->network);
  for (size_t i = 0; r->rdma && i < r->n_rdma; i++)
    free (r->rdma[i].device);
  free (r->rdma);
  free_kv (r->unified, r->n_unified);
  free (r);
}

static void
free_seccomp (struct sie_seccomp *s)
{
  if (s == NULL)
    return;
  free (s->default_action);
  free_strv (s->architectures);
  free_strv (s->flags);
  free (s->listener_path);
  free (s->listener_metadata);
  for (size_t i = 0; s->syscalls && i < s->n_syscalls; i++)
    {
      struct sie_seccomp_syscall *sc = &s->syscalls[i];
      free_strv (sc->names);
      free (sc->action);
      for (size_t j = 0; sc->args && j < sc->n_args; j++)
        free (sc->args[j].op);
      free (sc->args);
    }
  free (s->syscalls);
  free (s);
}

static void
free_linux_extras (struct sie_linux *l)
{
  if (l->personality)
    {
      free (l->personality->domain);
      free_strv (l->personality->flags);
    }
  free (l->personality);
  if (l->intel_rdt)
    {
      free (l->intel_rdt->clos_id);
      free (l->intel_rdt->l3_cache_schema);
      free (l->intel_rdt->mem_bw_schema);
    }
  free (l->intel_rdt);
  if (l->memory_policy)
    {
      free (l->memory_policy->mode);
      free (l->memory_policy->nodes);
      free_strv (l->memory_policy->flags);
    }
  free (l->memory_policy);
  for (size_t i = 0; l->net_devices && i < l->n_net_devices; i++)
    {
      free (l->net_devices[i].host_name);
      free (l->net_devices[i].name);
    }
  free (l->net_devices);
}

static void
free_linux (struct sie_linux *l)
{
  if (l == NULL)
    return;
  for (size_t i = 0; l->namespaces && i < l->n_namespaces; i++)
    free (l->namespaces[i].path);
  free (l->namespaces);
  free (l->uid_mappings);
  free (l->gid_mappings);
  for (size_t i = 0; l->devices && i < l->n_devices; i++)
    free (l->devices[i].path);
  free (l->devices);
  free (l->cgroups_path);
  free_resources (l->resources);
  free (l->rootfs_propagation);
  free_seccomp (l->seccomp);
  free_kv (l->sysctl, l->n_sysctl);
  free_strv (l->masked_paths);
  free_strv (l->readonly_paths);
  free (l->mount_label);
  free_linux_extras (l);
  free (l);
}

void
sie_config_free (struct sie_config *c)
{
  if (c == NULL)
    return;
  free (c->oci_version);
  sie_process_free (c->process);
  if (c->root)
    free (c->root->path);
  free (c->root);
  free (c->hostname);
  free (c->domainname);
  free_mounts (c->mounts, c->n_mounts);
  free_hooks (&c->hooks);
  free_kv (c->annotations, c->n_annotations);
  free_linux (c->linux_);
  free (c);
}
