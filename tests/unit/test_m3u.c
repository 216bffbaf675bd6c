/* Playlists as operators really write them: Windows editors (BOM, CRLF),
 * Vietnamese file names, #EXTINF, streams in PLS, relative paths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/log.h"
#include "playlists/m3u.h"

static struct playlist *
parse(const char *text, char *err)
{
	return m3u_parse(text, strlen(text), "/etc/loaxa/playlists", err, 256);
}

static void
assert_entry(const struct playlist *pl, size_t i, const char *location,
    const char *title, double duration)
{
	assert_true(i < pl->nentries);
	assert_string_equal(pl->entries[i].location, location);
	if (title == NULL)
		assert_null(pl->entries[i].title);
	else
		assert_string_equal(pl->entries[i].title, title);
	assert_true(pl->entries[i].duration_s == duration);
}

static void
comments_blank_lines_and_whitespace_are_ignored(void **state)
{
	(void)state;
	char err[256] = "";
	struct playlist *pl = parse(
	    "#EXTM3U\n"
	    "# morning music\n"
	    "\n"
	    "   /srv/music/a.mp3   \n"
	    "\t\n"
	    "\t/srv/music/b.mp3\t\n", err);
	assert_non_null(pl);
	assert_int_equal(pl->nentries, 2);
	assert_entry(pl, 0, "/srv/music/a.mp3", NULL, -1);
	assert_entry(pl, 1, "/srv/music/b.mp3", NULL, -1);
	playlist_free(pl);
}

static void
extinf_gives_title_and_duration(void **state)
{
	(void)state;
	char err[256] = "";
	struct playlist *pl = parse(
	    "#EXTM3U\n"
	    "#EXTINF:183,Quốc ca\n"
	    "/srv/music/quoc-ca.mp3\n"
	    "#EXTINF:-1,VOV1 trực tiếp\n"
	    "# a comment between keeps the info\n"
	    "https://stream.vov.vn/vov1.mp3\n"
	    "#EXTINF:42 tvg-id=\"a,b\" group-title=\"x\", Tin, sáng \n"
	    "c.mp3\n"
	    "#EXTINF:abc\n"
	    "d.mp3\n"
	    "e.mp3\n", err);
	assert_non_null(pl);
	assert_int_equal(pl->nentries, 5);
	assert_entry(pl, 0, "/srv/music/quoc-ca.mp3", "Quốc ca", 183);
	assert_entry(pl, 1, "https://stream.vov.vn/vov1.mp3", "VOV1 trực tiếp", -1);
	assert_entry(pl, 2, "/etc/loaxa/playlists/c.mp3", "Tin, sáng", 42);
	assert_entry(pl, 3, "/etc/loaxa/playlists/d.mp3", NULL, -1);
	/* #EXTINF belongs to the next entry only. */
	assert_entry(pl, 4, "/etc/loaxa/playlists/e.mp3", NULL, -1);
	playlist_free(pl);
}

static void
relative_paths_resolve_against_playlist_folder(void **state)
{
	(void)state;
	char err[256] = "";
	struct playlist *pl = parse(
	    "song.mp3\n"
	    "./sub/x.mp3\n"
	    "../music//y.mp3\n"
	    "../../../../z.mp3\n"
	    "/abs/kept.mp3\n"
	    "http://example.org/a b.mp3\n"
	    "HTTPS://example.org/live\n", err);
	assert_non_null(pl);
	assert_int_equal(pl->nentries, 7);
	assert_entry(pl, 0, "/etc/loaxa/playlists/song.mp3", NULL, -1);
	assert_entry(pl, 1, "/etc/loaxa/playlists/sub/x.mp3", NULL, -1);
	assert_entry(pl, 2, "/etc/loaxa/music/y.mp3", NULL, -1);
	assert_entry(pl, 3, "/z.mp3", NULL, -1);
	assert_entry(pl, 4, "/abs/kept.mp3", NULL, -1);
	assert_entry(pl, 5, "http://example.org/a b.mp3", NULL, -1);
	assert_entry(pl, 6, "HTTPS://example.org/live", NULL, -1);
	playlist_free(pl);
}

