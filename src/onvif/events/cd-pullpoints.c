/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-pullpoints: one device's pull-point subscriptions: who made each, until when it lives,
 * the messages queued for it, and the one pull that may wait on it. It listens to the camera's
 * #CdCameraEvents ("changed") and queues a Changed message per topic of the change for every
 * subscription; a new subscription, and one that asks for a synchronization point, gets the
 * current state of every topic as Initialized messages. It never sets an event state.
 *
 * A subscription is known by an id of 128 bits from cd-random (its address is unguessable:
 * knowing it is not enough anyway, it answers its maker's login only; anyone else, even a
 * valid user, gets the fault of an unknown subscription, so ids of others cannot be probed).
 *
 * Bounds, each against a client that asks for more than a recorder needs:
 * - CD_PULLPOINTS_MAX_SUBSCRIPTIONS per device: a recorder keeps one or two; each holds a
 *   queue, and the 17th is refused rather than dropping someone else's;
 * - CD_PULLPOINTS_MAX_QUEUED messages per subscription, the oldest dropped: a client that
 *   stopped pulling costs a fixed amount until its subscription expires;
 * - CD_PULLPOINTS_MAX_MESSAGE_LIMIT messages per pull, so a reply stays a few tens of KiB;
 * - a pull waits at most CD_PULLPOINTS_MAX_PULL_TIMEOUT_US (60 s: ONVIF's clients expect a
 *   minute to work, and their HTTP timeouts are longer), and one pull per subscription waits:
 *   a second one answers the first (empty) and takes its place;
 * - termination times are clamped to CD_PULLPOINTS_MIN_TERMINATION_US..MAX (10 s..1 h): a
 *   forgotten subscription goes within the hour; a timer removes each one when it expires,
 *   answering its waiting pull with the unknown-subscription fault.
 *
 * Threads: the main context it is made on (the ONVIF server's); "changed" is signalled there.
 * Keys used: none; motion=off shows as a #CdCameraEvents without motion.
 */
#define G_LOG_DOMAIN "CdPullpoints"

#include "cd-pullpoints.h"

#include "cd-onvif-service.h"
#include "cd-random.h"

#include "cd-event-parse.h"

typedef struct {
	CdPullpointsReplyFunc func;
	gpointer user_data;
	GDestroyNotify destroy;
	guint limit;
	GSource *timeout;
} CdPendingPull;

typedef struct {
	CdPullpoints *owner;
	gchar *id;
	gchar *user;
	guint topics;	       /* the topics it wants, a bit (1 << CdEventTopic) each */
	gint64 termination_us; /* real time */
	GQueue messages;       /* (element-type CdEventMessage) oldest first */
	CdPendingPull *pending; /* nullable */
	GSource *expiry;
} CdSubscription;

struct _CdPullpoints {
	GObject parent_instance;
	CdCameraEvents *events;
	GHashTable *subscriptions; /* id → CdSubscription */
	gulong changed_id;
};

G_DEFINE_TYPE(CdPullpoints, cd_pullpoints, G_TYPE_OBJECT)

static void
source_free(GSource *source)
{
	g_source_destroy(source);
	g_source_unref(source);
}

static GSource *
timeout_new(gint64 delay_us, GSourceFunc func, gpointer data)
{
	GSource *source = g_timeout_source_new(MAX(delay_us, 0) / 1000);

	g_source_set_callback(source, func, data, NULL);
	g_source_attach(source, g_main_context_get_thread_default());
	return source;
}

/* takes the pending pull off its subscription and answers it, once */
static void
pending_answer(CdSubscription *subscription, GArray *messages, const GError *error)
{
	CdPendingPull *pending = g_steal_pointer(&subscription->pending);

	if (pending == NULL)
		return;
	g_clear_pointer(&pending->timeout, source_free);
	pending->func(messages, subscription->termination_us, error, pending->user_data);
	if (pending->destroy != NULL)
		pending->destroy(pending->user_data);
	g_free(pending);
}

/* the queue's first @limit messages, taken off it */
static GArray *
take_messages(CdSubscription *subscription, guint limit)
{
	GArray *messages = g_array_new(FALSE, FALSE, sizeof(CdEventMessage));

	while (messages->len < limit && !g_queue_is_empty(&subscription->messages)) {
		g_autofree CdEventMessage *message = g_queue_pop_head(&subscription->messages);

		g_array_append_val(messages, *message);
	}
	return messages;
}

static void
subscription_free(CdSubscription *subscription)
{
	g_autoptr(GError) error = g_error_new_literal(CD_ONVIF_FAULT,
						      CD_ONVIF_FAULT_RESOURCE_UNKNOWN,
						      "the subscription ended");

	pending_answer(subscription, NULL, error);
	g_clear_pointer(&subscription->expiry, source_free);
	g_queue_clear_full(&subscription->messages, g_free);
	g_free(subscription->id);
	g_free(subscription->user);
	g_free(subscription);
}

static void
queue_message(CdSubscription *subscription, const CdEventMessage *message)
{
	if ((subscription->topics & (1u << message->topic)) == 0)
		return;
	if (g_queue_get_length(&subscription->messages) >= CD_PULLPOINTS_MAX_QUEUED)
		g_free(g_queue_pop_head(&subscription->messages));
	g_queue_push_tail(&subscription->messages, g_memdup2(message, sizeof(*message)));
}

/* a message came: a waiting pull gets it (and whatever else is queued) now */
static void
wake(CdSubscription *subscription)
{
	g_autoptr(GArray) messages = NULL;

	if (subscription->pending == NULL || g_queue_is_empty(&subscription->messages))
		return;
	messages = take_messages(subscription, subscription->pending->limit);
	pending_answer(subscription, messages, NULL);
}

gboolean
cd_pullpoints_has_motion(CdPullpoints *self)
{
	return cd_camera_events_has(self->events, CD_CAMERA_EVENT_MOTION);
}

/* every topic's state now, as Initialized */
static void
queue_initialized(CdPullpoints *self, CdSubscription *subscription)
{
	for (CdEventTopic topic = 0; topic < CD_N_EVENT_TOPICS; topic++) {
		CdCameraEventKind kind = cd_event_topic_get_kind(topic);
		CdEventMessage message = {.topic = topic, .initialized = TRUE};

		if (!cd_camera_events_has(self->events, kind))
			continue;
		message.state = cd_camera_events_get_state(self->events, kind, &message.utc_us);
		queue_message(subscription, &message);
	}
	wake(subscription);
}

/* main context: a change of the camera's, for every subscription, per topic */
static void
changed_cb(CdCameraEvents *events, guint kind, gboolean state, gint64 utc_us, gpointer user_data)
{
	CdPullpoints *self = CD_PULLPOINTS(user_data);
	GHashTableIter iter;
	gpointer value;

	if (!cd_camera_events_has(events, kind))
		return;
	g_hash_table_iter_init(&iter, self->subscriptions);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		CdSubscription *subscription = value;

		for (CdEventTopic topic = 0; topic < CD_N_EVENT_TOPICS; topic++) {
			CdEventMessage message = {
			    .topic = topic,
			    .state = state,
			    .utc_us = utc_us,
			};

			if (cd_event_topic_get_kind(topic) == kind)
				queue_message(subscription, &message);
		}
		wake(subscription);
	}
}

