/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-onvif-events: the event service of a virtual device, end to end: the real cordon
 * (in-process) with the emulator camera behind it, asked over loopback HTTP with WS-Security
 * UsernameTokens, as recorders do, and by two independent ONVIF client libraries (the npm
 * packages `onvif` and `onvif-nvt`, as child processes: tests/e2e/onvif-clients/onvif-events.js).
 *
 * What it proves: the service is announced (GetCapabilities, GetServices) and its topics
 * (GetEventProperties, motion's only with motion on); a subscription starts with Initialized
 * messages of every property; video loss comes when the camera is cut and goes when it is
 * back; motion comes when the picture moves (the emulator's pattern scrolls); Renew,
 * Unsubscribe, SetSynchronizationPoint, expiry; the bounds (the 17th subscription, the message
 * limit, another user's subscription, the pull timeout past the connection's idle timeout); a
 * pull waiting while the server stops; no credential in any address handed out.
 *
 * Why these two clients: they are the npm ONVIF clients with pull-point support and share no
 * code (agsh/onvif builds its SOAP by hand and parses with xml2js through its own linerase;
 * onvif-nvt has its own envelope, WS-Security, HTTP Digest through `request`, and addresses a
 * subscription with wsa:To). Debian's libonvif (onvif-util) and npm node-onvif have no event
 * calls beyond GetEventProperties. A missing client is skipped, or fails under CI.
 */
#include <string.h>

#include <libsoup/soup.h>

#include "cd-emulator.h"
#include "cd-pullpoints.h"
#include "test-utils.h"

#define WAIT_MS 20000
/* the time a camera cut takes to show: cordon's stall detection, then the slate */
#define VIDEO_LOSS_WAIT_MS 30000
/* under the pull timeouts used below, so a pull outliving it proves it is not cut */
#define CLIENT_TIMEOUT_S 2
#define NODE_MS		 60000

#define PATH_EVENTS "/onvif/event_service"
#define NS_EVENTS "http://www.onvif.org/ver10/events/wsdl"
#define NS_WSNT	  "http://docs.oasis-open.org/wsn/b-2"
#define NS_WSA	  "http://www.w3.org/2005/08/addressing"
#define NS_DEVICE "http://www.onvif.org/ver10/device/wsdl"

typedef struct {
	CdEmulator *camera;
	CdDaemon *daemon;
	guint onvif_port;
	guint camera_port;
	SoupSession *session;
} Device;

static gboolean
camera_playing(gpointer user_data)
{
	return cd_emulator_get_play_count(user_data) >= 1;
}

static void
device_start(Device *device, const gchar *camera_extra)
{
	g_autofree gchar *url = NULL;
	g_autofree gchar *section = NULL;
	g_autofree gchar *extra = g_strdup_printf("width=320\nheight=240\nfps=10\nbitrate=300\n"
						  "viewers=" VIEWER_USER ";" OTHER_USER "\n%s",
						  camera_extra);
	g_autofree gchar *server = g_strdup_printf("client-timeout=%d\n", CLIENT_TIMEOUT_S);
	g_autoptr(GUri) camera_uri = NULL;

	device->camera = cd_test_camera_start(CD_EMULATOR_CODEC_H264, 0, 320, 240);
	url = cd_emulator_get_url(device->camera);
	camera_uri = g_uri_parse(url, G_URI_FLAGS_NONE, NULL);
	device->camera_port = (guint)g_uri_get_port(camera_uri);
	section = cd_test_camera_section("front", url, extra);
	device->daemon = cd_test_cordon_start(server, section);
	device->onvif_port = cd_daemon_get_onvif_port(device->daemon, "front");
	g_assert_cmpuint(device->onvif_port, >, 0);
	g_assert_true(cd_test_wait_until(camera_playing, device->camera, WAIT_MS));
	device->session = soup_session_new_with_options("timeout", 90, NULL);
}

static void
device_stop(Device *device)
{
	g_clear_object(&device->session);
	g_clear_object(&device->daemon);
	g_clear_object(&device->camera);
}

/* ---- SOAP with a WS-Security UsernameToken, while cordon runs on this thread ---- */

typedef struct {
	gboolean done;
	guint status;
	gchar *reply;
} Post;

/* a WS-Security UsernameToken with PasswordDigest: base64(SHA-1(nonce + created + password)) */
static gchar *
username_token(const gchar *user, const gchar *password)
{
	guint8 nonce[16];
	guint8 digest[20];
	gsize digest_len = sizeof(digest);
	g_autoptr(GChecksum) sha1 = g_checksum_new(G_CHECKSUM_SHA1);
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	g_autofree gchar *created = g_date_time_format(now, "%Y-%m-%dT%H:%M:%SZ");
	g_autofree gchar *nonce_text = NULL;
	g_autofree gchar *digest_text = NULL;

	for (guint i = 0; i < sizeof(nonce); i++)
		nonce[i] = (guint8)g_random_int();
	g_checksum_update(sha1, nonce, sizeof(nonce));
	g_checksum_update(sha1, (const guchar *)created, strlen(created));
	g_checksum_update(sha1, (const guchar *)password, strlen(password));
	g_checksum_get_digest(sha1, digest, &digest_len);
	nonce_text = g_base64_encode(nonce, sizeof(nonce));
	digest_text = g_base64_encode(digest, digest_len);
	return g_strdup_printf(
	    "<wsse:Security xmlns:wsse=\"http://docs.oasis-open.org/wss/2004/01/"
	    "oasis-200401-wss-wssecurity-secext-1.0.xsd\" xmlns:wsu=\"http://docs.oasis-open.org/"
	    "wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd\"><wsse:UsernameToken>"
	    "<wsse:Username>%s</wsse:Username><wsse:Password Type=\"http://docs.oasis-open.org/"
	    "wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest\">%s"
	    "</wsse:Password><wsse:Nonce EncodingType=\"http://docs.oasis-open.org/wss/2004/01/"
	    "oasis-200401-wss-soap-message-security-1.0#Base64Binary\">%s</wsse:Nonce>"
	    "<wsu:Created>%s</wsu:Created></wsse:UsernameToken></wsse:Security>",
	    user, digest_text, nonce_text, created);
}

static void
post_done_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
	Post *post = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) bytes = soup_session_send_and_read_finish(SOUP_SESSION(source), result,
								   &error);
	SoupMessage *msg = soup_session_get_async_result_message(SOUP_SESSION(source), result);

	post->status = bytes != NULL ? soup_message_get_status(msg) : 0;
	post->reply = bytes != NULL ? g_strndup(g_bytes_get_data(bytes, NULL),
						g_bytes_get_size(bytes))
				    : g_strdup(error->message);
	post->done = TRUE;
}

