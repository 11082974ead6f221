/* libarchive through dlopen: see archive_dl.h for why. */
#include "relocate/archive_dl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define SONAME "libarchive.so.13"

static struct sie_archive_api api;
static char load_error[256];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void
load (void)
{
  /* Never closed: the table stays valid for the life of the process. */
  void *h = dlopen (SONAME, RTLD_NOW | RTLD_LOCAL);
  void *sym;

  if (h == NULL)
    {
      snprintf (load_error, sizeof load_error, "%s (install libarchive13)", dlerror ());
      return;
    }
#define SIE_ARCHIVE_LOAD(f)                                                    \
  sym = dlsym (h, #f);                                                         \
  if (sym == NULL)                                                             \
    {                                                                          \
      snprintf (load_error, sizeof load_error, "%s: no symbol %s", SONAME, #f); \
      return;                                                                  \
    }                                                                          \
  api.f = (__typeof__ (api.f)) sym;
  SIE_ARCHIVE_FUNCS (SIE_ARCHIVE_LOAD)
#undef SIE_ARCHIVE_LOAD
}

const struct sie_archive_api *
sie_archive_api (sie_error_t *err)
{
  pthread_once (&once, load);
  if (load_error[0] != '\0')
    {
      sie_error (err, 0, "loading libarchive: %s", load_error);
      return NULL;
    }
  return &api;
}