static void
file_uris_become_decoded_paths(void **state)
{
	(void)state;
	char err[256] = "";
	struct playlist *pl = parse(
	    "file:///srv/music/B%E1%BA%A3n%20tin.mp3\n"
	    "file://localhost/srv/a%2fb%zz.mp3\n", err);
	assert_non_null(pl);
	assert_int_equal(pl->nentries, 2);
	assert_entry(pl, 0, "/srv/music/Bản tin.mp3", NULL, -1);
	assert_entry(pl, 1, "/srv/a/b%zz.mp3", NULL, -1);
	playlist_free(pl);

	assert_null(parse("/ok.mp3\nfile://nas/share/a.mp3\n", err));
	assert_string_equal(err, "line 2: file URI names a host other than "
	    "localhost; only local files can be played");
	assert_null(parse("file:///a%00.mp3\n", err));
	assert_string_equal(err, "line 1: file URI contains %00");
}

static void
line_ends_lf_crlf_and_lone_cr(void **state)
{
	(void)state;
	char err[256] = "";
	struct playlist *pl = parse("#EXTINF:1,one\r\n/a.mp3\r/b.mp3\n\r\n/c.mp3", err);
	assert_non_null(pl);
	assert_int_equal(pl->nentries, 3);
	assert_entry(pl, 0, "/a.mp3", "one", 1);
	assert_entry(pl, 1, "/b.mp3", NULL, -1);
	assert_entry(pl, 2, "/c.mp3", NULL, -1);
	playlist_free(pl);
}

static void
latin1_bytes_are_kept_but_nul_is_refused(void **state)
{
	(void)state;
	char err[256] = "";
	struct playlist *pl = parse("/srv/caf\xe9.mp3\n", err);
	assert_non_null(pl);
	assert_entry(pl, 0, "/srv/caf\xe9.mp3", NULL, -1);
	playlist_free(pl);

	const char bin[] = "/a.mp3\n/b\0.mp3\n";
	assert_null(m3u_parse(bin, sizeof(bin) - 1, "/", err, sizeof(err)));
	assert_string_equal(err, "line 2: NUL byte; this is not a text playlist");
}

static void
limits_on_lines_and_entries(void **state)
{
	(void)state;
	char err[256] = "";
	size_t n = 5000;
	char *text = xmalloc(n + 16);
	memset(text, 'a', n);
	memcpy(text, "/x\n/", 4);
	text[n] = '\0';
	assert_null(m3u_parse(text, n, "/", err, sizeof(err)));
	assert_string_equal(err, "line 2: longer than 4096 bytes; not a playlist?");
	free(text);

	/* 10000 entries are fine, 10001 are not. */
	size_t cap = 10001 * 3 + 1;
	text = xmalloc(cap);
	for (size_t i = 0; i < 10001; i++)
		memcpy(text + 3 * i, "/a\n", 3);
	assert_null(m3u_parse(text, 10001 * 3, "/", err, sizeof(err)));
	assert_string_equal(err, "line 10001: more than 10000 entries; split the playlist");
	struct playlist *pl = m3u_parse(text, 10000 * 3, "/", err, sizeof(err));
	assert_non_null(pl);
	assert_int_equal(pl->nentries, 10000);
	playlist_free(pl);
	free(text);
}

static void
pls_lists_streams_in_number_order(void **state)
{
	(void)state;
	char err[256] = "";
	struct playlist *pl = parse(
	    "\xEF\xBB\xBF\r\n"
	    "[playlist]\r\n"
	    "NumberOfEntries=3\r\n"
	    "File2=http://radio.example/vov2\r\n"
	    "Title2=VOV2\r\n"
	    "File1 = https://radio.example/vov1 \r\n"
	    "Title1=VOV1 Thời sự\r\n"
	    "Length1=-1\r\n"
	    "Title9=no file, dropped\r\n"
	    "File3=local.mp3\r\n"
	    "Length3=61.5\r\n"
	    "Version=2\r\n", err);
	assert_non_null(pl);
	assert_int_equal(pl->nentries, 3);
	assert_entry(pl, 0, "https://radio.example/vov1", "VOV1 Thời sự", -1);
	assert_entry(pl, 1, "http://radio.example/vov2", "VOV2", -1);
	assert_entry(pl, 2, "/etc/loaxa/playlists/local.mp3", NULL, 61.5);
	playlist_free(pl);
}

static char tmpdir[64];

static int
make_tmpdir(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/test_m3u.XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
remove_tmpdir(void **state)
{
	(void)state;
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);
	int rc = system(cmd);
	free(cmd);
	return rc;
}

