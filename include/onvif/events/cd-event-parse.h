/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* where a subscription lives, below the device's base URL: CD_EVENTS_PATH_PULLPOINT "/" id */
#define CD_EVENTS_PATH_PULLPOINT "/onvif/pullpoint"
/* a subscription's id: 128 random bits in hex */
#define CD_EVENTS_ID_BYTES 16
#define CD_EVENTS_ID_LEN   (2 * CD_EVENTS_ID_BYTES)
/* a topic filter's text: a few topics, each a few dozen characters */
#define CD_EVENTS_MAX_FILTER_LEN 1024

gboolean
cd_event_parse_duration(const gchar *text, gint64 *duration_us);
gboolean
cd_event_parse_time(const gchar *text, gint64 now_us, gint64 *time_us);
gboolean
cd_event_id_is_valid(const gchar *id);
gchar *
cd_event_id_from_address(const gchar *address);
guint
cd_event_topic_filter_parse(const gchar *expression);

G_END_DECLS
