/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-reply-filter: what a camera sends on its RTSP connection, through cd-reply-filter as
 * cd-camera-relay feeds it: in pieces whose sizes the input picks, and with or without the
 * camera's address for Transport headers. The first byte picks: bit 0, an IPv6 address (or
 * IPv4); bit 1, no address; bits 2-7, the piece size minus one. Besides crashes, leaks and
 * undefined behaviour it checks the filter's promises: what comes out is whole messages
 * (another filter reads all of it and is left holding nothing), unchanged but for a `source`
 * after a Transport value; what is held stays within one message's limits; a refusal is final.
 */
#include <string.h>

#include "cd-reply-filter.h"
#include "fuzz-common.h"

static const CdRequestLimits limits = {
    .max_header_bytes = 1024,
    .max_header_lines = 16,
    .max_body_bytes = 256,
};

/* room for a `;source=` on every line, for reading the output again */
static const CdRequestLimits output_limits = {
    .max_header_bytes = 1024 + 16 * 64,
    .max_header_lines = 16,
    .max_body_bytes = 256,
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	cd_fuzz_init();
	return 0;
}

/* the output again: whole messages within the limits, nothing left over */
static void
check_output(const GByteArray *out)
{
	g_autoptr(CdReplyFilter) again = cd_reply_filter_new(&output_limits, NULL);
	g_autoptr(GByteArray) copy = g_byte_array_new();
	g_autoptr(GError) error = NULL;

	if (out->len == 0)
		return;
	CD_FUZZ_CHECK(cd_reply_filter_feed(again, out->data, out->len, copy, &error));
	CD_FUZZ_CHECK(copy->len == out->len);
	CD_FUZZ_CHECK(cd_reply_filter_get_held(again) == 0);
	CD_FUZZ_CHECK(cd_reply_filter_get_message_start(again) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(CdReplyFilter) reply_filter = NULL;
	g_autoptr(GByteArray) out = g_byte_array_new();
	const gchar *address;
	gsize piece;
	gsize offset = 1;
	gboolean refused = FALSE;

	if (size < 1)
		return 0;
	address = (data[0] & 2) ? NULL : (data[0] & 1) ? "2001:db8::7" : "192.0.2.7";
	piece = 1 + (data[0] >> 2);
	reply_filter = cd_reply_filter_new(&limits, address);
	while (offset < size) {
		g_autoptr(GError) error = NULL;
		gsize available = MIN(piece, size - offset);

		if (!cd_reply_filter_feed(reply_filter, data + offset, available, out, &error)) {
			/* the messages that ended before the refused one are out, whole */
			CD_FUZZ_CHECK(error != NULL && error->message != NULL);
			refused = TRUE;
			break;
		}
		offset += available;
		/* blank lines, a head and its body, or a `$` frame header and payload */
		CD_FUZZ_CHECK(cd_reply_filter_get_held(reply_filter) <=
			      2 * limits.max_header_bytes + limits.max_body_bytes + 4);
		if (cd_reply_filter_get_message_start(reply_filter) != 0)
			CD_FUZZ_CHECK(cd_reply_filter_get_held(reply_filter) > 0);
		/* without an address nothing is changed: the output is what came in, less the held */
		if (address == NULL)
			CD_FUZZ_CHECK(out->len + cd_reply_filter_get_held(reply_filter) == offset - 1 &&
				      (out->len == 0 || memcmp(out->data, data + 1, out->len) == 0));
	}
	check_output(out);
	if (refused) {
		g_autoptr(GError) error = NULL;

		CD_FUZZ_CHECK(!cd_reply_filter_feed(reply_filter, (const guint8 *)"\r\n", 2, out,
						     &error));
	}
	return 0;
}
