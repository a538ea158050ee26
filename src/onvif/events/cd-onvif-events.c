/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-onvif-events: the event service (ver10 events, tev) of one virtual device: its table of
 * operations, their handlers and its capabilities. It announces and sends cordon's own events
 * about the camera (video loss, and motion unless motion=off: see cd-event-message), made by
 * cordon from what it sees and published read-only as #CdCameraEvents; nothing of the
 * camera's own events is relayed. Clients pull (CreatePullPointSubscription, PullMessages,
 * Renew, Unsubscribe, SetSynchronizationPoint); WS-BaseNotification's Subscribe, which would
 * have cordon connect out to an address the client names, is refused. The subscriptions,
 * their bounds and their expiry are cd-pullpoints'.
 *
 * Every operation but GetServiceCapabilities needs a viewer's login (ONVIF Core's access
 * class READ_MEDIA for them, PRE_AUTH for the capabilities). A subscription is addressed by its
 * own URL (CD_EVENTS_PATH_PULLPOINT/ID, built from the address the client used), or by that URL
 * in a wsa:To header when the client posts to the service's address. A subscription's topic
 * filter (wsnt:TopicExpression, ConcreteSet) is applied; a message content filter is not.
 *
 * Threads: the handlers run on the server's main context; PullMessages answers later, through
 * the call's #CdOnvifDeferred, when cd-pullpoints has messages for it or its timeout passes.
 * Keys used: none here; motion=off comes as a #CdCameraEvents without motion.
 */
#define G_LOG_DOMAIN "CdOnvifEvents"

#include "cd-onvif-events.h"

#include "cd-error.h"
#include "cd-onvif-deferred.h"
#include "cd-xml.h"

#include "cd-event-message.h"
#include "cd-event-parse.h"
#include "cd-pullpoints.h"

#define TOPIC_NAMESPACE_LOCATION "http://www.onvif.org/onvif/ver10/topics/topicns.xml"
#define MESSAGE_SCHEMA_LOCATION	 "http://www.onvif.org/onvif/ver10/schema/onvif.xsd"
#define DIALECT_CONCRETE_SET	 "http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet"
#define DIALECT_CONCRETE	 "http://docs.oasis-open.org/wsn/t-1/TopicExpression/Concrete"
#define DIALECT_ITEM_FILTER	 "http://www.onvif.org/ver10/tev/messageContentFilter/ItemFilter"

static gboolean
require_events(const CdOnvifCall *call, GError **error)
{
	if (call->pullpoints != NULL)
		return TRUE;
	g_set_error_literal(error,
			    G_IO_ERROR,
			    G_IO_ERROR_NOT_SUPPORTED,
			    "this device has no events");
	return FALSE;
}

/* the subscription's escaped URL at the address the client used */
static gchar *
subscription_url(const CdOnvifCall *call, const gchar *id)
{
	g_autofree gchar *path = g_strconcat(CD_EVENTS_PATH_PULLPOINT "/", id, NULL);

	return cd_onvif_service_url(call, path);
}

/* the subscription addressed, or the fault of an unknown one */
static const gchar *
addressed_id(const CdOnvifCall *call, GError **error)
{
	if (call->subscription_id != NULL)
		return call->subscription_id;
	g_set_error_literal(error,
			    CD_ONVIF_FAULT,
			    CD_ONVIF_FAULT_RESOURCE_UNKNOWN,
			    "no subscription addressed: post to the subscription's address");
	return NULL;
}

/*
 * A termination time, absolute or a duration from now; none: the default. Out of bounds is
 * clamped by cd-pullpoints rather than refused: a client that asks for a day still gets a
 * subscription, and reads when it ends in the reply.
 */
static gboolean
termination_time(const CdOnvifCall *call,
		 const gchar *element,
		 gint64 now_us,
		 gint64 *termination_us,
		 GError **error)
{
	g_autofree gchar *text = cd_soap_request_get_text(call->request, element);

	if (text == NULL || text[0] == '\0') {
		*termination_us = now_us + CD_PULLPOINTS_DEFAULT_TERMINATION_US;
		return TRUE;
	}
	if (cd_event_parse_time(text, now_us, termination_us))
		return TRUE;
	g_set_error(error,
		    CD_ERROR,
		    CD_ERROR_INVALID_REQUEST,
		    "%s is neither an xs:duration nor an xs:dateTime",
		    element);
	return FALSE;
}

static void
append_times(GString *out, const gchar *prefix, gint64 now_us, gint64 termination_us)
{
	g_autofree gchar *now = cd_event_format_time(now_us);
	g_autofree gchar *termination = cd_event_format_time(termination_us);

	g_string_append_printf(out,
			       "<%s:CurrentTime>%s</%s:CurrentTime>"
			       "<%s:TerminationTime>%s</%s:TerminationTime>",
			       prefix,
			       now,
			       prefix,
			       prefix,
			       termination,
			       prefix);
}

