#include "runtime/mount_options.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "util/cleanup.h"

#define MS_ATIME_MODES (MS_NOATIME | MS_RELATIME | MS_STRICTATIME)

struct flag_option
{
  const char *name;
  bool clear;
  unsigned long flag;
};

/* The option names runc and mount(8) accept, mapped to MS_* flags. */
static const struct flag_option flag_options[] = {
  { "defaults", false, 0 },
  { "ro", false, MS_RDONLY },
  { "rw", true, MS_RDONLY },
  { "nosuid", false, MS_NOSUID },
  { "suid", true, MS_NOSUID },
  { "nodev", false, MS_NODEV },
  { "dev", true, MS_NODEV },
  { "noexec", false, MS_NOEXEC },
  { "exec", true, MS_NOEXEC },
  { "sync", false, MS_SYNCHRONOUS },
  { "async", true, MS_SYNCHRONOUS },
  { "dirsync", false, MS_DIRSYNC },
  { "remount", false, MS_REMOUNT },
  { "mand", false, MS_MANDLOCK },
  { "nomand", true, MS_MANDLOCK },
  { "noatime", false, MS_NOATIME },
  { "atime", true, MS_NOATIME },
  { "relatime", false, MS_RELATIME },
  { "norelatime", true, MS_RELATIME },
  { "strictatime", false, MS_STRICTATIME },
  { "nostrictatime", true, MS_STRICTATIME },
  { "nodiratime", false, MS_NODIRATIME },
  { "diratime", true, MS_NODIRATIME },
  { "bind", false, MS_BIND },
  { "rbind", false, MS_BIND | MS_REC },
  { "lazytime", false, MS_LAZYTIME },
  { "nolazytime", true, MS_LAZYTIME },
  { "iversion", false, MS_I_VERSION },
  { "noiversion", true, MS_I_VERSION },
  { "silent", false, MS_SILENT },
  { "loud", true, MS_SILENT },
  { "acl", false, MS_POSIXACL },
  { "noacl", true, MS_POSIXACL },
  { "nosymfollow", false, MS_NOSYMFOLLOW },
  { "symfollow", true, MS_NOSYMFOLLOW },
};

struct attr_option
{
  const char *name;
  bool clear;
  uint64_t attr;
};

/* The recursive forms, applied with mount_setattr(AT_RECURSIVE). */
static const struct attr_option rec_attr_options[] = {
  { "rro", false, MOUNT_ATTR_RDONLY },
  { "rrw", true, MOUNT_ATTR_RDONLY },
  { "rnosuid", false, MOUNT_ATTR_NOSUID },
  { "rsuid", true, MOUNT_ATTR_NOSUID },
  { "rnodev", false, MOUNT_ATTR_NODEV },
  { "rdev", true, MOUNT_ATTR_NODEV },
  { "rnoexec", false, MOUNT_ATTR_NOEXEC },
  { "rexec", true, MOUNT_ATTR_NOEXEC },
  { "rnodiratime", false, MOUNT_ATTR_NODIRATIME },
  { "rdiratime", true, MOUNT_ATTR_NODIRATIME },
  { "rnoatime", false, MOUNT_ATTR_NOATIME },
  { "ratime", true, MOUNT_ATTR_NOATIME },
  { "rrelatime", false, MOUNT_ATTR_RELATIME },
  { "rnorelatime", true, MOUNT_ATTR_RELATIME },
  { "rstrictatime", false, MOUNT_ATTR_STRICTATIME },
  { "rnostrictatime", true, MOUNT_ATTR_STRICTATIME },
  { "rnosymfollow", false, MOUNT_ATTR_NOSYMFOLLOW },
  { "rsymfollow", true, MOUNT_ATTR_NOSYMFOLLOW },
};

struct propagation_option
{
  const char *name;
  unsigned long flags;
};

static const struct propagation_option propagation_options[] = {
  { "shared", MS_SHARED },
  { "rshared", MS_SHARED | MS_REC },
  { "slave", MS_SLAVE },
  { "rslave", MS_SLAVE | MS_REC },
  { "private", MS_PRIVATE },
  { "rprivate", MS_PRIVATE | MS_REC },
  { "unbindable", MS_UNBINDABLE },
  { "runbindable", MS_UNBINDABLE | MS_REC },
};

