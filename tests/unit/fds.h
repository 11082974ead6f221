/* For the unit tests that check a function leaks no file descriptor:
 * count this process's open fds before and after. */
#ifndef SIE_TEST_FDS_H
#define SIE_TEST_FDS_H

#include <dirent.h>

static inline int
count_fds (void)
{
  DIR *d = opendir ("/proc/self/fd");
  int n = 0;

  while (d && readdir (d))
    n++;
  if (d)
    closedir (d);
  return n;
}

#endif
