/* The OCI state document: `sie state`, hooks' stdin, the seccomp listener.
 * Documents are returned without a trailing newline. */
#include "spec/state.h"

#include "spec/json_out.h"

#define DEFAULT_OCI_VERSION "1.2.0"

static void
write_state (struct jout *o, const struct sie_oci_state *s, int runc_fields)
{
  jout_open (o);
  jout_key_str (o, "ociVersion", s->oci_version ? s->oci_version : DEFAULT_OCI_VERSION);
  jout_key_str (o, "id", s->id);
  if (s->pid > 0)
    jout_key_int (o, "pid", s->pid);
  jout_key_str (o, "status", s->status);
  jout_key_str (o, "bundle", s->bundle);
  if (runc_fields)
    {
      jout_key_str (o, "rootfs", s->rootfs);
      jout_key_str (o, "created", s->created);
      jout_key_str (o, "owner", s->owner);
    }
  if (s->n_annotations > 0)
    {
      jout_key (o, "annotations");
      jout_open (o);
      for (size_t i = 0; i < s->n_annotations; i++)
        jout_key_str (o, s->annotations[i].key, s->annotations[i].value);
      jout_close (o);
    }
  jout_close (o);
}

int
sie_oci_state_json (const struct sie_oci_state *s, int runc_fields, int pretty, char **out,
                    sie_error_t *err)
{
  struct jout o;

  if (jout_init (&o, pretty ? "  " : NULL, err) < 0)
    return -1;
  write_state (&o, s, runc_fields);
  return jout_finish (&o, false, out, err);
}

/* runc's ContainerProcessState; metadata is omitted when empty, as runc's
 * omitempty does. */
int
sie_seccomp_process_state_json (const struct sie_oci_state *s, pid_t pid, const char *metadata,
                                char **out, sie_error_t *err)
{
  static const char *const fds[] = { "seccompFd" };
  struct jout o;

  if (jout_init (&o, NULL, err) < 0)
    return -1;
  jout_open (&o);
  jout_key_str (&o, "ociVersion", s->oci_version ? s->oci_version : DEFAULT_OCI_VERSION);
  jout_key_strv (&o, "fds", fds, 1);
  jout_key_int (&o, "pid", pid);
  if (metadata && *metadata)
    jout_key_str (&o, "metadata", metadata);
  jout_key (&o, "state");
  write_state (&o, s, 0);
  jout_close (&o);
  return jout_finish (&o, false, out, err);
}