static const struct flag_option *
find_flag_option (const char *name)
{
  for (size_t i = 0; i < ARRAY_SIZE (flag_options); i++)
    if (strcmp (flag_options[i].name, name) == 0)
      return &flag_options[i];
  return NULL;
}

static const struct attr_option *
find_rec_attr_option (const char *name)
{
  for (size_t i = 0; i < ARRAY_SIZE (rec_attr_options); i++)
    if (strcmp (rec_attr_options[i].name, name) == 0)
      return &rec_attr_options[i];
  return NULL;
}

int
sie_mount_propagation_parse (const char *name, unsigned long *out)
{
  *out = 0;
  if (name == NULL || *name == '\0')
    return 0;
  for (size_t i = 0; i < ARRAY_SIZE (propagation_options); i++)
    if (strcmp (propagation_options[i].name, name) == 0)
      {
        *out = propagation_options[i].flags;
        return 0;
      }
  return -1;
}

const char *
sie_mount_propagation_name (unsigned long propagation)
{
  for (size_t i = 0; i < ARRAY_SIZE (propagation_options); i++)
    if (propagation_options[i].flags == propagation)
      return propagation_options[i].name;
  return "?";
}

static void
apply_flag_option (struct sie_mount_opts *o, const struct flag_option *f)
{
  if (f->clear)
    {
      o->flags &= ~f->flag;
      o->cleared |= f->flag;
      return;
    }
  /* Only one atime mode holds; the last one given wins. */
  if (f->flag & MS_ATIME_MODES)
    o->flags &= ~MS_ATIME_MODES;
  o->flags |= f->flag;
  o->cleared &= ~f->flag;
}

static void
apply_rec_attr_option (struct sie_mount_opts *o, const struct attr_option *a)
{
  /* The atime modes are an enum in MOUNT_ATTR__ATIME (relatime is 0), and
   * mount_setattr changes the mode only when attr_clr holds the whole
   * field; clearing the current mode falls back to relatime. */
  bool atime_mode = a->attr == MOUNT_ATTR_RELATIME || (a->attr & MOUNT_ATTR__ATIME);

  if (atime_mode)
    {
      if (a->clear && a->attr == MOUNT_ATTR_RELATIME)
        return; /* "rnorelatime": relatime is the default, nothing to undo */
      if (a->clear && (o->rec_attr_set & MOUNT_ATTR__ATIME) != a->attr
          && (o->rec_attr_clr & MOUNT_ATTR__ATIME))
        return; /* another mode was chosen: keep it */
      o->rec_attr_set &= ~MOUNT_ATTR__ATIME;
      o->rec_attr_clr |= MOUNT_ATTR__ATIME;
      if (!a->clear)
        o->rec_attr_set |= a->attr;
      return;
    }
  if (a->clear)
    {
      o->rec_attr_set &= ~a->attr;
      o->rec_attr_clr |= a->attr;
      return;
    }
  o->rec_attr_clr &= ~a->attr;
  o->rec_attr_set |= a->attr;
}

static int
append_data (struct sie_mount_opts *o, const char *opt)
{
  size_t old = o->data ? strlen (o->data) : 0;
  size_t add = strlen (opt);
  char *d = realloc (o->data, old + add + 2);

  if (d == NULL)
    return -1;
  if (old)
    d[old++] = ',';
  memcpy (d + old, opt, add + 1);
  o->data = d;
  return 0;
}

