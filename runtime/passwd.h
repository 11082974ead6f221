/* The container user's home directory, for HOME when the config does not
 * set it (runc's rule: /etc/passwd inside the container, else "/"). */
#ifndef SIE_PASSWD_H
#define SIE_PASSWD_H

#include <stddef.h>
#include <sys/types.h>

/* Looks uid up in the text of an /etc/passwd file.  Returns 0 and copies
 * the home directory into out, or -1 when there is no usable entry. */
int sie_passwd_home (const char *passwd, uid_t uid, char *out, size_t size);

#endif
