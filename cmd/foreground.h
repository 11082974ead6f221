/* A command that stays in the foreground with its container's process
 * (run, exec): signals are forwarded to it, its pty is relayed, and its
 * exit status becomes sie's. */
#ifndef SIE_FOREGROUND_H
#define SIE_FOREGROUND_H

#include <signal.h>
#include <sys/types.h>

#include "cmd/run_tty.h"

/* The signals to block before the process exists, and then forward. */
void foreground_signal_set (sigset_t *set);

/* Reads the signalfd until `pid` exits; returns its status as an exit code
 * (128+N for a signal). */
int foreground_wait (int sfd, pid_t pid, struct run_tty *tty);

#endif