static void
write_file(const char *name, const char *data, size_t len)
{
	char *path = xasprintf("%s/%s", tmpdir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
	free(path);
}

static void
windows_playlist_with_bom_crlf_and_diacritics_loads(void **state)
{
	(void)state;
	static const char text[] =
	    "\xEF\xBB\xBF#EXTM3U\r\n"
	    "#EXTINF:95,Bản tin sáng\r\n"
	    "Bản tin sáng.mp3\r\n"
	    "Nhạc/Quê hương tôi.mp3\r\n";
	write_file("sáng.m3u8", text, sizeof(text) - 1);
	char *path = xasprintf("%s/sáng.m3u8", tmpdir);
	char err[256] = "";
	struct playlist *pl = m3u_load(path, err, sizeof(err));
	assert_non_null(pl);
	assert_int_equal(pl->nentries, 2);
	char *first = xasprintf("%s/Bản tin sáng.mp3", tmpdir);
	char *second = xasprintf("%s/Nhạc/Quê hương tôi.mp3", tmpdir);
	assert_entry(pl, 0, first, "Bản tin sáng", 95);
	assert_entry(pl, 1, second, NULL, -1);
	playlist_free(pl);
	free(first);
	free(second);
	free(path);
}

static void
relative_playlist_path_still_gives_absolute_entries(void **state)
{
	(void)state;
	write_file("rel.m3u", "a.mp3\n", 6);
	char *cwd = getcwd(NULL, 0);
	assert_int_equal(chdir("/tmp"), 0);
	char *rel = xasprintf("%s/rel.m3u", tmpdir + strlen("/tmp/"));
	char err[256] = "";
	struct playlist *pl = m3u_load(rel, err, sizeof(err));
	assert_int_equal(chdir(cwd), 0);
	assert_non_null(pl);
	char *want = xasprintf("%s/a.mp3", tmpdir);
	assert_entry(pl, 0, want, NULL, -1);
	playlist_free(pl);
	free(want);
	free(rel);
	free(cwd);
}

static void
load_errors_name_the_file(void **state)
{
	(void)state;
	write_file("bad.m3u", "/a.mp3\n\0\n", 9);
	char *path = xasprintf("%s/bad.m3u", tmpdir);
	char err[256] = "";
	assert_null(m3u_load(path, err, sizeof(err)));
	char *want = xasprintf("%s: line 2: NUL byte; this is not a text playlist", path);
	assert_string_equal(err, want);
	free(want);
	free(path);

	path = xasprintf("%s/missing.m3u", tmpdir);
	assert_null(m3u_load(path, err, sizeof(err)));
	want = xasprintf("%s: No such file or directory", path);
	assert_string_equal(err, want);
	free(want);
	free(path);
}

static void
find_playlist_by_name(void **state)
{
	(void)state;
	write_file("morning.m3u", "", 0);
	write_file("evening.m3u8", "", 0);
	write_file(".hidden.m3u", "", 0);

	char *p = m3u_find(tmpdir, "morning");
	char *want = xasprintf("%s/morning.m3u", tmpdir);
	assert_non_null(p);
	assert_string_equal(p, want);
	free(p);
	free(want);

	p = m3u_find(tmpdir, "evening");
	want = xasprintf("%s/evening.m3u8", tmpdir);
	assert_non_null(p);
	assert_string_equal(p, want);
	free(p);
	free(want);

	assert_null(m3u_find(tmpdir, "noon"));
	assert_null(m3u_find(tmpdir, ".hidden"));
	assert_null(m3u_find(tmpdir, "../etc/passwd"));
	assert_null(m3u_find(tmpdir, "a/b"));
	assert_null(m3u_find(tmpdir, ""));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(comments_blank_lines_and_whitespace_are_ignored),
		cmocka_unit_test(extinf_gives_title_and_duration),
		cmocka_unit_test(relative_paths_resolve_against_playlist_folder),
		cmocka_unit_test(file_uris_become_decoded_paths),
		cmocka_unit_test(line_ends_lf_crlf_and_lone_cr),
		cmocka_unit_test(latin1_bytes_are_kept_but_nul_is_refused),
		cmocka_unit_test(limits_on_lines_and_entries),
		cmocka_unit_test(pls_lists_streams_in_number_order),
		cmocka_unit_test(windows_playlist_with_bom_crlf_and_diacritics_loads),
		cmocka_unit_test(relative_playlist_path_still_gives_absolute_entries),
		cmocka_unit_test(load_errors_name_the_file),
		cmocka_unit_test(find_playlist_by_name),
	};
	return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
