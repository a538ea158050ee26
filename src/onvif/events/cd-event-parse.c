/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-event-parse: the untrusted bits of the event service's requests that are not XML: the
 * xs:duration of a Timeout or a relative termination time ("PT60S", "PT1M30S", "P1DT2H"), an
 * absolute xs:dateTime, a subscription's id in a path or in the address a client posts in its
 * wsa:To header, and a topic filter (a ConcreteSet expression: concrete topics and "//." for a
 * topic and everything below it, joined by "|"). Bounded: a duration past a day is refused
 * before it can overflow, a filter past CD_EVENTS_MAX_FILTER_LEN matches nothing.
 *
 * Threads: any; nothing here keeps state.
 * Keys used: none.
 */
#define G_LOG_DOMAIN "CdEventParse"

#include "cd-event-parse.h"

#include <string.h>

#include "cd-event-message.h"

/* longer than any bound of the service (an hour): refused, so no sum can overflow */
#define MAX_DURATION_US ((gint64)24 * 3600 * G_USEC_PER_SEC)
/* digits of one number of a duration */
#define MAX_DIGITS 9
/* a wsa:To address: a URL of a few dozen characters */
#define MAX_ADDRESS_LEN 1024

/* one "<number><unit>" of a duration; the number may have a fraction only in seconds */
static gboolean
parse_component(const gchar **cursor, gboolean time_part, gint64 *sum_us, gchar *last_unit)
{
	const gchar *p = *cursor;
	gsize digits = strspn(p, "0123456789");
	gint64 value;
	gint64 fraction_us = 0;
	gint64 unit_us;

	if (digits == 0 || digits > MAX_DIGITS)
		return FALSE;
	value = (gint64)g_ascii_strtoull(p, NULL, 10);
	p += digits;
	if (*p == '.') {
		gsize fraction_digits = strspn(p + 1, "0123456789");
		gint64 scale = G_USEC_PER_SEC;

		if (!time_part || fraction_digits == 0 || fraction_digits > MAX_DIGITS ||
		    p[1 + fraction_digits] != 'S')
			return FALSE;
		for (gsize i = 0; i < fraction_digits && i < 6; i++) {
			scale /= 10;
			fraction_us += (p[1 + i] - '0') * scale;
		}
		p += 1 + fraction_digits;
	}
	switch (*p) {
	case 'D':
		unit_us = (gint64)24 * 3600 * G_USEC_PER_SEC;
		break;
	case 'H':
		unit_us = (gint64)3600 * G_USEC_PER_SEC;
		break;
	case 'M':
		unit_us = (gint64)60 * G_USEC_PER_SEC;
		break;
	case 'S':
		unit_us = G_USEC_PER_SEC;
		break;
	default:
		return FALSE;
	}
	/* D before T only; H, M, S after it, each once and in order */
	if ((*p == 'D') == time_part || (*last_unit != '\0' && strchr("DHMS", *last_unit) >=
							      strchr("DHMS", *p)))
		return FALSE;
	if (value > MAX_DURATION_US / unit_us)
		return FALSE;
	*sum_us += value * unit_us + fraction_us;
	if (*sum_us > MAX_DURATION_US)
		return FALSE;
	*last_unit = *p;
	*cursor = p + 1;
	return TRUE;
}

/**
 * cd_event_parse_duration:
 * @text: an xs:duration of days, hours, minutes and seconds, e.g. "PT60S"; years and months
 *   (whose length varies) are refused
 * @duration_us: (out): the duration
 *
 * Returns: %TRUE if @text is one, not negative and at most a day
 */
gboolean
cd_event_parse_duration(const gchar *text, gint64 *duration_us)
{
	const gchar *p = text;
	gboolean time_part = FALSE;
	gboolean any = FALSE;
	gchar last_unit = '\0';
	gint64 sum_us = 0;

	if (text == NULL || *p != 'P')
		return FALSE;
	p++;
	while (*p != '\0') {
		if (*p == 'T') {
			if (time_part || p[1] == '\0')
				return FALSE;
			time_part = TRUE;
			p++;
			continue;
		}
		if (!parse_component(&p, time_part, &sum_us, &last_unit))
			return FALSE;
		any = TRUE;
	}
	if (!any)
		return FALSE;
	*duration_us = sum_us;
	return TRUE;
}

/**
 * cd_event_parse_time:
 * @text: an absolute xs:dateTime ("2026-12-06T23:40:00Z"; without a zone, UTC) or an
 *   xs:duration from @now_us, as a termination time may be either
 * @now_us: the time now, g_get_real_time()
 * @time_us: (out): the absolute time it names, µs since the epoch
 *
 * Returns: %TRUE if @text is either
 */