static gchar *
envelope(const gchar *header, const gchar *body)
{
	return g_strdup_printf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
			       "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" "
			       "xmlns:tev=\"" NS_EVENTS "\" xmlns:wsnt=\"" NS_WSNT "\" "
			       "xmlns:wsa=\"" NS_WSA "\" xmlns:tds=\"" NS_DEVICE "\">"
			       "<s:Header>%s</s:Header><s:Body>%s</s:Body></s:Envelope>",
			       header != NULL ? header : "",
			       body);
}

/* starts a POST of @body to @url (a full URL or a path of the device) as @user */
static Post *
post_start(Device *device, const gchar *url, const gchar *user, const gchar *header,
	   const gchar *body)
{
	Post *post = g_new0(Post, 1);
	g_autofree gchar *full = g_str_has_prefix(url, "http")
				     ? g_strdup(url)
				     : g_strdup_printf("http://127.0.0.1:%u%s", device->onvif_port,
						       url);
	g_autoptr(SoupMessage) msg = soup_message_new("POST", full);
	g_autofree gchar *token = username_token(
	    user, g_strcmp0(user, OTHER_USER) == 0 ? OTHER_PASSWORD : VIEWER_PASSWORD);
	g_autofree gchar *headers = g_strconcat(token, header, NULL);
	g_autofree gchar *text = envelope(headers, body);
	g_autoptr(GBytes) bytes = g_bytes_new(text, strlen(text));

	g_assert_nonnull(msg);
	soup_message_set_request_body_from_bytes(msg, "application/soap+xml; charset=utf-8",
						 bytes);
	soup_session_send_and_read_async(device->session, msg, G_PRIORITY_DEFAULT, NULL,
					 post_done_cb, post);
	return post;
}

static gboolean
post_is_done(gpointer user_data)
{
	return ((Post *)user_data)->done;
}

static void
post_free(Post *post)
{
	g_free(post->reply);
	g_free(post);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Post, post_free)

static Post *
post_wait(Post *post, guint timeout_ms)
{
	if (!cd_test_wait_until(post_is_done, post, timeout_ms))
		g_test_fail_printf("no answer within %u ms", timeout_ms);
	return post;
}