/* main context */
static gboolean
expiry_cb(gpointer user_data)
{
	CdSubscription *subscription = user_data;

	g_debug("subscription expired");
	/* the source is being dispatched: let it go before the subscription frees it */
	g_clear_pointer(&subscription->expiry, g_source_unref);
	g_hash_table_remove(subscription->owner->subscriptions, subscription->id);
	return G_SOURCE_REMOVE;
}

/* @termination_us clamped to the bounds, from now; the timer set to it */
static void
set_termination(CdSubscription *subscription, gint64 termination_us)
{
	gint64 now_us = g_get_real_time();

	subscription->termination_us = CLAMP(termination_us,
					     now_us + CD_PULLPOINTS_MIN_TERMINATION_US,
					     now_us + CD_PULLPOINTS_MAX_TERMINATION_US);
	g_clear_pointer(&subscription->expiry, source_free);
	subscription->expiry =
	    timeout_new(subscription->termination_us - now_us, expiry_cb, subscription);
}

/* the subscription @id of @user; anyone else's, or none, is the same fault */
static CdSubscription *
lookup(CdPullpoints *self, const gchar *id, const gchar *user, GError **error)
{
	CdSubscription *subscription =
	    cd_event_id_is_valid(id) ? g_hash_table_lookup(self->subscriptions, id) : NULL;

	if (subscription == NULL || g_strcmp0(subscription->user, user) != 0) {
		g_set_error_literal(error,
				    CD_ONVIF_FAULT,
				    CD_ONVIF_FAULT_RESOURCE_UNKNOWN,
				    "no such subscription");
		return NULL;
	}
	return subscription;
}

