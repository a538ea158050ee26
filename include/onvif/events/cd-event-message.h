/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "cd-camera-events.h"

G_BEGIN_DECLS

/*
 * The topics cordon sends, each a property (a state with a start) about the one video source:
 * tns1:VideoSource/SignalLoss for video loss, and for motion both tns1:VideoSource/MotionAlarm
 * (ONVIF's Profile S topic) and tns1:RuleEngine/CellMotionDetector/Motion (what Milestone,
 * Synology and Blue Iris look for first).
 */
typedef enum {
	CD_EVENT_TOPIC_SIGNAL_LOSS,
	CD_EVENT_TOPIC_MOTION_ALARM,
	CD_EVENT_TOPIC_CELL_MOTION,
	CD_N_EVENT_TOPICS
} CdEventTopic;

/**
 * CdEventMessage:
 *
 * One notification: a topic's state, since when, and whether it is the state as it was when
 * the subscription started or synchronized (Initialized) or a change (Changed).
 */
typedef struct {
	CdEventTopic topic;
	gboolean state;
	gint64 utc_us; /* g_get_real_time() of the change */
	gboolean initialized;
} CdEventMessage;

CdCameraEventKind
cd_event_topic_get_kind(CdEventTopic topic);
const gchar *
cd_event_topic_get_name(CdEventTopic topic);
void
cd_event_message_append(GString *out,
			const CdEventMessage *message,
			const gchar *subscription_url);
void
cd_event_topic_set_append(GString *out, gboolean motion);
gchar *
cd_event_format_time(gint64 utc_us);

G_END_DECLS