/* POSTs and waits; the answer must have @status */
static gchar *
call(Device *device, const gchar *url, const gchar *user, const gchar *header,
     const gchar *body, guint status)
{
	g_autoptr(Post) post = post_wait(post_start(device, url, user, header, body), WAIT_MS);

	if (post->status != status)
		g_test_message("%s: status %u, expected %u:\n%s", body, post->status, status,
			       post->reply);
	if (post->status != status)
		g_test_fail_printf("%s: status %u, expected %u:\n%s", body, post->status, status,
				   post->reply);
	return g_steal_pointer(&post->reply);
}

static guint
count(const gchar *text, const gchar *needle)
{
	guint n = 0;

	for (const gchar *p = strstr(text, needle); p != NULL; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* the text of the first <wsa:Address> */
static gchar *
address_of(const gchar *reply)
{
	const gchar *start = strstr(reply, "<wsa:Address>");
	const gchar *end = start != NULL ? strstr(start, "</wsa:Address>") : NULL;

	g_assert_nonnull(end);
	start += strlen("<wsa:Address>");
	return g_strndup(start, end - start);
}

static gchar *
subscribe_filtered(Device *device, const gchar *user, const gchar *termination,
		   const gchar *filter)
{
	g_autofree gchar *body = g_strdup_printf(
	    "<tev:CreatePullPointSubscription>%s%s%s%s%s%s</tev:CreatePullPointSubscription>",
	    filter != NULL ? "<tev:Filter><wsnt:TopicExpression Dialect=\"http://www.onvif.org/"
			     "ver10/tev/topicExpression/ConcreteSet\">"
			   : "",
	    filter != NULL ? filter : "",
	    filter != NULL ? "</wsnt:TopicExpression></tev:Filter>" : "",
	    termination != NULL ? "<tev:InitialTerminationTime>" : "",
	    termination != NULL ? termination : "",
	    termination != NULL ? "</tev:InitialTerminationTime>" : "");
	g_autofree gchar *reply = call(device, PATH_EVENTS, user, NULL, body, 200);
	g_autofree gchar *address = address_of(reply);
	g_autofree gchar *prefix = g_strdup_printf("http://127.0.0.1:%u/onvif/pullpoint/",
						   device->onvif_port);

	/* cordon's own address, with an id of 32 hex digits and no credential */
	g_assert_true(g_str_has_prefix(address, prefix));
	g_assert_cmpuint(strlen(address), ==, strlen(prefix) + 32);
	g_assert_null(strstr(address, VIEWER_PASSWORD));
	g_assert_null(strstr(address, CAMERA_PASSWORD));
	g_assert_null(strstr(address, "@"));
	g_assert_nonnull(strstr(reply, "<wsnt:TerminationTime>"));
	return g_steal_pointer(&address);
}

static gchar *
subscribe(Device *device, const gchar *user, const gchar *termination)
{
	return subscribe_filtered(device, user, termination, NULL);
}

static Post *
pull_start(Device *device, const gchar *address, const gchar *user, const gchar *timeout,
	   guint limit)
{
	g_autofree gchar *body = g_strdup_printf("<tev:PullMessages><tev:Timeout>%s</tev:Timeout>"
						 "<tev:MessageLimit>%u</tev:MessageLimit>"
						 "</tev:PullMessages>",
						 timeout, limit);

	return post_start(device, address, user, NULL, body);
}

static gchar *
pull(Device *device, const gchar *address, const gchar *timeout, guint limit)
{
	g_autoptr(Post) post =
	    post_wait(pull_start(device, address, VIEWER_USER, timeout, limit), 70000);

	if (post->status != 200)
		g_test_message("PullMessages: status %u: %s", post->status, post->reply);
	g_assert_cmpuint(post->status, ==, 200);
	g_assert_nonnull(strstr(post->reply, "<tev:PullMessagesResponse>"));
	return g_steal_pointer(&post->reply);
}

/* a message of @topic with @value, e.g. ("SignalLoss", "State", "true") */
static gboolean
has_message(const gchar *reply, const gchar *topic, const gchar *item, const gchar *value,
	    const gchar *operation)
{
	g_autofree gchar *data =
	    g_strdup_printf("<tt:SimpleItem Name=\"%s\" Value=\"%s\"/>", item, value);
	g_autofree gchar *op = g_strdup_printf("PropertyOperation=\"%s\"", operation);
	g_auto(GStrv) messages = g_strsplit(reply, "<wsnt:NotificationMessage>", -1);

	for (guint i = 1; messages[i] != NULL; i++) {
		if (strstr(messages[i], topic) != NULL && strstr(messages[i], data) != NULL &&
		    (operation == NULL || strstr(messages[i], op) != NULL))
			return TRUE;
	}
	return FALSE;
}

/* pulls until a message of @topic with @value comes, within @timeout_ms */
static void
pull_until(Device *device, const gchar *address, const gchar *topic, const gchar *item,
	   const gchar *value, guint timeout_ms)
{
	gint64 deadline = g_get_monotonic_time() + timeout_ms * (gint64)1000;

	while (g_get_monotonic_time() < deadline) {
		g_autofree gchar *reply = pull(device, address, "PT5S", 100);

		if (has_message(reply, topic, item, value, NULL))
			return;
	}
	g_test_fail_printf("no %s %s=%s within %u ms", topic, item, value, timeout_ms);
}

/* ---- the service announced ---- */

static void
check_announced(Device *device, gboolean motion)
{
	g_autofree gchar *capabilities =
	    call(device, "/onvif/device_service", VIEWER_USER, NULL,
		 "<tds:GetCapabilities><tds:Category>All</tds:Category></tds:GetCapabilities>",
		 200);
	g_autofree gchar *services = call(device, "/onvif/device_service", VIEWER_USER, NULL,
					  "<tds:GetServices><tds:IncludeCapability>true"
					  "</tds:IncludeCapability></tds:GetServices>",
					  200);
	g_autofree gchar *properties = call(device, PATH_EVENTS, VIEWER_USER, NULL,
					    "<tev:GetEventProperties/>", 200);
	g_autofree gchar *xaddr = g_strdup_printf("<tt:Events><tt:XAddr>http://127.0.0.1:%u"
						  "/onvif/event_service</tt:XAddr>",
						  device->onvif_port);

	g_assert_nonnull(strstr(capabilities, xaddr));
	g_assert_nonnull(strstr(capabilities, "<tt:WSPullPointSupport>true"));
	g_assert_nonnull(strstr(capabilities, "<tt:WSSubscriptionPolicySupport>false"));
	/* tt:Capabilities' order: Device, Events, then Media */
	g_assert_true(strstr(capabilities, "<tt:Events>") < strstr(capabilities, "<tt:Media>"));
	g_assert_nonnull(strstr(services, "<tds:Namespace>" NS_EVENTS "</tds:Namespace>"));
	g_assert_nonnull(strstr(services, "WSPullPointSupport=\"true\""));
	g_assert_nonnull(strstr(properties, "<tns1:SignalLoss wstop:topic=\"true\">"));
	g_assert_nonnull(strstr(properties, "IsProperty=\"true\""));
	g_assert_nonnull(strstr(properties, "topicExpression/ConcreteSet"));
	g_assert_true((strstr(properties, "<tns1:MotionAlarm") != NULL) == motion);
	g_assert_true((strstr(properties, "<tns1:CellMotionDetector>") != NULL) == motion);
	g_assert_true((strstr(properties, "Name=\"IsMotion\"") != NULL) == motion);
}

/* ---- the cases ---- */

/*
 * Subscribe, Initialized messages, the message limit, SetSynchronizationPoint, Renew (clamped),
 * wsa:To, another user's subscription, Unsubscribe, plain Subscribe refused, the 17th
 * subscription, and a pull that outlives the connection's idle timeout.
 */
static void
test_protocol(void)
{
	Device device = {0};
	g_autofree gchar *address = NULL;
	g_autofree gchar *reply = NULL;
	g_autofree gchar *to = NULL;
	g_autofree gchar *fault = NULL;
	g_autofree gchar *renewed = NULL;
	g_autoptr(GPtrArray) others = g_ptr_array_new_with_free_func(g_free);
	gint64 before;

	/* no motion: nothing comes unasked */
	device_start(&device, "motion=off\n");
	/* video loss ends with the first live picture */
	address = subscribe(&device, VIEWER_USER, "PT60S");
	pull_until(&device, address, "tns1:VideoSource/SignalLoss", "State", "false", WAIT_MS);

	/* a synchronization point: every property again, Initialized; one per pull when asked */
	g_free(call(&device, address, VIEWER_USER, NULL, "<tev:SetSynchronizationPoint/>", 200));
	reply = pull(&device, address, "PT1S", 1);
	g_assert_cmpuint(count(reply, "<wsnt:NotificationMessage>"), ==, 1);
	g_clear_pointer(&reply, g_free);
	g_free(call(&device, address, VIEWER_USER, NULL, "<tev:SetSynchronizationPoint/>", 200));
	g_free(call(&device, address, VIEWER_USER, NULL, "<tev:SetSynchronizationPoint/>", 200));
	reply = pull(&device, address, "PT1S", 1000);
	g_assert_cmpuint(count(reply, "PropertyOperation=\"Initialized\""), ==, 2);
	g_assert_cmpuint(count(reply, "<wsnt:NotificationMessage>"), <=,
			 CD_PULLPOINTS_MAX_MESSAGE_LIMIT);
	g_assert_nonnull(strstr(reply, "<tev:CurrentTime>"));
	g_assert_nonnull(strstr(reply, "<tev:TerminationTime>"));
	g_clear_pointer(&reply, g_free);

	/* posted to the service with the subscription in wsa:To, as some clients do */
	to = g_strdup_printf("<wsa:To>%s</wsa:To>", address);
	g_free(call(&device, PATH_EVENTS, VIEWER_USER, to,
		    "<tev:SetSynchronizationPoint/>", 200));

	/* another valid user gets what an unknown subscription gets */
	fault = call(&device, address, OTHER_USER, NULL, "<tev:SetSynchronizationPoint/>", 400);
	g_assert_nonnull(strstr(fault, "ResourceUnknownFault"));
	g_clear_pointer(&fault, g_free);

	/* Renew: a day is clamped to the hour */
	before = g_get_real_time();
	renewed = call(&device, address, VIEWER_USER, NULL,
		       "<wsnt:Renew><wsnt:TerminationTime>P1D</wsnt:TerminationTime></wsnt:Renew>",
		       200);
	g_assert_nonnull(strstr(renewed, "<wsnt:RenewResponse><wsnt:TerminationTime>"));
	{
		const gchar *text = strstr(renewed, "<wsnt:TerminationTime>") +
				    strlen("<wsnt:TerminationTime>");
		g_autofree gchar *time = g_strndup(text, strcspn(text, "<"));
		g_autoptr(GDateTime) parsed = g_date_time_new_from_iso8601(time, NULL);
		gint64 seconds;

		g_assert_nonnull(parsed);
		seconds = g_date_time_to_unix(parsed) - before / G_USEC_PER_SEC;
		g_assert_cmpint(seconds, >=, 3600 - 5);
		g_assert_cmpint(seconds, <=, 3600 + 5);
	}

	/* nothing comes: the pull waits its whole timeout, past the idle timeout */
	{
		g_autofree gchar *timeout = g_strdup_printf("PT%dS", CLIENT_TIMEOUT_S + 2);

		reply = pull(&device, address, timeout, 10);
		g_clear_pointer(&reply, g_free);
	}

	/* cordon never connects out */
	fault = call(&device, PATH_EVENTS, VIEWER_USER, NULL,
		     "<wsnt:Subscribe><wsnt:ConsumerReference><wsa:Address>http://127.0.0.1:9/"
		     "</wsa:Address></wsnt:ConsumerReference></wsnt:Subscribe>",
		     500);
	g_assert_nonnull(strstr(fault, "ActionNotSupported"));
	g_clear_pointer(&fault, g_free);

	/* the bound of subscriptions: 16 in all, the 17th refused */
	for (guint i = 1; i < CD_PULLPOINTS_MAX_SUBSCRIPTIONS; i++)
		g_ptr_array_add(others, subscribe(&device, OTHER_USER, NULL));
	fault = call(&device, PATH_EVENTS, VIEWER_USER, NULL,
		     "<tev:CreatePullPointSubscription/>", 500);
	g_assert_nonnull(strstr(fault, "SubscribeCreationFailedFault"));
	g_clear_pointer(&fault, g_free);

	/* Unsubscribe: then it is gone */
	g_free(call(&device, address, VIEWER_USER, NULL, "<wsnt:Unsubscribe/>", 200));
	fault = call(&device, address, VIEWER_USER, NULL,
		     "<tev:PullMessages><tev:Timeout>PT1S</tev:Timeout>"
		     "<tev:MessageLimit>1</tev:MessageLimit></tev:PullMessages>",
		     400);
	g_assert_nonnull(strstr(fault, "ResourceUnknownFault"));
	device_stop(&device);
}

/* expiry: a subscription's shortest life, then it is gone */
static void
check_expired(Device *device, const gchar *address)
{
	g_autofree gchar *fault = call(device, address, VIEWER_USER, NULL,
				       "<tev:SetSynchronizationPoint/>", 400);

	g_assert_nonnull(strstr(fault, "ResourceUnknownFault"));
}

typedef struct {
	Device *device;
	const gchar *address;
} Expiry;

static gboolean
expired(gpointer user_data)
{
	Expiry *expiry = user_data;
	g_autoptr(Post) post = post_wait(post_start(expiry->device, expiry->address, VIEWER_USER,
						    NULL, "<tev:SetSynchronizationPoint/>"),
					 WAIT_MS);

	return post->status == 400 && strstr(post->reply, "ResourceUnknownFault") != NULL;
}

/*
 * The camera cut: video loss (and motion ends); back: video loss ends, motion comes again as
 * the pattern moves. A pull waiting when the change comes is answered with it. A short-lived
 * subscription made meanwhile expires.
 */
static void
test_video_loss_and_motion(void)
{
	Device device = {0};
	g_autofree gchar *address = NULL;
	g_autofree gchar *short_lived = NULL;
	g_autoptr(GError) error = NULL;
	Expiry expiry;
	gint64 deadline;
	gboolean lost = FALSE;

	device_start(&device, "motion=on\nmotion-sensitivity=50\n");
	check_announced(&device, TRUE);
	address = subscribe(&device, VIEWER_USER, "PT120S");
	pull_until(&device, address, "tns1:VideoSource/SignalLoss", "State", "false", WAIT_MS);
	/* the emulator's pattern scrolls: motion, in both topics */
	pull_until(&device, address, "tns1:VideoSource/MotionAlarm", "State", "true", WAIT_MS);
	g_free(call(&device, address, VIEWER_USER, NULL, "<tev:SetSynchronizationPoint/>", 200));
	{
		g_autofree gchar *reply = pull(&device, address, "PT1S", 100);

		g_assert_true(has_message(reply, "tns1:RuleEngine/CellMotionDetector/Motion",
					  "IsMotion", "true", "Initialized"));
	}

	/* PT1S asks for less than the least: it lives CD_PULLPOINTS_MIN_TERMINATION_US */
	short_lived = subscribe(&device, VIEWER_USER, "PT1S");

	/* cut: a pull waiting gets video loss as it comes, and motion ends with the picture */
	cd_emulator_stop(device.camera);
	deadline = g_get_monotonic_time() + VIDEO_LOSS_WAIT_MS * (gint64)1000;
	while (!lost && g_get_monotonic_time() < deadline) {
		g_autofree gchar *reply = pull(&device, address, "PT30S", 100);

		lost = has_message(reply, "tns1:VideoSource/SignalLoss", "State", "true",
				   "Changed");
	}
	g_assert_true(lost);
	/* no motion without a picture */
	g_free(call(&device, address, VIEWER_USER, NULL, "<tev:SetSynchronizationPoint/>", 200));
	{
		g_autofree gchar *reply = pull(&device, address, "PT1S", 100);

		g_assert_true(has_message(reply, "tns1:VideoSource/SignalLoss", "State", "true",
					  "Initialized"));
		g_assert_true(has_message(reply, "tns1:VideoSource/MotionAlarm", "State", "false",
					  "Initialized"));
	}

	/* back */
	g_assert_true(cd_emulator_start(device.camera, "127.0.0.1", device.camera_port, &error));
	g_assert_no_error(error);
	pull_until(&device, address, "tns1:VideoSource/SignalLoss", "State", "false",
		   VIDEO_LOSS_WAIT_MS);
	pull_until(&device, address, "tns1:VideoSource/MotionAlarm", "State", "true", WAIT_MS);

	expiry = (Expiry){&device, short_lived};
	g_assert_true(cd_test_wait_until(expired, &expiry,
					 CD_PULLPOINTS_MIN_TERMINATION_US / 1000 + WAIT_MS));
	check_expired(&device, short_lived);
	device_stop(&device);
}

/* motion=off: no motion topic announced, none sent */
static void
test_motion_off(void)
{
	Device device = {0};
	g_autofree gchar *address = NULL;
	g_autofree gchar *reply = NULL;

	device_start(&device, "motion=off\n");
	check_announced(&device, FALSE);
	address = subscribe(&device, VIEWER_USER, NULL);
	pull_until(&device, address, "tns1:VideoSource/SignalLoss", "State", "false", WAIT_MS);
	reply = pull(&device, address, "PT3S", 100);
	g_assert_null(strstr(reply, "Motion"));
	g_clear_pointer(&reply, g_free);

	/* topic filters: video loss asked for (with another prefix), then only what is not sent */
	{
		g_autofree gchar *wanted =
		    subscribe_filtered(&device, VIEWER_USER, NULL,
				       "onvif:VideoSource/SignalLoss|tns1:RuleEngine//.");
		g_autofree gchar *unwanted =
		    subscribe_filtered(&device, VIEWER_USER, NULL, "tns1:RuleEngine//.");

		reply = pull(&device, wanted, "PT1S", 100);
		g_assert_true(has_message(reply, "tns1:VideoSource/SignalLoss", "State", "false",
					  "Initialized"));
		g_clear_pointer(&reply, g_free);
		reply = pull(&device, unwanted, "PT1S", 100);
		g_assert_null(strstr(reply, "<wsnt:NotificationMessage>"));
	}
	device_stop(&device);
}

static gboolean
client_left_logged(gpointer user_data)
{
	return cd_test_logs_contain("PullMessages from 127.0.0.1: the client left before its answer");
}

/* a pull waiting while the server stops ends at once, cleanly */
static void
test_pull_while_stopping(void)
{
	Device device = {0};
	g_autofree gchar *address = NULL;
	g_autoptr(Post) waiting = NULL;
	g_autoptr(Post) left = NULL;

	device_start(&device, "motion=off\n");
	address = subscribe(&device, VIEWER_USER, NULL);
	pull_until(&device, address, "tns1:VideoSource/SignalLoss", "State", "false", WAIT_MS);
	g_free(pull(&device, address, "PT1S", 100));

	/* a client that leaves while its pull waits frees it: the next pull is answered */
	left = pull_start(&device, address, VIEWER_USER, "PT50S", 10);
	g_assert_false(cd_test_wait_until(post_is_done, left, 1000));
	soup_session_abort(device.session);
	g_assert_true(cd_test_wait_until(post_is_done, left, WAIT_MS));
	/* cordon noticed at once, not at the pull's timeout */
	g_assert_true(cd_test_wait_until(client_left_logged, NULL, WAIT_MS));

	waiting = pull_start(&device, address, VIEWER_USER, "PT50S", 10);
	/* it waits: nothing happens on a live camera without motion detection */
	g_assert_false(cd_test_wait_until(post_is_done, waiting, 1000));
	g_clear_object(&device.daemon);
	g_assert_true(cd_test_wait_until(post_is_done, waiting, WAIT_MS));
	g_assert_cmpuint(waiting->status, !=, 200);
	device_stop(&device);
}

/* ---- two independent client libraries, as child processes ---- */

static gboolean
under_ci(void)
{
	const gchar *ci = g_getenv("CI");

	return ci != NULL && ci[0] != '\0' && g_strcmp0(ci, "false") != 0 && g_strcmp0(ci, "0") != 0;
}

typedef struct {
	Device *device;
	GDataInputStream *lines;
	GString *text; /* every line so far */
	gboolean ended; /* stdout closed */
	gboolean exited;
	gboolean failed;
} NodeRun;

static void read_line_cb(GObject *source, GAsyncResult *result, gpointer user_data);

/* main context: a line from the client; the stages drive the camera */
static void
node_line(NodeRun *run, const gchar *line)
{
	g_autoptr(GError) error = NULL;

	g_string_append_printf(run->text, "%s\n", line);
	if (g_strcmp0(line, "stage live") == 0) {
		cd_emulator_stop(run->device->camera);
	} else if (g_strcmp0(line, "stage lost") == 0) {
		if (!cd_emulator_start(run->device->camera, "127.0.0.1", run->device->camera_port,
				       &error)) {
			g_test_message("the camera did not start again: %s", error->message);
			run->failed = TRUE;
		}
	}
}

static void
read_line_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
	NodeRun *run = user_data;
	g_autofree gchar *line =
	    g_data_input_stream_read_line_finish_utf8(G_DATA_INPUT_STREAM(source), result, NULL,
						      NULL);

	if (line == NULL) {
		run->ended = TRUE;
		return;
	}
	node_line(run, line);
	g_data_input_stream_read_line_async(run->lines, G_PRIORITY_DEFAULT, NULL, read_line_cb,
					    run);
}

static void
node_exited_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
	NodeRun *run = user_data;

	g_subprocess_wait_finish(G_SUBPROCESS(source), result, NULL);
	run->exited = TRUE;
}