/**
 * cd_pullpoints_new:
 * @events: the camera's event states; a reference is kept
 */
CdPullpoints *
cd_pullpoints_new(CdCameraEvents *events)
{
	CdPullpoints *self = g_object_new(CD_TYPE_PULLPOINTS, NULL);

	self->events = g_object_ref(events);
	self->changed_id = g_signal_connect(events, "changed", G_CALLBACK(changed_cb), self);
	return self;
}

/**
 * cd_pullpoints_create:
 * @user: who subscribes: the only one the subscription answers
 * @topics: the topics it gets (cd_event_topic_filter_parse())
 * @termination_us: when it would end (clamped to the bounds)
 * @termination_out_us: (out): when it ends
 *
 * Returns: (transfer full): the new subscription's id; %NULL past the bound of subscriptions,
 * with %CD_ONVIF_FAULT_SUBSCRIBE_CREATION_FAILED
 */
gchar *
cd_pullpoints_create(CdPullpoints *self,
		     const gchar *user,
		     guint topics,
		     gint64 termination_us,
		     gint64 *termination_out_us,
		     GError **error)
{
	CdSubscription *subscription;

	g_return_val_if_fail(user != NULL, NULL);
	if (g_hash_table_size(self->subscriptions) >= CD_PULLPOINTS_MAX_SUBSCRIPTIONS) {
		g_set_error(error,
			    CD_ONVIF_FAULT,
			    CD_ONVIF_FAULT_SUBSCRIBE_CREATION_FAILED,
			    "this device has %u subscriptions already: unsubscribe one or let it "
			    "expire",
			    CD_PULLPOINTS_MAX_SUBSCRIPTIONS);
		return NULL;
	}
	subscription = g_new0(CdSubscription, 1);
	subscription->owner = self;
	subscription->id = cd_random_hex(CD_EVENTS_ID_BYTES);
	subscription->user = g_strdup(user);
	subscription->topics = topics;
	g_queue_init(&subscription->messages);
	set_termination(subscription, termination_us);
	g_hash_table_insert(self->subscriptions, subscription->id, subscription);
	queue_initialized(self, subscription);
	*termination_out_us = subscription->termination_us;
	return g_strdup(subscription->id);
}

gboolean
cd_pullpoints_renew(CdPullpoints *self,
		    const gchar *id,
		    const gchar *user,
		    gint64 termination_us,
		    gint64 *termination_out_us,
		    GError **error)
{
	CdSubscription *subscription = lookup(self, id, user, error);

	if (subscription == NULL)
		return FALSE;
	set_termination(subscription, termination_us);
	*termination_out_us = subscription->termination_us;
	return TRUE;
}

gboolean
cd_pullpoints_unsubscribe(CdPullpoints *self, const gchar *id, const gchar *user, GError **error)
{
	CdSubscription *subscription = lookup(self, id, user, error);

	if (subscription == NULL)
		return FALSE;
	g_hash_table_remove(self->subscriptions, subscription->id);
	return TRUE;
}

/* SetSynchronizationPoint: every property's state again, as Initialized */
gboolean
cd_pullpoints_synchronize(CdPullpoints *self, const gchar *id, const gchar *user, GError **error)
{
	CdSubscription *subscription = lookup(self, id, user, error);

	if (subscription == NULL)
		return FALSE;
	queue_initialized(self, subscription);
	return TRUE;
}

