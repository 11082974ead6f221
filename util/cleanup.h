/* Scope-bound ownership: a variable marked cleanup_* is released when it goes
 * out of scope, so no early return leaks.  Ownership leaves a scope only
 * through move_fd / move_ptr, which makes every transfer visible. */
#ifndef SIE_CLEANUP_H
#define SIE_CLEANUP_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void
cleanup_freep (void *p)
{
  void **pp = (void **) p;
  free (*pp);
}

static inline void
cleanup_closep (int *fd)
{
  if (*fd >= 0)
    {
      int saved = errno;
      close (*fd);
      errno = saved;
    }
}

static inline void
cleanup_filep (FILE **f)
{
  if (*f)
    fclose (*f);
}

/* Frees a NULL-terminated vector of strings. */
static inline void
cleanup_strvp (char ***v)
{
  if (*v == NULL)
    return;
  for (char **it = *v; *it; it++)
    free (*it);
  free (*v);
}

#define cleanup_free __attribute__ ((cleanup (cleanup_freep)))
#define cleanup_close __attribute__ ((cleanup (cleanup_closep)))
#define cleanup_file __attribute__ ((cleanup (cleanup_filep)))
#define cleanup_strv __attribute__ ((cleanup (cleanup_strvp)))

static inline int
move_fd_ (int *fd)
{
  int ret = *fd;
  *fd = -1;
  return ret;
}
#define move_fd(fd) move_fd_ (&(fd))

static inline void *
move_ptr_ (void **p)
{
  void *ret = *p;
  *p = NULL;
  return ret;
}
#define move_ptr(p) move_ptr_ ((void **) &(p))

#define ARRAY_SIZE(a) (sizeof (a) / sizeof ((a)[0]))

#endif
