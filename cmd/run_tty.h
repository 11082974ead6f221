/* `run` in the foreground with process.terminal and no --console-socket:
 * like runc, sie receives the pty master itself and relays it to its own
 * stdio, with the caller's terminal in raw mode. */
#ifndef SIE_RUN_TTY_H
#define SIE_RUN_TTY_H

#include <stdbool.h>
#include <termios.h>

struct run_tty
{
  int sock[2];    /* [0] sie's end, [1] handed to create */
  int master;     /* -1 until received */
  bool raw;       /* stdin was switched to raw mode */
  bool stdin_eof; /* stop polling stdin */
  struct termios saved;
};

int run_tty_open (struct run_tty *t);
/* After create: takes the master if the init sent one. */
void run_tty_receive (struct run_tty *t);
/* Copies what is ready between stdin, stdout and the master.  Returns
 * false once the master has closed. */
bool run_tty_relay (struct run_tty *t, bool stdin_ready, bool master_ready);
void run_tty_resize (struct run_tty *t);
void run_tty_close (struct run_tty *t);

#endif