static void
append_capabilities(GString *out, const CdOnvifCall *call)
{
	g_string_append_printf(out,
			       "<tev:Capabilities WSSubscriptionPolicySupport=\"false\" "
			       "WSPullPointSupport=\"true\" "
			       "WSPausableSubscriptionManagerInterfaceSupport=\"false\" "
			       "MaxNotificationProducers=\"0\" MaxPullPoints=\"%u\" "
			       "PersistentNotificationStorage=\"false\"/>",
			       CD_PULLPOINTS_MAX_SUBSCRIPTIONS);
}

/* GetCapabilities' tt:Events */
static void
append_category_capabilities(GString *out, const CdOnvifCall *call, const gchar *xaddr)
{
	g_string_append_printf(out,
			       "<tt:Events><tt:XAddr>%s</tt:XAddr>"
			       "<tt:WSSubscriptionPolicySupport>false</tt:WSSubscriptionPolicySupport>"
			       "<tt:WSPullPointSupport>true</tt:WSPullPointSupport>"
			       "<tt:WSPausableSubscriptionManagerInterfaceSupport>false"
			       "</tt:WSPausableSubscriptionManagerInterfaceSupport></tt:Events>",
			       xaddr);
}

static gchar *
get_event_properties(const CdOnvifCall *call, GError **error)
{
	g_autoptr(GString) out = NULL;

	if (!require_events(call, error))
		return NULL;
	out = g_string_new("<tev:GetEventPropertiesResponse>"
			   "<tev:TopicNamespaceLocation>" TOPIC_NAMESPACE_LOCATION
			   "</tev:TopicNamespaceLocation>"
			   "<wsnt:FixedTopicSet>true</wsnt:FixedTopicSet>");
	cd_event_topic_set_append(out, cd_pullpoints_has_motion(call->pullpoints));
	g_string_append(out,
			"<wsnt:TopicExpressionDialect>" DIALECT_CONCRETE_SET
			"</wsnt:TopicExpressionDialect>"
			"<wsnt:TopicExpressionDialect>" DIALECT_CONCRETE
			"</wsnt:TopicExpressionDialect>"
			"<tev:MessageContentFilterDialect>" DIALECT_ITEM_FILTER
			"</tev:MessageContentFilterDialect>"
			"<tev:MessageContentSchemaLocation>" MESSAGE_SCHEMA_LOCATION
			"</tev:MessageContentSchemaLocation>"
			"</tev:GetEventPropertiesResponse>");
	return g_string_free(g_steal_pointer(&out), FALSE);
}

static gchar *
create_pull_point_subscription(const CdOnvifCall *call, GError **error)
{
	gint64 now_us = g_get_real_time();
	gint64 termination_us;
	g_autofree gchar *id = NULL;
	g_autofree gchar *url = NULL;
	g_autofree gchar *filter = NULL;
	g_autoptr(GString) out = NULL;

	if (!require_events(call, error) ||
	    !termination_time(call, "InitialTerminationTime", now_us, &termination_us, error))
		return NULL;
	/* Filter/TopicExpression (ConcreteSet); a message content filter is not applied */
	filter = cd_soap_request_get_text(call->request, "TopicExpression");
	id = cd_pullpoints_create(call->pullpoints,
				  call->user,
				  cd_event_topic_filter_parse(filter),
				  termination_us,
				  &termination_us,
				  error);
	if (id == NULL)
		return NULL;
	url = subscription_url(call, id);
	out = g_string_new("<tev:CreatePullPointSubscriptionResponse>");
	g_string_append_printf(out,
			       "<tev:SubscriptionReference><wsa:Address>%s</wsa:Address>"
			       "</tev:SubscriptionReference>",
			       url);
	append_times(out, "wsnt", now_us, termination_us);
	g_string_append(out, "</tev:CreatePullPointSubscriptionResponse>");
	return g_string_free(g_steal_pointer(&out), FALSE);
}

/* a PullMessages waiting for cd-pullpoints */
typedef struct {
	CdOnvifDeferred *deferred;
	gchar *url; /* the subscription's, escaped */
} CdPull;

static void
pull_free(CdPull *pull)
{
	g_object_unref(pull->deferred);
	g_free(pull->url);
	g_free(pull);
}

/* main context: cd-pullpoints answers, now or later */
static void
pull_reply_cb(GArray *messages, gint64 termination_us, const GError *error, gpointer user_data)
{
	CdPull *pull = user_data;
	g_autoptr(GString) out = NULL;

	if (messages == NULL) {
		cd_onvif_deferred_return(pull->deferred, NULL, error);
		return;
	}
	out = g_string_new("<tev:PullMessagesResponse>");
	append_times(out, "tev", g_get_real_time(), termination_us);
	for (guint i = 0; i < messages->len; i++)
		cd_event_message_append(out, &g_array_index(messages, CdEventMessage, i), pull->url);
	g_string_append(out, "</tev:PullMessagesResponse>");
	cd_onvif_deferred_return(pull->deferred, g_string_free(g_steal_pointer(&out), FALSE), NULL);
}

