/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-onvif-events: what the event service reads from a client with its own code rather than
 * libxml2: an xs:duration (PullMessages' Timeout, a relative termination time), a termination
 * time that is either a duration or an xs:dateTime, and a subscription's id in an address (a
 * wsa:To header or the path posted to), and a topic filter (a ConcreteSet expression). The
 * input is up to four lines, one for each. Besides
 * crashes, leaks and undefined behaviour it checks: a duration accepted is at most a day and
 * not negative; a relative time lands within a day of the fixed clock (CD_FUZZ_NOW_US); an id
 * found is 32 lower-case hex digits that the address contains, after the pull-point path; a
 * filter selects only topics cordon has.
 */
#include <string.h>

#include "cd-event-message.h"
#include "cd-event-parse.h"
#include "fuzz-common.h"

#define DAY_US ((gint64)24 * 3600 * G_USEC_PER_SEC)

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	cd_fuzz_init();
	return 0;
}

static void
check_duration(const gchar *text)
{
	gint64 duration_us = -1;

	if (!cd_event_parse_duration(text, &duration_us))
		return;
	CD_FUZZ_CHECK(text[0] == 'P');
	CD_FUZZ_CHECK(duration_us >= 0 && duration_us <= DAY_US);
}

static void
check_time(const gchar *text)
{
	gint64 time_us = 0;

	if (!cd_event_parse_time(text, CD_FUZZ_NOW_US, &time_us))
		return;
	if (text[0] == 'P')
		CD_FUZZ_CHECK(time_us >= CD_FUZZ_NOW_US && time_us <= CD_FUZZ_NOW_US + DAY_US);
}

static void
check_address(const gchar *text)
{
	g_autofree gchar *id = cd_event_id_from_address(text);

	if (id == NULL)
		return;
	CD_FUZZ_CHECK(cd_event_id_is_valid(id));
	CD_FUZZ_CHECK(strlen(id) == CD_EVENTS_ID_LEN);
	CD_FUZZ_CHECK(g_str_has_suffix(text, id));
	CD_FUZZ_CHECK(strstr(text, CD_EVENTS_PATH_PULLPOINT "/") != NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autofree gchar *text = g_strndup((const gchar *)data, size);
	g_auto(GStrv) fields = g_strsplit(text, "\n", 4);
	guint n = g_strv_length(fields);

	check_duration(n > 0 ? fields[0] : "");
	check_time(n > 1 ? fields[1] : "");
	check_address(n > 2 ? fields[2] : "");
	CD_FUZZ_CHECK(cd_event_topic_filter_parse(n > 3 ? fields[3] : NULL) <
		      (1u << CD_N_EVENT_TOPICS));
	return 0;
}
