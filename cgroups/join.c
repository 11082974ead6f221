#include "cgroups/cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "util/cleanup.h"

int
sie_cgroup_join_prepare (const struct sie_cgroup *cg, struct sie_cgroup_join *j, sie_error_t *err)
{
  j->task_fds = calloc (cg->n_dirs + 1, sizeof (int));
  j->n_task_fds = 0;
  j->v2_dirfd = -1;
  if (j->task_fds == NULL)
    return sie_error (err, errno, "cgroup");
  for (size_t i = 0; i < cg->n_dirs; i++)
    {
      const struct sie_cgroup_dir *d = &cg->dirs[i];
      cleanup_free char *tasks = NULL;
      int fd;

      if (d->v2)
        {
          fd = open (d->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
          if (fd < 0)
            return sie_error (err, errno, "open %s", d->path);
          if (j->v2_dirfd >= 0)
            close (j->v2_dirfd);
          j->v2_dirfd = fd;
          continue;
        }
      if (asprintf (&tasks, "%s/tasks", d->path) < 0)
        return sie_error (err, errno, "cgroup");
      fd = open (tasks, O_WRONLY | O_CLOEXEC);
      if (fd < 0)
        return sie_error (err, errno, "open %s", tasks);
      j->task_fds[j->n_task_fds++] = fd;
    }
  return 0;
}

int
sie_cgroup_join_self (struct sie_cgroup_join *j, sie_error_t *err)
{
  for (size_t i = 0; i < j->n_task_fds; i++)
    {
      if (write (j->task_fds[i], "0", 1) < 0)
        return sie_error (err, errno, "join cgroup (tasks)");
      close (j->task_fds[i]);
      j->task_fds[i] = -1;
    }
  j->n_task_fds = 0;
  return 0;
}

void
sie_cgroup_join_close (struct sie_cgroup_join *j)
{
  for (size_t i = 0; i < j->n_task_fds; i++)
    if (j->task_fds[i] >= 0)
      close (j->task_fds[i]);
  free (j->task_fds);
  j->task_fds = NULL;
  j->n_task_fds = 0;
  if (j->v2_dirfd >= 0)
    close (j->v2_dirfd);
  j->v2_dirfd = -1;
}
