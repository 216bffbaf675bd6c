/*
 * version: loaxa's version string, one home for loaxad, loaxactl, the
 * heartbeat and the user agent of every transfer.
 */
#ifndef LOAXA_VERSION_H
#define LOAXA_VERSION_H

#ifndef LOAXA_VERSION
#define LOAXA_VERSION "0.1.0"
#endif

#endif