gboolean
cd_event_parse_time(const gchar *text, gint64 now_us, gint64 *time_us)
{
	g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
	g_autoptr(GDateTime) time = NULL;
	gint64 duration_us;

	if (text == NULL)
		return FALSE;
	if (text[0] == 'P') {
		if (!cd_event_parse_duration(text, &duration_us))
			return FALSE;
		*time_us = now_us + duration_us;
		return TRUE;
	}
	if (strlen(text) > 64)
		return FALSE;
	time = g_date_time_new_from_iso8601(text, utc);
	if (time == NULL)
		return FALSE;
	*time_us = g_date_time_to_unix(time) * G_USEC_PER_SEC + g_date_time_get_microsecond(time);
	return TRUE;
}

/* CD_EVENTS_ID_LEN lower-case hex digits, what cd_random_hex() makes */
gboolean
cd_event_id_is_valid(const gchar *id)
{
	return id != NULL && strlen(id) == CD_EVENTS_ID_LEN &&
	       strspn(id, "0123456789abcdef") == CD_EVENTS_ID_LEN;
}

/**
 * cd_event_id_from_address:
 * @address: (nullable): a URL a client posted to or named in wsa:To, e.g.
 *   "http://host:port/onvif/pullpoint/ID"
 *
 * Returns: (transfer full) (nullable): the subscription id it names, if it names one
 */
gchar *
cd_event_id_from_address(const gchar *address)
{
	const gchar *path;
	const gchar *id;

	if (address == NULL || strlen(address) > MAX_ADDRESS_LEN)
		return NULL;
	path = strstr(address, CD_EVENTS_PATH_PULLPOINT "/");
	if (path == NULL)
		return NULL;
	id = path + strlen(CD_EVENTS_PATH_PULLPOINT "/");
	if (!cd_event_id_is_valid(id))
		return NULL;
	return g_strdup(id);
}

/* "tns1:VideoSource/MotionAlarm" → "VideoSource/MotionAlarm": prefixes are not compared (a
 * client may bind another prefix to ONVIF's topic namespace) */
static gchar *
strip_prefixes(const gchar *path)
{
	g_auto(GStrv) segments = g_strsplit(path, "/", -1);

	for (guint i = 0; segments[i] != NULL; i++) {
		const gchar *colon = strchr(segments[i], ':');

		if (colon != NULL)
			memmove(segments[i], colon + 1, strlen(colon + 1) + 1);
	}
	return g_strjoinv("/", segments);
}

/* one alternative of a ConcreteSet expression against one topic */
static gboolean
alternative_matches(const gchar *alternative, CdEventTopic topic)
{
	g_autofree gchar *wanted = strip_prefixes(alternative);
	g_autofree gchar *name = strip_prefixes(cd_event_topic_get_name(topic));
	gsize length;

	if (g_str_has_suffix(wanted, "//.")) {
		length = strlen(wanted) - strlen("//.");
		return length > 0 && strncmp(name, wanted, length) == 0 &&
		       (name[length] == '\0' || name[length] == '/');
	}
	return g_strcmp0(wanted, name) == 0;
}

/**
 * cd_event_topic_filter_parse:
 * @expression: (nullable): a wsnt:TopicExpression's text, as sent: topics separated by "|",
 *   each concrete ("tns1:VideoSource/MotionAlarm") or a subtree ("tns1:RuleEngine//.")
 *
 * Returns: the topics it selects, a bit (1 << #CdEventTopic) each; every topic for %NULL or
 * an empty expression (no filter), none for one too long or that names none of them
 */
guint
cd_event_topic_filter_parse(const gchar *expression)
{
	g_auto(GStrv) alternatives = NULL;
	guint mask = 0;

	if (expression == NULL || expression[0] == '\0')
		return (1u << CD_N_EVENT_TOPICS) - 1;
	if (strlen(expression) > CD_EVENTS_MAX_FILTER_LEN)
		return 0;
	alternatives = g_strsplit(expression, "|", -1);
	for (guint i = 0; alternatives[i] != NULL; i++) {
		g_strstrip(alternatives[i]);
		for (CdEventTopic topic = 0; topic < CD_N_EVENT_TOPICS; topic++) {
			if (alternative_matches(alternatives[i], topic))
				mask |= 1u << topic;
		}
	}
	return mask;
}
