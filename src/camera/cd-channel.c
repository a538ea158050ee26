/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-channel: one camera's media path, built and wired in one place:
 *
 *   CdIngest --raw frames--+--> CdTranscode (main) --access units--> CdMediaFactory (/NAME)
 *                          |         \--> CdCameraView (output format, last frame: read-only)
 *                          \--> CdTranscode (sub)  --access units--> CdMediaFactory (/NAME/sub)
 *                                    \--> CdCameraView
 *
 * One camera session and one decode feed every profile: the sub profile (when on) is a second
 * encode of the same pictures. Data goes one way. The only thing that goes back is a viewer joining, which asks the
 * encoder for a keyframe (the factory's ::keyframe-wanted signal). A "source" output size is
 * decided by the transcode from the first frame; the channel then tells its own ingest to
 * scale later connections to it, so a camera that comes back at another size is served at the
 * same one. That loop stays inside this object.
 *
 * With `audio` on, the camera's decoded audio (when it has any) goes the same one way:
 *
 *   CdIngest --PCM--> CdAudioEncode (silence where there is none) --> both CdMediaFactories
 *
 * The camera's own events (CdCameraEvents, published read-only for ONVIF) are made from what
 * the transcodes see: video loss from the main profile's slate (live_cb), motion from the
 * pictures into the sub profile's encoder (the main profile's with sub=off; none with
 * motion=off).
 *
 * Threads: frame_cb runs on the ingest's streaming thread, encoded_cb on the encoder's,
 * audio_cb on the ingest's audio streaming thread, encoded_audio_cb on the audio encoder's;
 * everything else on the main thread. Keys used: those of its stages (cd-ingest,
 * cd-transcode, cd-media-factory); the channel itself reads motion and motion-sensitivity.
 */
#define G_LOG_DOMAIN "CdChannel"

#include "cd-channel.h"

#include "cd-audio-encode.h"

/* one profile: its encoder and its mount */
typedef struct {
	CdChannel *channel; /* the owner, for callbacks */
	CdTranscode *transcode;
	CdMediaFactory *factory;
} CdChannelOutput;

struct _CdChannel {
	GObject parent_instance;
	const CdCamera *camera;
	CdIngest *ingest;
	CdChannelOutput outputs[CD_N_PROFILES]; /* indexed by CdProfile; transcode NULL: not served */
	gint ingest_scaled; /* atomic: the ingest scales to the decided output size */
	CdAudioEncode *audio; /* NULL: audio off */
	CdCameraEvents *events; /* video loss and motion, set by the transcodes */
};

G_DEFINE_TYPE(CdChannel, cd_channel, G_TYPE_OBJECT)

/* ingest streaming thread */
static void
frame_cb(GstSample *sample, gpointer user_data)
{
	CdChannel *self = user_data;
	CdTranscode *main_transcode = self->outputs[CD_PROFILE_MAIN].transcode;
	guint width;
	guint height;

	for (guint i = 0; i < CD_N_PROFILES; i++) {
		if (self->outputs[i].transcode != NULL)
			cd_transcode_push_frame(self->outputs[i].transcode, sample);
	}
	if (g_atomic_int_get(&self->ingest_scaled))
		return;
	if (cd_transcode_get_output_size(main_transcode, &width, &height)) {
		cd_ingest_set_output_size(self->ingest, width, height);
		g_atomic_int_set(&self->ingest_scaled, 1);
	}
}

/* encoder streaming thread */
static void
encoded_cb(GstSample *sample, gpointer user_data)
{
	CdChannelOutput *output = user_data;

	cd_media_factory_push(output->factory, sample);
}

/* the main profile's transcode, under its lock: the ingest's streaming thread or the main one */
static void
live_cb(gboolean live, gpointer user_data)
{
	cd_camera_events_set_state(CD_CAMERA_EVENTS(user_data), CD_CAMERA_EVENT_VIDEO_LOSS, !live);
}

/* video loss from the main profile's slate; motion on the smallest pictures encoded */
static void
watch_events(CdChannel *self)
{
	CdTranscode *main_transcode = self->outputs[CD_PROFILE_MAIN].transcode;
	CdTranscode *sub_transcode = self->outputs[CD_PROFILE_SUB].transcode;

	cd_transcode_set_live_func(main_transcode, live_cb, g_object_ref(self->events),
				   g_object_unref);
	if (self->camera->motion_enabled)
		cd_transcode_watch_motion(sub_transcode != NULL ? sub_transcode : main_transcode,
					  self->events,
					  self->camera->motion_sensitivity);
}

/* ingest audio streaming thread */
static void
audio_cb(GstBuffer *pcm, gpointer user_data)
{
	CdChannel *self = user_data;

	cd_audio_encode_push_live(self->audio, pcm);
}

