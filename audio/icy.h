/*
 * icy: the SHOUTcast/Icecast metadata interleaving. A server asked with
 * "Icy-MetaData: 1" answers "icy-metaint: N" and then puts a metadata block
 * after every N bytes of audio: one length byte L, then 16*L bytes of text
 * such as "StreamTitle='...';". Owns the state of one stream's demuxing;
 * pure (no I/O), so it is fed whatever sizes the network hands out.
 */
#ifndef LOAXA_ICY_H
#define LOAXA_ICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct icy_demux {
	long metaint;		/* audio bytes between blocks; 0: no metadata */
	long audio_left;	/* audio bytes before the next block */
	int meta_left;		/* metadata bytes still to read; -1: length byte next */
	size_t meta_len;
	char meta[16 * 255 + 1];
	char title[256];	/* the last StreamTitle */
	bool title_changed;	/* set when a block names a new title */
};

/* metaint: the server's icy-metaint (0 or absent: the body is all audio). */
void icy_init(struct icy_demux *d, long metaint);
/*
 * Removes the metadata blocks from in[0..len): the audio bytes are moved to
 * the front of in, and their count returned.
 */
size_t icy_strip(struct icy_demux *d, uint8_t *in, size_t len);

#endif
