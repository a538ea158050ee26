/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-event-message: the XML of the event service's topics: the topic set GetEventProperties
 * announces and one wsnt:NotificationMessage per queued message. Every topic is a property of
 * the one video source, with its Source and Data as SimpleItems, as ONVIF Core's topic set and
 * its Analytics specification give them.
 *
 * Threads: any; nothing here keeps state.
 * Keys used: none.
 */
#define G_LOG_DOMAIN "CdEventMessage"

#include "cd-event-message.h"

#include "cd-onvif-service.h"
#include "cd-xml.h"

#define TOPIC_DIALECT "http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet"
/* CellMotionDetector's Source names an analytics configuration and a rule: cordon's motion
 * detector is the one of both */
#define MOTION_RULE "cordon_motion"

static const struct {
	CdCameraEventKind kind;
	const gchar *name;	 /* the concrete topic */
	const gchar *data_name;	 /* its one Data item, a boolean */
} topics[CD_N_EVENT_TOPICS] = {
    [CD_EVENT_TOPIC_SIGNAL_LOSS] = {CD_CAMERA_EVENT_VIDEO_LOSS,
				    "tns1:VideoSource/SignalLoss",
				    "State"},
    [CD_EVENT_TOPIC_MOTION_ALARM] = {CD_CAMERA_EVENT_MOTION,
				     "tns1:VideoSource/MotionAlarm",
				     "State"},
    [CD_EVENT_TOPIC_CELL_MOTION] = {CD_CAMERA_EVENT_MOTION,
				    "tns1:RuleEngine/CellMotionDetector/Motion",
				    "IsMotion"},
};

CdCameraEventKind
cd_event_topic_get_kind(CdEventTopic topic)
{
	g_return_val_if_fail(topic < CD_N_EVENT_TOPICS, CD_CAMERA_EVENT_VIDEO_LOSS);
	return topics[topic].kind;
}

/* "tns1:VideoSource/SignalLoss" */
const gchar *
cd_event_topic_get_name(CdEventTopic topic)
{
	g_return_val_if_fail(topic < CD_N_EVENT_TOPICS, NULL);
	return topics[topic].name;
}

/**
 * cd_event_format_time:
 * @utc_us: microseconds since the epoch (g_get_real_time())
 *
 * Returns: (transfer full): an xs:dateTime in UTC with milliseconds, e.g.
 * "2026-12-06T23:40:00.250Z"
 */
gchar *
cd_event_format_time(gint64 utc_us)
{
	g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc(utc_us / G_USEC_PER_SEC);
	g_autofree gchar *seconds = NULL;

	if (time == NULL)
		return g_strdup("1970-01-01T00:00:00Z");
	seconds = g_date_time_format(time, "%Y-%m-%dT%H:%M:%S");
	return g_strdup_printf("%s.%03dZ", seconds, (gint)((utc_us % G_USEC_PER_SEC) / 1000));
}

static void
append_source(GString *out, CdEventTopic topic)
{
	g_string_append(out, "<tt:Source>");
	if (topic == CD_EVENT_TOPIC_CELL_MOTION)
		g_string_append(out,
				"<tt:SimpleItem Name=\"VideoSourceConfigurationToken\" "
				"Value=\"" CD_ONVIF_VIDEO_SOURCE_CONFIG_TOKEN "\"/>"
				"<tt:SimpleItem Name=\"VideoAnalyticsConfigurationToken\" "
				"Value=\"" MOTION_RULE "\"/>"
				"<tt:SimpleItem Name=\"Rule\" Value=\"" MOTION_RULE "\"/>");
	else
		g_string_append(out,
				"<tt:SimpleItem Name=\"Source\" "
				"Value=\"" CD_ONVIF_VIDEO_SOURCE_TOKEN "\"/>");
	g_string_append(out, "</tt:Source>");
}

/**
 * cd_event_message_append:
 * @subscription_url: the subscription's address, escaped for XML
 *
 * Appends @message as a wsnt:NotificationMessage.
 */
void
cd_event_message_append(GString *out, const CdEventMessage *message, const gchar *subscription_url)
{
	g_autofree gchar *time = cd_event_format_time(message->utc_us);

	g_return_if_fail(message->topic < CD_N_EVENT_TOPICS);
	g_string_append_printf(out,
			       "<wsnt:NotificationMessage>"
			       "<wsnt:SubscriptionReference><wsa:Address>%s</wsa:Address>"
			       "</wsnt:SubscriptionReference>"
			       "<wsnt:Topic Dialect=\"" TOPIC_DIALECT "\">%s</wsnt:Topic>"
			       "<wsnt:Message><tt:Message UtcTime=\"%s\" PropertyOperation=\"%s\">",
			       subscription_url,
			       topics[message->topic].name,
			       time,
			       message->initialized ? "Initialized" : "Changed");
	append_source(out, message->topic);
	g_string_append_printf(out,
			       "<tt:Data><tt:SimpleItem Name=\"%s\" Value=\"%s\"/></tt:Data>"
			       "</tt:Message></wsnt:Message></wsnt:NotificationMessage>",
			       topics[message->topic].data_name,
			       message->state ? "true" : "false");
}

static void
append_description(GString *out, CdEventTopic topic)
{
	g_string_append(out, "<tt:MessageDescription IsProperty=\"true\"><tt:Source>");
	if (topic == CD_EVENT_TOPIC_CELL_MOTION)
		g_string_append(out,
				"<tt:SimpleItemDescription Name=\"VideoSourceConfigurationToken\" "
				"Type=\"tt:ReferenceToken\"/>"
				"<tt:SimpleItemDescription Name=\"VideoAnalyticsConfigurationToken\" "
				"Type=\"tt:ReferenceToken\"/>"
				"<tt:SimpleItemDescription Name=\"Rule\" Type=\"xs:string\"/>");
	else
		g_string_append(out,
				"<tt:SimpleItemDescription Name=\"Source\" "
				"Type=\"tt:ReferenceToken\"/>");
	g_string_append_printf(out,
			       "</tt:Source><tt:Data><tt:SimpleItemDescription Name=\"%s\" "
			       "Type=\"xs:boolean\"/></tt:Data></tt:MessageDescription>",
			       topics[topic].data_name);
}

/**
 * cd_event_topic_set_append:
 * @motion: the camera has motion detection (motion=on): its topics are announced
 *
 * Appends the wstop:TopicSet of what this device sends.
 */
void
cd_event_topic_set_append(GString *out, gboolean motion)
{
	g_string_append(out,
			"<wstop:TopicSet><tns1:VideoSource>"
			"<tns1:SignalLoss wstop:topic=\"true\">");
	append_description(out, CD_EVENT_TOPIC_SIGNAL_LOSS);
	g_string_append(out, "</tns1:SignalLoss>");
	if (motion) {
		g_string_append(out, "<tns1:MotionAlarm wstop:topic=\"true\">");
		append_description(out, CD_EVENT_TOPIC_MOTION_ALARM);
		g_string_append(out, "</tns1:MotionAlarm>");
	}
	g_string_append(out, "</tns1:VideoSource>");
	if (motion) {
		g_string_append(out,
				"<tns1:RuleEngine><tns1:CellMotionDetector>"
				"<tns1:Motion wstop:topic=\"true\">");
		append_description(out, CD_EVENT_TOPIC_CELL_MOTION);
		g_string_append(out, "</tns1:Motion></tns1:CellMotionDetector></tns1:RuleEngine>");
	}
	g_string_append(out, "</wstop:TopicSet>");
}