/* audio encoder streaming thread: one track for every profile */
static void
encoded_audio_cb(GstSample *sample, gpointer user_data)
{
	CdChannel *self = user_data;

	for (guint i = 0; i < CD_N_PROFILES; i++) {
		if (self->outputs[i].factory != NULL)
			cd_media_factory_push_audio(self->outputs[i].factory, sample);
	}
}

/* with `audio` on: the audio encoder, fed by the ingest, feeding every mount */
static gboolean
add_audio(CdChannel *self, GError **error)
{
	if (self->camera->audio == CD_AUDIO_OFF)
		return TRUE;
	self->audio = cd_audio_encode_new(self->camera, error);
	if (self->audio == NULL)
		return FALSE;
	cd_audio_encode_set_output_func(self->audio, encoded_audio_cb, self, NULL);
	cd_ingest_set_audio_func(self->ingest,
				 cd_audio_encode_get_rate(self->audio),
				 audio_cb,
				 self,
				 NULL);
	return TRUE;
}

static void
keyframe_wanted_cb(CdMediaFactory *factory, gpointer user_data)
{
	CdChannelOutput *output = user_data;

	cd_transcode_request_keyframe(output->transcode);
}

/* a profile's encoder and mount, wired; FALSE only if the encoder template does not build */
static gboolean
add_output(CdChannel *self,
	   const CdConfig *config,
	   CdProfile profile,
	   const CdPipelineTemplate *encoder,
	   CdRtspFrontend *frontend,
	   GError **error)
{
	CdChannelOutput *output = &self->outputs[profile];

	output->channel = self;
	output->transcode = cd_transcode_new(self->camera, profile, encoder, error);
	if (output->transcode == NULL)
		return FALSE;
	output->factory =
	    g_object_ref(cd_rtsp_frontend_add_camera(frontend, config, self->camera, profile));
	cd_transcode_set_output_func(output->transcode, encoded_cb, output, NULL);
	g_signal_connect(output->factory, "keyframe-wanted", G_CALLBACK(keyframe_wanted_cb), output);
	return TRUE;
}

/**
 * cd_channel_new:
 * @config: a reference is kept
 * @camera: an enabled camera of @config
 * @frontend: the RTSP server the camera is mounted on
 *
 * Builds the camera's stages without starting any.
 *
 * Errors: %CD_ERROR_INVALID_PIPELINE if the encoder template does not build.
 */
CdChannel *
cd_channel_new(const CdConfig *config,
	       const CdCamera *camera,
	       const CdChannelTemplates *templates,
	       CdRtspFrontend *frontend,
	       GError **error)
{
	g_autoptr(CdChannel) self = g_object_new(CD_TYPE_CHANNEL, NULL);
	CdOutput sub;

	self->camera = cd_camera_ref(camera);
	self->events = cd_camera_events_new(camera->motion_enabled);
	if (!add_output(self, config, CD_PROFILE_MAIN, templates->encoder, frontend, error))
		return NULL;
	if (cd_camera_get_output(camera, CD_PROFILE_SUB, &sub) &&
	    !add_output(self, config, CD_PROFILE_SUB, templates->encoder, frontend, error))
		return NULL;
	watch_events(self);
	self->ingest = cd_ingest_new(camera, config, templates->decode_h264,
				     templates->decode_h265);
	/* a configured size is known now, not learnt */
	if (cd_transcode_get_output_size(self->outputs[CD_PROFILE_MAIN].transcode, NULL, NULL)) {
		cd_ingest_set_output_size(self->ingest, camera->width, camera->height);
		self->ingest_scaled = 1;
	}
	cd_ingest_set_frame_func(self->ingest, frame_cb, self, NULL);
	if (!add_audio(self, error))
		return NULL;
	return g_steal_pointer(&self);
}

/**
 * cd_channel_start_encoder:
 *
 * Starts the encoder, which serves the slate until the camera is connected: before the RTSP
 * server listens, so that the first viewer finds a picture.
 *
 * Errors: %CD_ERROR_INTERNAL if the pipeline does not start.
 */
gboolean
cd_channel_start_encoder(CdChannel *self, GError **error)
{
	for (guint i = 0; i < CD_N_PROFILES; i++) {
		if (self->outputs[i].transcode != NULL &&
		    !cd_transcode_start(self->outputs[i].transcode, error))
			return FALSE;
	}
	if (self->audio != NULL && !cd_audio_encode_start(self->audio, error))
		return FALSE;
	return TRUE;
}

/**
 * cd_channel_connect:
 *
 * Starts connecting to the camera in the background, and reconnecting for ever.
 */
