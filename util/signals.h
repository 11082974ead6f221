#ifndef SIE_SIGNALS_H
#define SIE_SIGNALS_H

/* "KILL", "SIGKILL", "sigkill", "9", "RTMIN+3" -> signal number, or -1. */
int sie_signal_parse (const char *s);

#endif
