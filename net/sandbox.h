/*
 * sandbox: confines loaxa-net once its transfer engine is set up
 * (no_new_privs and a seccomp allow-list; see sandbox.c for the list and why
 * a call outside it fails rather than kills).
 */
#ifndef LOAXA_SANDBOX_H
#define LOAXA_SANDBOX_H

#include <stddef.h>

/* 0, or -1 with err: the caller must not go on unconfined. */
int sandbox_enter(char *err, size_t errlen);

#endif