static gboolean
node_done(gpointer user_data)
{
	NodeRun *run = user_data;

	return run->ended && run->exited;
}

static void
test_node_client(gconstpointer data)
{
	const gchar *library = data;
	g_autofree gchar *node = g_find_program_in_path("node");
	g_autofree gchar *script = g_test_build_filename(G_TEST_DIST, "e2e", "onvif-clients",
							 "onvif-events.js", NULL);
	g_autofree gchar *package = g_test_build_filename(G_TEST_DIST, "e2e", "onvif-clients",
							  "node_modules", library, "package.json",
							  NULL);
	g_autoptr(GSubprocess) process = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *port = NULL;
	g_autofree gchar *prefix = NULL;
	Device device = {0};
	NodeRun run = {&device};

	if (node == NULL || !g_file_test(package, G_FILE_TEST_EXISTS)) {
		if (under_ci())
			g_test_fail_printf("node or %s is missing (.ci/install-deps installs them)",
					   library);
		else
			g_test_skip("node or the npm packages are missing (npm ci in "
				    "tests/e2e/onvif-clients)");
		return;
	}
	device_start(&device, "motion=on\n");
	port = g_strdup_printf("%u", device.onvif_port);
	process = g_subprocess_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, node, script, library,
				   "127.0.0.1", port, VIEWER_USER, VIEWER_PASSWORD, "motion", NULL);
	g_assert_no_error(error);
	run.text = g_string_new(NULL);
	run.lines = g_data_input_stream_new(g_subprocess_get_stdout_pipe(process));
	g_data_input_stream_read_line_async(run.lines, G_PRIORITY_DEFAULT, NULL, read_line_cb,
					    &run);
	g_subprocess_wait_async(process, NULL, node_exited_cb, &run);
	if (!cd_test_wait_until(node_done, &run, NODE_MS + 30000)) {
		g_subprocess_force_exit(process);
		g_test_fail_printf("%s: still running", library);
		while (!node_done(&run))
			g_main_context_iteration(NULL, TRUE);
	}
	g_test_message("%s said:\n%s", library, run.text->str);
	g_assert_false(run.failed);
	g_assert_true(g_subprocess_get_if_exited(process));
	g_assert_cmpint(g_subprocess_get_exit_status(process), ==, 0);

	/* what it saw */
	prefix = g_strdup_printf("\naddress http://127.0.0.1:%u/onvif/pullpoint/",
				 device.onvif_port);
	g_assert_nonnull(strstr(run.text->str, prefix));
	g_assert_null(strstr(run.text->str, VIEWER_PASSWORD));
	g_assert_nonnull(strstr(run.text->str, "\ntopics tns1:VideoSource/SignalLoss "
						"tns1:VideoSource/MotionAlarm "
						"tns1:RuleEngine/CellMotionDetector/Motion\n"));
	g_assert_nonnull(
	    strstr(run.text->str, "message tns1:VideoSource/SignalLoss State=false Initialized"));
	g_assert_nonnull(strstr(run.text->str, "message tns1:VideoSource/MotionAlarm State=true"));
	g_assert_nonnull(strstr(run.text->str,
				"message tns1:RuleEngine/CellMotionDetector/Motion IsMotion=true"));
	g_assert_nonnull(
	    strstr(run.text->str, "message tns1:VideoSource/SignalLoss State=true Changed"));
	g_assert_nonnull(strstr(run.text->str, "\nstage lost\n"));
	g_assert_nonnull(strstr(run.text->str, "\nstage back\n"));
	/* SetSynchronizationPoint: every property again (onvif has no call for it) */
	if (g_strcmp0(library, "onvif-nvt") == 0)
		g_assert_nonnull(strstr(run.text->str, "\nsync 3\n"));
	g_assert_nonnull(strstr(run.text->str, "\nrenew "));
	g_assert_nonnull(strstr(run.text->str, "\nunsubscribed\ngone "));
	g_assert_nonnull(strstr(run.text->str, "\ndone\n"));
	g_object_unref(run.lines);
	g_string_free(run.text, TRUE);
	device_stop(&device);
}

int
main(int argc, char **argv)
{
	cd_test_init(&argc, &argv);
	g_test_add_func("/cordon/onvif-events/protocol", test_protocol);
	g_test_add_func("/cordon/onvif-events/video-loss-and-motion", test_video_loss_and_motion);
	g_test_add_func("/cordon/onvif-events/motion-off", test_motion_off);
	g_test_add_func("/cordon/onvif-events/pull-while-stopping", test_pull_while_stopping);
	g_test_add_data_func("/cordon/onvif-events/node-onvif", "onvif", test_node_client);
	g_test_add_data_func("/cordon/onvif-events/node-onvif-nvt", "onvif-nvt", test_node_client);
	return g_test_run();
}