/* main context: the pull waited its whole timeout; it gets an empty list */
static gboolean
pull_timeout_cb(gpointer user_data)
{
	CdSubscription *subscription = user_data;
	g_autoptr(GArray) messages = g_array_new(FALSE, FALSE, sizeof(CdEventMessage));

	g_clear_pointer(&subscription->pending->timeout, g_source_unref);
	pending_answer(subscription, messages, NULL);
	return G_SOURCE_REMOVE;
}

/**
 * cd_pullpoints_pull:
 * @timeout_us: how long to wait for a message when none is queued (capped)
 * @limit: messages at most (capped; at least one)
 * @func: called with the messages, at once if some are queued; else when one comes, at the
 *   timeout, or with an error if the subscription ends first. Never called once @self is
 *   disposed: @destroy is, always
 *
 * Returns: %FALSE if the subscription is unknown (then @func is not called, @destroy is)
 */
gboolean
cd_pullpoints_pull(CdPullpoints *self,
		   const gchar *id,
		   const gchar *user,
		   gint64 timeout_us,
		   guint limit,
		   CdPullpointsReplyFunc func,
		   gpointer user_data,
		   GDestroyNotify destroy,
		   GError **error)
{
	CdSubscription *subscription = lookup(self, id, user, error);
	g_autoptr(GArray) none = NULL;
	CdPendingPull *pending;

	if (subscription == NULL) {
		if (destroy != NULL)
			destroy(user_data);
		return FALSE;
	}
	/* one pull waits per subscription: the one waiting goes home empty */
	none = g_array_new(FALSE, FALSE, sizeof(CdEventMessage));
	pending_answer(subscription, none, NULL);
	pending = g_new0(CdPendingPull, 1);
	pending->func = func;
	pending->user_data = user_data;
	pending->destroy = destroy;
	pending->limit = CLAMP(limit, 1, CD_PULLPOINTS_MAX_MESSAGE_LIMIT);
	subscription->pending = pending;
	if (!g_queue_is_empty(&subscription->messages)) {
		wake(subscription);
		return TRUE;
	}
	pending->timeout = timeout_new(CLAMP(timeout_us, 0, CD_PULLPOINTS_MAX_PULL_TIMEOUT_US),
				       pull_timeout_cb,
				       subscription);
	return TRUE;
}

guint
cd_pullpoints_get_count(CdPullpoints *self)
{
	return g_hash_table_size(self->subscriptions);
}

/* a pending pull's answer goes nowhere once the device is gone: only its data is freed */
static void
subscription_drop(CdSubscription *subscription)
{
	CdPendingPull *pending = g_steal_pointer(&subscription->pending);

	if (pending != NULL) {
		g_clear_pointer(&pending->timeout, source_free);
		if (pending->destroy != NULL)
			pending->destroy(pending->user_data);
		g_free(pending);
	}
}

static void
cd_pullpoints_dispose(GObject *object)
{
	CdPullpoints *self = CD_PULLPOINTS(object);
	GHashTableIter iter;
	gpointer value;

	g_hash_table_iter_init(&iter, self->subscriptions);
	while (g_hash_table_iter_next(&iter, NULL, &value))
		subscription_drop(value);
	g_hash_table_remove_all(self->subscriptions);
	if (self->events != NULL) {
		g_clear_signal_handler(&self->changed_id, self->events);
		g_clear_object(&self->events);
	}
	G_OBJECT_CLASS(cd_pullpoints_parent_class)->dispose(object);
}

static void
cd_pullpoints_finalize(GObject *object)
{
	CdPullpoints *self = CD_PULLPOINTS(object);

	g_hash_table_unref(self->subscriptions);
	G_OBJECT_CLASS(cd_pullpoints_parent_class)->finalize(object);
}

static void
cd_pullpoints_class_init(CdPullpointsClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->dispose = cd_pullpoints_dispose;
	object_class->finalize = cd_pullpoints_finalize;
}

static void
cd_pullpoints_init(CdPullpoints *self)
{
	/* the key is the subscription's own id */
	self->subscriptions =
	    g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)subscription_free);
}