static int
parse_one (struct sie_mount_opts *o, const char *opt, const char *origin, sie_error_t *err)
{
  const struct flag_option *f;
  const struct attr_option *a;
  unsigned long prop;

  if (*opt == '\0')
    return 0;
  if ((f = find_flag_option (opt)) != NULL)
    {
      apply_flag_option (o, f);
      return 0;
    }
  if ((a = find_rec_attr_option (opt)) != NULL)
    {
      apply_rec_attr_option (o, a);
      return 0;
    }
  if (sie_mount_propagation_parse (opt, &prop) == 0 && prop != 0)
    {
      if (o->n_propagation == SIE_MOUNT_MAX_PROPAGATION)
        return sie_error (err, 0, "%s: more than %d propagation options", origin,
                          SIE_MOUNT_MAX_PROPAGATION);
      o->propagation[o->n_propagation++] = prop;
      return 0;
    }
  if (strcmp (opt, "idmap") == 0 || strcmp (opt, "ridmap") == 0)
    {
      o->idmap = true;
      o->idmap_recursive = opt[0] == 'r';
      return 0;
    }
  if (strcmp (opt, "tmpcopyup") == 0)
    {
      o->tmpcopyup = true;
      return 0;
    }
  if (append_data (o, opt) < 0)
    return sie_error (err, ENOMEM, "%s", origin);
  return 0;
}

int
sie_mount_opts_parse (char *const *options, const char *origin, struct sie_mount_opts *out,
                      sie_error_t *err)
{
  memset (out, 0, sizeof (*out));
  for (char *const *it = options; it && *it; it++)
    if (parse_one (out, *it, origin, err) < 0)
      {
        sie_mount_opts_free (out);
        return -1;
      }
  return 0;
}

void
sie_mount_opts_free (struct sie_mount_opts *o)
{
  free (o->data);
  o->data = NULL;
}

struct flag_attr
{
  unsigned long flag;
  uint64_t attr;
};

static const struct flag_attr flag_attrs[] = {
  { MS_RDONLY, MOUNT_ATTR_RDONLY },         { MS_NOSUID, MOUNT_ATTR_NOSUID },
  { MS_NODEV, MOUNT_ATTR_NODEV },           { MS_NOEXEC, MOUNT_ATTR_NOEXEC },
  { MS_NODIRATIME, MOUNT_ATTR_NODIRATIME }, { MS_NOSYMFOLLOW, MOUNT_ATTR_NOSYMFOLLOW },
};

void
sie_mount_opts_attr (const struct sie_mount_opts *o, uint64_t *attr_set, uint64_t *attr_clr)
{
  *attr_set = *attr_clr = 0;
  for (size_t i = 0; i < ARRAY_SIZE (flag_attrs); i++)
    {
      if (o->flags & flag_attrs[i].flag)
        *attr_set |= flag_attrs[i].attr;
      else if (o->cleared & flag_attrs[i].flag)
        *attr_clr |= flag_attrs[i].attr;
    }
  /* Clearing noatime or strictatime falls back to the kernel's default,
   * relatime, as mount(2) does. */
  if ((o->flags | o->cleared) & MS_ATIME_MODES)
    {
      *attr_clr |= MOUNT_ATTR__ATIME;
      if (o->flags & MS_NOATIME)
        *attr_set |= MOUNT_ATTR_NOATIME;
      else if (o->flags & MS_STRICTATIME)
        *attr_set |= MOUNT_ATTR_STRICTATIME;
      else
        *attr_set |= MOUNT_ATTR_RELATIME;
    }
}

struct sb_flag
{
  unsigned long flag;
  const char *set_name;
  const char *clear_name;
};

static const struct sb_flag sb_flags[] = {
  { MS_SYNCHRONOUS, "sync", "async" },
  { MS_DIRSYNC, "dirsync", NULL },
  { MS_LAZYTIME, "lazytime", "nolazytime" },
  { MS_MANDLOCK, "mand", "nomand" },
};

size_t
sie_mount_opts_sb_flags (const struct sie_mount_opts *o, const char **names, size_t max)
{
  size_t n = 0;

  for (size_t i = 0; i < ARRAY_SIZE (sb_flags) && n < max; i++)
    {
      if (o->flags & sb_flags[i].flag)
        names[n++] = sb_flags[i].set_name;
      else if ((o->cleared & sb_flags[i].flag) && sb_flags[i].clear_name)
        names[n++] = sb_flags[i].clear_name;
    }
  return n;
}