static gchar *
pull_messages(const CdOnvifCall *call, GError **error)
{
	const gchar *id = NULL;
	g_autofree gchar *timeout = NULL;
	g_autofree gchar *limit = NULL;
	gint64 timeout_us;
	guint64 message_limit;
	CdPull *pull;

	if (!require_events(call, error) || (id = addressed_id(call, error)) == NULL)
		return NULL;
	timeout = cd_soap_request_get_text(call->request, "Timeout");
	limit = cd_soap_request_get_text(call->request, "MessageLimit");
	if (!cd_event_parse_duration(timeout, &timeout_us)) {
		g_set_error_literal(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_REQUEST,
				    "Timeout is not an xs:duration");
		return NULL;
	}
	if (limit == NULL ||
	    !g_ascii_string_to_unsigned(limit, 10, 0, G_MAXUINT32, &message_limit, NULL)) {
		g_set_error_literal(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_REQUEST,
				    "MessageLimit is not a number");
		return NULL;
	}
	pull = g_new0(CdPull, 1);
	pull->deferred = cd_onvif_deferred_take(call->deferred);
	pull->url = subscription_url(call, id);
	if (!cd_pullpoints_pull(call->pullpoints,
				id,
				call->user,
				timeout_us,
				(guint)MIN(message_limit, CD_PULLPOINTS_MAX_MESSAGE_LIMIT),
				pull_reply_cb,
				pull,
				(GDestroyNotify)pull_free,
				error))
		return NULL; /* unknown: the fault is answered now, the handle dropped */
	/* answered through the handle, now or later */
	return NULL;
}

static gchar *
renew(const CdOnvifCall *call, GError **error)
{
	gint64 now_us = g_get_real_time();
	const gchar *id = NULL;
	gint64 termination_us;
	g_autofree gchar *now = NULL;
	g_autofree gchar *termination = NULL;

	if (!require_events(call, error) || (id = addressed_id(call, error)) == NULL ||
	    !termination_time(call, "TerminationTime", now_us, &termination_us, error) ||
	    !cd_pullpoints_renew(call->pullpoints,
				 id,
				 call->user,
				 termination_us,
				 &termination_us,
				 error))
		return NULL;
	now = cd_event_format_time(now_us);
	termination = cd_event_format_time(termination_us);
	/* WS-BaseNotification's order: TerminationTime, then CurrentTime */
	return g_strdup_printf("<wsnt:RenewResponse>"
			       "<wsnt:TerminationTime>%s</wsnt:TerminationTime>"
			       "<wsnt:CurrentTime>%s</wsnt:CurrentTime>"
			       "</wsnt:RenewResponse>",
			       termination,
			       now);
}

static gchar *
unsubscribe(const CdOnvifCall *call, GError **error)
{
	const gchar *id = NULL;

	if (!require_events(call, error) || (id = addressed_id(call, error)) == NULL ||
	    !cd_pullpoints_unsubscribe(call->pullpoints, id, call->user, error))
		return NULL;
	return g_strdup("<wsnt:UnsubscribeResponse/>");
}

static gchar *
set_synchronization_point(const CdOnvifCall *call, GError **error)
{
	const gchar *id = NULL;

	if (!require_events(call, error) || (id = addressed_id(call, error)) == NULL ||
	    !cd_pullpoints_synchronize(call->pullpoints, id, call->user, error))
		return NULL;
	return g_strdup("<tev:SetSynchronizationPointResponse/>");
}

/* base notification pushes to a URL the client names: cordon never connects out to one */
static gchar *
subscribe(const CdOnvifCall *call, GError **error)
{
	g_set_error_literal(error,
			    G_IO_ERROR,
			    G_IO_ERROR_NOT_SUPPORTED,
			    "cordon does not send notifications to client addresses: use "
			    "CreatePullPointSubscription and PullMessages");
	return NULL;
}

static const CdOnvifOperation events_operations[] = {
    CD_ONVIF_PRE_AUTH("GetServiceCapabilities", cd_onvif_get_service_capabilities),
    CD_ONVIF_READ("GetEventProperties", get_event_properties),
    CD_ONVIF_READ("CreatePullPointSubscription", create_pull_point_subscription),
    CD_ONVIF_READ("PullMessages", pull_messages),
    CD_ONVIF_READ("SetSynchronizationPoint", set_synchronization_point),
    /* WS-BaseNotification's, in its namespace (other_ns) */
    CD_ONVIF_READ("Renew", renew),
    CD_ONVIF_READ("Unsubscribe", unsubscribe),
    CD_ONVIF_READ("Subscribe", subscribe),
};

const CdOnvifService cd_onvif_events_service = {
    .ns = CD_SOAP_NS_EVENTS,
    .other_ns = CD_SOAP_NS_WSNT,
    .prefix = "tev",
    .path = CD_ONVIF_PATH_EVENTS,
    .operations = events_operations,
    .n_operations = G_N_ELEMENTS(events_operations),
    .append_capabilities = append_capabilities,
    .category = "Events",
    .append_category_capabilities = append_category_capabilities,
};