void
cd_channel_connect(CdChannel *self)
{
	cd_ingest_start(self->ingest);
}

/**
 * cd_channel_disconnect:
 *
 * Closes the camera's session on a worker (see cd_teardown_wait()); the encoder goes on
 * serving the slate until the channel is released.
 */
void
cd_channel_disconnect(CdChannel *self)
{
	cd_ingest_stop(self->ingest);
}

/**
 * cd_channel_restart:
 *
 * Drops the camera's session and connects again at once, whatever back-off or auth-retry it
 * was waiting out: an operator's "try now". The encoders go on, serving the slate meanwhile,
 * so viewers keep their sessions.
 */
void
cd_channel_restart(CdChannel *self)
{
	cd_ingest_reconnect_now(self->ingest);
}

/**
 * cd_channel_get_input_stats:
 * @stats: (out caller-allocates): filled; clear with cd_input_stats_clear()
 *
 * What the camera sends, as the ingest measured it. Main thread.
 */
void
cd_channel_get_input_stats(CdChannel *self, CdInputStats *stats)
{
	cd_ingest_get_input_stats(self->ingest, stats);
}

/**
 * cd_channel_get_output_stats:
 * @stats: (out caller-allocates): filled
 *
 * Returns: %FALSE if the channel does not serve @profile
 */
gboolean
cd_channel_get_output_stats(CdChannel *self, CdProfile profile, CdOutputStats *stats)
{
	g_return_val_if_fail(profile < CD_N_PROFILES, FALSE);
	if (self->outputs[profile].transcode == NULL)
		return FALSE;
	cd_transcode_get_output_stats(self->outputs[profile].transcode, stats);
	return TRUE;
}

const CdCamera *
cd_channel_get_camera(CdChannel *self)
{
	return self->camera;
}

/**
 * cd_channel_get_view:
 * @profile: one of the camera's profiles
 *
 * Returns: (transfer none) (nullable): what the channel serves as @profile, read-only; %NULL
 * if it does not serve @profile
 */
CdCameraView *
cd_channel_get_view(CdChannel *self, CdProfile profile)
{
	g_return_val_if_fail(profile < CD_N_PROFILES, NULL);
	if (self->outputs[profile].transcode == NULL)
		return NULL;
	return CD_CAMERA_VIEW(self->outputs[profile].transcode);
}

/**
 * cd_channel_get_status:
 *
 * Returns: (transfer full): the camera's state and since when
 */
CdCameraStatus *
cd_channel_get_status(CdChannel *self)
{
	return cd_ingest_get_status(self->ingest);
}

/**
 * cd_channel_get_ingest:
 *
 * For tests and in-process tools; nothing in the daemon steers a stage from outside.
 *
 * Returns: (transfer none): the camera's ingest
 */
CdIngest *
cd_channel_get_ingest(CdChannel *self)
{
	return self->ingest;
}

/**
 * cd_channel_get_transcode:
 *
 * For tests and in-process tools, as cd_channel_get_ingest().
 *
 * Returns: (transfer none): the camera's encoder of the main profile
 */
CdTranscode *
cd_channel_get_transcode(CdChannel *self)
{
	return self->outputs[CD_PROFILE_MAIN].transcode;
}

/**
 * cd_channel_get_events:
 *
 * Returns: (transfer none): the camera's own events (video loss, motion), read-only for
 * everything beside the media path
 */
CdCameraEvents *
cd_channel_get_events(CdChannel *self)
{
	return self->events;
}

static void
cd_channel_dispose(GObject *object)
{
	CdChannel *self = CD_CHANNEL(object);

	if (self->ingest != NULL)
		cd_ingest_stop(self->ingest);
	g_clear_object(&self->ingest);
	/* before the mounts it feeds go */
	if (self->audio != NULL)
		cd_audio_encode_stop(self->audio);
	g_clear_object(&self->audio);
	for (guint i = 0; i < CD_N_PROFILES; i++) {
		CdChannelOutput *output = &self->outputs[i];
		if (output->factory != NULL)
			g_signal_handlers_disconnect_by_data(output->factory, output);
		if (output->transcode != NULL)
			cd_transcode_stop(output->transcode);
		g_clear_object(&output->transcode);
		g_clear_object(&output->factory);
	}
	g_clear_pointer(&self->camera, cd_camera_unref);
	g_clear_object(&self->events);
	G_OBJECT_CLASS(cd_channel_parent_class)->dispose(object);
}

static void
cd_channel_class_init(CdChannelClass *klass)
{
	G_OBJECT_CLASS(klass)->dispose = cd_channel_dispose;
}

static void
cd_channel_init(CdChannel *self)
{
}
