/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-onvif-media-shapes: the XML shapes of what cordon serves for a camera, shared by the media
 * services ver10 (cd-onvif-media) and Media2 (cd-onvif-media2). Each device has a main profile
 * and, unless the camera's sub=off, a sub profile; each describes what cordon serves, not what
 * the camera sends: H.264 High from cordon's encoder at that profile's size, rate, bitrate and
 * GOP. Both share the one video source (the camera, at the main profile's size); each has its
 * own video encoder configuration. Every URI handed out points at cordon (its RTSP server, its
 * snapshot endpoint) and carries no credentials.
 *
 * Both versions describe the same profile and configurations, so each shape is written once,
 * into an element the caller names, parametrised where ver10 and Media2 differ:
 * CdOnvifMediaVersion names the elements that differ, and each version's encoder configuration
 * and options put the shared fields in its schema's order. Also here: the checks of the tokens
 * and choices a request may carry, the replies built from a shape, and the handlers both
 * versions list alike (GetSnapshotUri, the empty lists of metadata, the audio answers).
 *
 * Audio (the camera's audio=aac|pcmu|pcma): one audio source (mono), one audio source
 * configuration and one audio encoder configuration, shared by every profile, for both mounts
 * carry the same track as their second stream. They describe what cordon's own encoder makes
 * (the figures of cd-audio-format.h), never what the camera sends. ver10's tt:AudioEncoding
 * knows G711 without saying which law: clients take it for PCMU (G.711 mu-law, RTP payload type
 * 0), so with audio=pcma ver10 says G711 and only Media2 (PCMA) and the SDP tell A-law. With
 * audio=off everything is as for a camera without audio: no audio in the profiles, empty lists,
 * and ter:AudioNotSupported where an answer would have to name an audio configuration.
 *
 * Threads: called by the handlers on the thread of the server that calls them; no state.
 * Keys used: [camera] audio; every profile's settings come with the call.
 */
#define G_LOG_DOMAIN "CdOnvifMedia"

#include "cd-onvif-media-shapes.h"

#include "cd-audio-format.h"
#include "cd-error.h"

/* not a codec setting of x264 in bitrate mode: a mid-range value in QualityRange */
#define QUALITY	      "<tt:Quality>5</tt:Quality>"
#define QUALITY_RANGE "<tt:QualityRange><tt:Min>0</tt:Min><tt:Max>10</tt:Max></tt:QualityRange>"
/* the profile of the default template's caps (pipelines/encode-x264.pipeline) */
#define H264_PROFILE "High"
/* gst-rtsp-server's default session timeout */
#define SESSION_TIMEOUT "<tt:SessionTimeout>PT60S</tt:SessionTimeout>"
#define MULTICAST_NONE                                                                             \
	"<tt:Multicast><tt:Address><tt:Type>IPv4</tt:Type>"                                        \
	"<tt:IPv4Address>0.0.0.0</tt:IPv4Address></tt:Address>"                                    \
	"<tt:Port>0</tt:Port><tt:TTL>0</tt:TTL><tt:AutoStart>false</tt:AutoStart></tt:Multicast>"

/* a token the client sent must be ours; a missing optional one is fine */
gboolean
cd_onvif_media_check_token(const CdOnvifCall *call,
			   const gchar *element,
			   const gchar *expected,
			   GError **error)
{
	g_autofree gchar *token = cd_soap_request_get_text(call->request, element);

	if (token == NULL || g_strcmp0(token, expected) == 0)
		return TRUE;
	g_set_error(error, CD_ERROR, CD_ERROR_NOT_FOUND, "no such %s", element);
	return FALSE;
}

/* the profile whose @field (its token, or its encoder's) is @token, or NULL */
static const CdOnvifProfile *
find_profile(const CdOnvifCall *call, gboolean by_encoder, const gchar *token)
{
	for (guint i = 0; i < call->n_profiles; i++) {
		const CdOnvifProfile *profile = &call->profiles[i];
		if (g_strcmp0(by_encoder ? profile->encoder_token : profile->token, token) == 0)
			return profile;
	}
	return NULL;
}

/* the profile a request names in @element; @fallback (nullable) when it names none */
static gboolean
named_profile(const CdOnvifCall *call,
	      const gchar *element,
	      gboolean by_encoder,
	      const CdOnvifProfile *fallback,
	      const CdOnvifProfile **profile,
	      GError **error)
{
	g_autofree gchar *token = cd_soap_request_get_text(call->request, element);

	if (token == NULL) {
		*profile = fallback;
		return TRUE;
	}
	*profile = find_profile(call, by_encoder, token);
	if (*profile != NULL)
		return TRUE;
	g_set_error(error, CD_ERROR, CD_ERROR_NOT_FOUND, "no such %s", element);
	return FALSE;
}

/**
 * cd_onvif_media_check_profile:
 * @required: whether a request without a ProfileToken is refused
 * @profile: (out) (optional): the profile named, or the main one when none is
 *
 * Returns: whether the request's ProfileToken, if any, is one of the device's profiles
 */
gboolean
cd_onvif_media_check_profile(const CdOnvifCall *call,
			     gboolean required,
			     const CdOnvifProfile **profile,
			     GError **error)
{
	g_autofree gchar *token = cd_soap_request_get_text(call->request, "ProfileToken");
	const CdOnvifProfile *found = NULL;

	if (token == NULL && required) {
		g_set_error_literal(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_REQUEST,
				    "ProfileToken missing");
		return FALSE;
	}
	if (!named_profile(call, "ProfileToken", FALSE, &call->profiles[0], &found, error))
		return FALSE;
	if (profile != NULL)
		*profile = found;
	return TRUE;
}

/**
 * cd_onvif_media_check_encoder:
 * @profile: (out): the profile whose encoder configuration the request names, by its
 *   ConfigurationToken or else by its ProfileToken; %NULL when it names neither (all of them)
 *
 * Returns: whether what the request names is the device's, and both name the same profile
 */
gboolean
cd_onvif_media_check_encoder(const CdOnvifCall *call,
			     const CdOnvifProfile **profile,
			     GError **error)
{
	const CdOnvifProfile *by_profile = NULL;

	if (!named_profile(call, "ConfigurationToken", TRUE, NULL, profile, error) ||
	    !named_profile(call, "ProfileToken", FALSE, NULL, &by_profile, error))
		return FALSE;
	if (*profile != NULL && by_profile != NULL && *profile != by_profile) {
		g_set_error_literal(error,
				    CD_ERROR,
				    CD_ERROR_NOT_FOUND,
				    "the configuration is not in that profile");
		return FALSE;
	}
	if (*profile == NULL)
		*profile = by_profile;
	return TRUE;
}

/* an optional argument must be absent or one of @allowed; @refusal says what is served */
gboolean
cd_onvif_media_check_choice(const CdOnvifCall *call,
			    const gchar *element,
			    const gchar *const *allowed,
			    const gchar *refusal,
			    GError **error)
{
	g_autofree gchar *value = cd_soap_request_get_text(call->request, element);

	if (value == NULL || g_strv_contains(allowed, value))
		return TRUE;
	g_set_error_literal(error, CD_ERROR, CD_ERROR_INVALID_REQUEST, refusal);
	return FALSE;
}

/* the video source configuration asked for by token, optionally in a profile: both ours */
gboolean
cd_onvif_media_check_source(const CdOnvifCall *call, GError **error)
{
	return cd_onvif_media_check_token(call,
					  "ConfigurationToken",
					  CD_ONVIF_VIDEO_SOURCE_CONFIG_TOKEN,
					  error) &&
	       cd_onvif_media_check_profile(call, FALSE, NULL, error);
}

/* indexed by CdAudioCodec */
static const CdOnvifAudio audio_formats[] = {
    [CD_AUDIO_AAC] = {"AAC",
		      "mpeg4-generic",
		      CD_AUDIO_AAC_BITRATE / 1000,
		      CD_AUDIO_AAC_RATE / 1000},
    [CD_AUDIO_PCMU] = {"G711", "PCMU", CD_AUDIO_G711_BITRATE / 1000, CD_AUDIO_G711_RATE / 1000},
    [CD_AUDIO_PCMA] = {"G711", "PCMA", CD_AUDIO_G711_BITRATE / 1000, CD_AUDIO_G711_RATE / 1000},
};

const CdOnvifAudio *
cd_onvif_media_get_audio(const CdOnvifCall *call)
{
	CdAudioCodec codec = call->camera->audio;

	if (codec == CD_AUDIO_OFF || codec >= G_N_ELEMENTS(audio_formats))
		return NULL;
	return &audio_formats[codec];
}

/*
 * An audio configuration asked for: the request's ConfigurationToken (missing: refused if
 * @required) must be @configuration_token, its ProfileToken, if any, one of the profiles; every
 * profile holds the audio configurations.
 */
gboolean
cd_onvif_media_check_audio(const CdOnvifCall *call,
			   const gchar *configuration_token,
			   gboolean required,
			   GError **error)
{
	g_autofree gchar *token = cd_soap_request_get_text(call->request, "ConfigurationToken");

	if (token == NULL && required) {
		g_set_error_literal(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_REQUEST,
				    "ConfigurationToken missing");
		return FALSE;
	}
	return cd_onvif_media_check_token(call, "ConfigurationToken", configuration_token, error) &&
	       cd_onvif_media_check_profile(call, FALSE, NULL, error);
}

static void
append_size(GString *out, const gchar *element, guint width, guint height)
{
	g_string_append_printf(out,
			       "<%s><tt:Width>%u</tt:Width><tt:Height>%u</tt:Height></%s>",
			       element,
			       width,
			       height,
			       element);
}

static void
append_range(GString *out, const gchar *element, guint min, guint max)
{
	g_string_append_printf(out,
			       "<%s><tt:Min>%u</tt:Min><tt:Max>%u</tt:Max></%s>",
			       element,
			       min,
			       max,
			       element);
}

static void
append_bitrate_range(GString *out, const CdOnvifProfile *profile)
{
	append_range(out, "tt:BitrateRange", profile->bitrate_kbps, profile->bitrate_kbps);
}

/* ver10's GetVideoSources: the one video source, at the size and rate served */
void
cd_onvif_media_append_video_source(GString *out,
				   const CdOnvifCall *call,
				   const CdOnvifProfile *profile,
				   const gchar *element)
{
	g_string_append_printf(out,
			       "<%s token=\"" CD_ONVIF_VIDEO_SOURCE_TOKEN "\">"
			       "<tt:Framerate>%u</tt:Framerate>",
			       element,
			       call->fps);
	append_size(out, "tt:Resolution", call->width, call->height);
	g_string_append_printf(out, "</%s>", element);
}

/* what every configuration begins with (tt:ConfigurationEntity); @attributes may be "" */
static void
open_configuration(GString *out,
		   const gchar *element,
		   const gchar *token,
		   const gchar *attributes,
		   const gchar *name)
{
	g_string_append_printf(out,
			       "<%s token=\"%s\"%s>"
			       "<tt:Name>%s</tt:Name><tt:UseCount>1</tt:UseCount>",
			       element,
			       token,
			       attributes,
			       name);
}

void
cd_onvif_media_append_video_source_configuration(GString *out,
						 const CdOnvifCall *call,
						 const CdOnvifProfile *profile,
						 const gchar *element)
{
	g_autofree gchar *name = cd_xml_escape(call->camera->name);

	open_configuration(out, element, CD_ONVIF_VIDEO_SOURCE_CONFIG_TOKEN, "", name);
	g_string_append_printf(out,
			       "<tt:SourceToken>" CD_ONVIF_VIDEO_SOURCE_TOKEN "</tt:SourceToken>"
			       "<tt:Bounds x=\"0\" y=\"0\" width=\"%u\" height=\"%u\"/></%s>",
			       call->width,
			       call->height,
			       element);
}

/* both versions' GetVideoSourceConfigurationOptions: the bounds are the size served */
void
cd_onvif_media_append_video_source_options(GString *out,
					   const CdOnvifCall *call,
					   const CdOnvifProfile *profile,
					   const gchar *element)
{
	g_string_append_printf(out, "<%s><tt:BoundsRange>", element);
	append_range(out, "tt:XRange", 0, 0);
	append_range(out, "tt:YRange", 0, 0);
	append_range(out, "tt:WidthRange", call->width, call->width);
	append_range(out, "tt:HeightRange", call->height, call->height);
	g_string_append_printf(out,
			       "</tt:BoundsRange>"
			       "<tt:VideoSourceTokensAvailable>" CD_ONVIF_VIDEO_SOURCE_TOKEN
			       "</tt:VideoSourceTokensAvailable></%s>",
			       element);
}

/* the encoder configuration up to its Resolution, alike in both versions but for attributes */
static void
open_video_encoder(GString *out,
		   const CdOnvifProfile *profile,
		   const gchar *element,
		   const gchar *attributes)
{
	open_configuration(out, element, profile->encoder_token, attributes, "H.264");
	g_string_append(out, "<tt:Encoding>H264</tt:Encoding>");
	append_size(out, "tt:Resolution", profile->width, profile->height);
}

/* ver10 limits the encoding interval, Media2 says the rate is not constant instead */
static void
append_rate_control(GString *out,
		    const CdOnvifProfile *profile,
		    const gchar *attributes,
		    const gchar *encoding_interval)
{
	g_string_append_printf(out,
			       "<tt:RateControl%s><tt:FrameRateLimit>%u</tt:FrameRateLimit>"
			       "%s<tt:BitrateLimit>%u</tt:BitrateLimit></tt:RateControl>",
			       attributes,
			       profile->fps,
			       encoding_interval,
			       profile->bitrate_kbps);
}

/* ver10: RateControl and the H264 block are what many clients insist on */
void
cd_onvif_media_append_video_encoder_ver10(GString *out,
					  const CdOnvifCall *call,
					  const CdOnvifProfile *profile,
					  const gchar *element)
{
	open_video_encoder(out, profile, element, "");
	g_string_append(out, QUALITY);
	append_rate_control(out, profile, "", "<tt:EncodingInterval>1</tt:EncodingInterval>");
	g_string_append_printf(out,
			       "<tt:H264><tt:GovLength>%u</tt:GovLength>"
			       "<tt:H264Profile>" H264_PROFILE "</tt:H264Profile></tt:H264>",
			       profile->gop);
	g_string_append_printf(out, MULTICAST_NONE SESSION_TIMEOUT "</%s>", element);
}

/* Media2: the GOP and profile are attributes, and Quality comes last */
void
cd_onvif_media_append_video_encoder_media2(GString *out,
					   const CdOnvifCall *call,
					   const CdOnvifProfile *profile,
					   const gchar *element)
{
	g_autofree gchar *attributes =
	    g_strdup_printf(" GovLength=\"%u\" Profile=\"" H264_PROFILE "\"", profile->gop);

	open_video_encoder(out, profile, element, attributes);
	append_rate_control(out, profile, " ConstantBitRate=\"false\"", "");
	g_string_append_printf(out, MULTICAST_NONE QUALITY "</%s>", element);
}

/* the H.264 options, each range holding the one value cordon serves */
static void
append_h264_options(GString *out, const CdOnvifProfile *profile)
{
	append_size(out, "tt:ResolutionsAvailable", profile->width, profile->height);
	append_range(out, "tt:GovLengthRange", profile->gop, profile->gop);
	append_range(out, "tt:FrameRateRange", profile->fps, profile->fps);
	append_range(out, "tt:EncodingIntervalRange", 1, 1);
	g_string_append(out,
			"<tt:H264ProfilesSupported>" H264_PROFILE "</tt:H264ProfilesSupported>");
}

/* ver10: the H.264 options twice, the second time with the bitrate (an extension) */
void
cd_onvif_media_append_video_encoder_options_ver10(GString *out,
						  const CdOnvifCall *call,
						  const CdOnvifProfile *profile,
						  const gchar *element)
{
	g_string_append_printf(out, "<%s>" QUALITY_RANGE "<tt:H264>", element);
	append_h264_options(out, profile);
	g_string_append(out, "</tt:H264><tt:Extension><tt:H264>");
	append_h264_options(out, profile);
	append_bitrate_range(out, profile);
	g_string_append_printf(out, "</tt:H264></tt:Extension></%s>", element);
}

/* Media2: the GOP, rate and profile are attributes */
void
cd_onvif_media_append_video_encoder_options_media2(GString *out,
						   const CdOnvifCall *call,
						   const CdOnvifProfile *profile,
						   const gchar *element)
{
	g_string_append_printf(out,
			       "<%s GovLengthRange=\"%u %u\" FrameRatesSupported=\"%u\" "
			       "ProfilesSupported=\"" H264_PROFILE "\" "
			       "ConstantBitRateSupported=\"false\">"
			       "<tt:Encoding>H264</tt:Encoding>" QUALITY_RANGE,
			       element,
			       profile->gop,
			       profile->gop,
			       profile->fps);
	append_size(out, "tt:ResolutionsAvailable", profile->width, profile->height);
	append_bitrate_range(out, profile);
	g_string_append_printf(out, "</%s>", element);
}

/* ver10's GetAudioSources: one input, mono (cordon serves one channel) */
void
cd_onvif_media_append_audio_source(GString *out,
				   const CdOnvifCall *call,
				   const CdOnvifProfile *profile,
				   const gchar *element)
{
	g_string_append_printf(out,
			       "<%s token=\"" CD_ONVIF_AUDIO_SOURCE_TOKEN "\">"
			       "<tt:Channels>%u</tt:Channels></%s>",
			       element,
			       (guint)CD_AUDIO_CHANNELS,
			       element);
}

void
cd_onvif_media_append_audio_source_configuration(GString *out,
						 const CdOnvifCall *call,
						 const CdOnvifProfile *profile,
						 const gchar *element)
{
	g_autofree gchar *name = cd_xml_escape(call->camera->name);

	open_configuration(out, element, CD_ONVIF_AUDIO_SOURCE_CONFIG_TOKEN, "", name);
	g_string_append_printf(out,
			       "<tt:SourceToken>" CD_ONVIF_AUDIO_SOURCE_TOKEN
			       "</tt:SourceToken></%s>",
			       element);
}

/* both versions' GetAudioSourceConfigurationOptions: the one input */
void
cd_onvif_media_append_audio_source_options(GString *out,
					   const CdOnvifCall *call,
					   const CdOnvifProfile *profile,
					   const gchar *element)
{
	g_string_append_printf(out,
			       "<%s><tt:InputTokensAvailable>" CD_ONVIF_AUDIO_SOURCE_TOKEN
			       "</tt:InputTokensAvailable></%s>",
			       element,
			       element);
}

/* ver10: Encoding, Bitrate, SampleRate, then as the video encoder's */
void
cd_onvif_media_append_audio_encoder_ver10(GString *out,
					  const CdOnvifCall *call,
					  const CdOnvifProfile *profile,
					  const gchar *element)
{
	const CdOnvifAudio *audio = cd_onvif_media_get_audio(call);

	g_return_if_fail(audio != NULL);
	open_configuration(out, element, CD_ONVIF_AUDIO_ENCODER_CONFIG_TOKEN, "", audio->encoding);
	g_string_append_printf(out,
			       "<tt:Encoding>%s</tt:Encoding><tt:Bitrate>%u</tt:Bitrate>"
			       "<tt:SampleRate>%u</tt:SampleRate>" MULTICAST_NONE SESSION_TIMEOUT
			       "</%s>",
			       audio->encoding,
			       audio->bitrate_kbps,
			       audio->sample_rate_khz,
			       element);
}

/* Media2: the encoding is the RTP payload format's name, and Multicast comes first */
void
cd_onvif_media_append_audio_encoder_media2(GString *out,
					   const CdOnvifCall *call,
					   const CdOnvifProfile *profile,
					   const gchar *element)
{
	const CdOnvifAudio *audio = cd_onvif_media_get_audio(call);

	g_return_if_fail(audio != NULL);
	open_configuration(out,
			   element,
			   CD_ONVIF_AUDIO_ENCODER_CONFIG_TOKEN,
			   "",
			   audio->encoding_media2);
	g_string_append_printf(out,
			       "<tt:Encoding>%s</tt:Encoding>" MULTICAST_NONE
			       "<tt:Bitrate>%u</tt:Bitrate><tt:SampleRate>%u</tt:SampleRate></%s>",
			       audio->encoding_media2,
			       audio->bitrate_kbps,
			       audio->sample_rate_khz,
			       element);
}

/* the one encoding, bitrate and rate cordon makes */
static void
append_audio_options(GString *out, const gchar *encoding, const CdOnvifAudio *audio)
{
	g_string_append_printf(out,
			       "<tt:Encoding>%s</tt:Encoding>"
			       "<tt:BitrateList><tt:Items>%u</tt:Items></tt:BitrateList>"
			       "<tt:SampleRateList><tt:Items>%u</tt:Items></tt:SampleRateList>",
			       encoding,
			       audio->bitrate_kbps,
			       audio->sample_rate_khz);
}

/* ver10: the options are a list of tt:Options in @element */
void
cd_onvif_media_append_audio_encoder_options_ver10(GString *out,
						  const CdOnvifCall *call,
						  const CdOnvifProfile *profile,
						  const gchar *element)
{
	const CdOnvifAudio *audio = cd_onvif_media_get_audio(call);

	g_return_if_fail(audio != NULL);
	g_string_append_printf(out, "<%s><tt:Options>", element);
	append_audio_options(out, audio->encoding, audio);
	g_string_append_printf(out, "</tt:Options></%s>", element);
}

/* Media2: each encoding is an element of its own */
void
cd_onvif_media_append_audio_encoder_options_media2(GString *out,
						   const CdOnvifCall *call,
						   const CdOnvifProfile *profile,
						   const gchar *element)
{
	const CdOnvifAudio *audio = cd_onvif_media_get_audio(call);

	g_return_if_fail(audio != NULL);
	g_string_append_printf(out, "<%s>", element);
	append_audio_options(out, audio->encoding_media2, audio);
	g_string_append_printf(out, "</%s>", element);
}

static void
append_media_uri(GString *out, const gchar *uri)
{
	g_string_append_printf(out,
			       "<trt:MediaUri><tt:Uri>%s</tt:Uri>"
			       "<tt:InvalidAfterConnect>false</tt:InvalidAfterConnect>"
			       "<tt:InvalidAfterReboot>false</tt:InvalidAfterReboot>"
			       "<tt:Timeout>PT0S</tt:Timeout></trt:MediaUri>",
			       uri);
}

static void
append_uri2(GString *out, const gchar *uri)
{
	g_string_append_printf(out, "<tr2:Uri>%s</tr2:Uri>", uri);
}

const CdOnvifMediaVersion cd_onvif_media_version_ver10 = {
    .profile_name = "tt:Name",
    .configurations = NULL,
    .video_source = "tt:VideoSourceConfiguration",
    .audio_source = "tt:AudioSourceConfiguration",
    .video_encoder = "tt:VideoEncoderConfiguration",
    .audio_encoder = "tt:AudioEncoderConfiguration",
    .append_video_encoder = cd_onvif_media_append_video_encoder_ver10,
    .append_audio_encoder = cd_onvif_media_append_audio_encoder_ver10,
    .append_uri = append_media_uri,
};

const CdOnvifMediaVersion cd_onvif_media_version_media2 = {
    .profile_name = "tr2:Name",
    .configurations = "tr2:Configurations",
    .video_source = "tr2:VideoSource",
    .audio_source = "tr2:AudioSource",
    .video_encoder = "tr2:VideoEncoder",
    .audio_encoder = "tr2:AudioEncoder",
    .append_video_encoder = cd_onvif_media_append_video_encoder_media2,
    .append_audio_encoder = cd_onvif_media_append_audio_encoder_media2,
    .append_uri = append_uri2,
};

static void
append_profile_configurations(GString *out,
			      const CdOnvifCall *call,
			      const CdOnvifProfile *profile,
			      const CdOnvifMediaVersion *version)
{
	gboolean audio = cd_onvif_media_get_audio(call) != NULL;

	/* both versions' schema order: sources, then encoders, video before audio */
	if (version->configurations != NULL)
		g_string_append_printf(out, "<%s>", version->configurations);
	cd_onvif_media_append_video_source_configuration(out, call, profile, version->video_source);
	if (audio)
		cd_onvif_media_append_audio_source_configuration(out,
								 call,
								 profile,
								 version->audio_source);
	version->append_video_encoder(out, call, profile, version->video_encoder);
	if (audio)
		version->append_audio_encoder(out, call, profile, version->audio_encoder);
	if (version->configurations != NULL)
		g_string_append_printf(out, "</%s>", version->configurations);
}

/* @profile, in @version's elements; its configurations only if @with_configurations */
void
cd_onvif_media_append_profile(GString *out,
			      const CdOnvifCall *call,
			      const CdOnvifProfile *profile,
			      const CdOnvifMediaVersion *version,
			      const gchar *element,
			      gboolean with_configurations)
{
	g_string_append_printf(out,
			       "<%s token=\"%s\" fixed=\"true\"><%s>%s</%s>",
			       element,
			       profile->token,
			       version->profile_name,
			       profile->name,
			       version->profile_name);
	if (with_configurations)
		append_profile_configurations(out, call, profile, version);
	g_string_append_printf(out, "</%s>", element);
}

/*
 * A reply is named after the operation, in the prefix of the service it was posted to. The
 * name comes from the table the request was matched against, never unchecked from the client.
 */
static gchar *
response_element(const CdOnvifCall *call)
{
	return g_strdup_printf("%s:%sResponse",
			       call->service->prefix,
			       cd_soap_request_get_operation(call->request));
}

/* a reply whose content is one profile, configuration or options element, of @profile (NULL:
 * one each of every profile) */
gchar *
cd_onvif_media_respond_with(const CdOnvifCall *call,
			    const CdOnvifProfile *profile,
			    const gchar *element,
			    CdOnvifMediaAppendFunc func)
{
	g_autofree gchar *response = response_element(call);
	g_autoptr(GString) out = g_string_new(NULL);

	g_string_append_printf(out, "<%s>", response);
	for (guint i = 0; i < call->n_profiles; i++) {
		if (profile == NULL || profile == &call->profiles[i])
			func(out, call, &call->profiles[i], element);
	}
	g_string_append_printf(out, "</%s>", response);
	return g_string_free(g_steal_pointer(&out), FALSE);
}

/* a reply about the one video source, which is the main profile's output */
gchar *
cd_onvif_media_respond_with_source(const CdOnvifCall *call,
				   const gchar *element,
				   CdOnvifMediaAppendFunc func)
{
	return cd_onvif_media_respond_with(call, &call->profiles[0], element, func);
}

/* the same, once the configuration and profile the request names (if any) are checked */
gchar *
cd_onvif_media_respond_with_checked_source(const CdOnvifCall *call,
					   const gchar *element,
					   CdOnvifMediaAppendFunc func,
					   GError **error)
{
	if (!cd_onvif_media_check_source(call, error))
		return NULL;
	return cd_onvif_media_respond_with_source(call, element, func);
}

/* the options of the encoder named by configuration or profile; the main one's if neither */
gchar *
cd_onvif_media_respond_with_encoder_options(const CdOnvifCall *call,
					    const gchar *element,
					    CdOnvifMediaAppendFunc func,
					    GError **error)
{
	const CdOnvifProfile *profile = NULL;

	if (!cd_onvif_media_check_encoder(call, &profile, error))
		return NULL;
	return cd_onvif_media_respond_with(call,
					   profile != NULL ? profile : &call->profiles[0],
					   element,
					   func);
}

/* @uri is escaped */
static gchar *
respond_with_uri(const CdOnvifCall *call, const CdOnvifMediaVersion *version, const gchar *uri)
{
	g_autofree gchar *response = response_element(call);
	g_autoptr(GString) out = g_string_new(NULL);

	g_string_append_printf(out, "<%s>", response);
	version->append_uri(out, uri);
	g_string_append_printf(out, "</%s>", response);
	return g_string_free(g_steal_pointer(&out), FALSE);
}

/* what cordon does not serve (metadata, audio outputs and decoders; audio with audio=off):
 * every list is empty */
gchar *
cd_onvif_media_empty_list(const CdOnvifCall *call, GError **error)
{
	g_autofree gchar *response = response_element(call);

	return g_strdup_printf("<%s/>", response);
}

/*
 * GetOSDs in both versions: cordon draws no OSD (the capabilities say OSD="false"), so the
 * list is empty; a configuration named must still be ours.
 */
gchar *
cd_onvif_media_get_osds(const CdOnvifCall *call, GError **error)
{
	if (!cd_onvif_media_check_token(call,
					"ConfigurationToken",
					CD_ONVIF_VIDEO_SOURCE_CONFIG_TOKEN,
					error))
		return NULL;
	return cd_onvif_media_empty_list(call, error);
}

/*
 * GetOSDOptions in both versions, as @element: tt:OSDConfigurationOptions needs a Type and a
 * PositionOption, so it names the plainest (Text, Custom), and says none can be made
 */
void
cd_onvif_media_append_osd_options(GString *out,
				  const CdOnvifCall *call,
				  const CdOnvifProfile *profile,
				  const gchar *element)
{
	g_string_append_printf(out,
			       "<%s><tt:MaximumNumberOfOSDs Total=\"0\"/><tt:Type>Text</tt:Type>"
			       "<tt:PositionOption>Custom</tt:PositionOption></%s>",
			       element,
			       element);
}

/* the ONVIF Media fault for a device without audio (audio=off) */
gchar *
cd_onvif_media_audio_not_supported(const CdOnvifCall *call, GError **error)
{
	g_set_error_literal(error,
			    CD_ONVIF_FAULT,
			    CD_ONVIF_FAULT_AUDIO_NOT_SUPPORTED,
			    "cordon serves no audio for this camera");
	return NULL;
}

/*
 * A reply about the one audio source or audio encoder configuration, which every profile
 * shares, once the tokens the request names are checked (cd_onvif_media_check_audio()). With
 * audio=off: a list (!@required) is empty, and a Get of one configuration (@required) gets the
 * fault for a device without audio.
 */
gchar *
cd_onvif_media_respond_with_audio(const CdOnvifCall *call,
				  const gchar *configuration_token,
				  gboolean required,
				  const gchar *element,
				  CdOnvifMediaAppendFunc func,
				  GError **error)
{
	if (cd_onvif_media_get_audio(call) == NULL) {
		if (required)
			return cd_onvif_media_audio_not_supported(call, error);
		if (!cd_onvif_media_check_profile(call, FALSE, NULL, error))
			return NULL;
		return cd_onvif_media_empty_list(call, error);
	}
	if (!cd_onvif_media_check_audio(call, configuration_token, required, error))
		return NULL;
	return cd_onvif_media_respond_with_source(call, element, func);
}

/*
 * GetAudioSourceConfigurationOptions in both versions: tt:AudioSourceConfigurationOptions
 * must name at least one input, so with audio=off the fault for a device without audio rather
 * than an answer that names an input that is not there
 */
gchar *
cd_onvif_media_get_audio_source_options(const CdOnvifCall *call,
					const gchar *element,
					GError **error)
{
	if (cd_onvif_media_get_audio(call) == NULL)
		return cd_onvif_media_audio_not_supported(call, error);
	return cd_onvif_media_respond_with_audio(call,
						 CD_ONVIF_AUDIO_SOURCE_CONFIG_TOKEN,
						 FALSE,
						 element,
						 cd_onvif_media_append_audio_source_options,
						 error);
}

/* GetSnapshotUri, alike in both versions but for the reply's shape */
gchar *
cd_onvif_media_get_snapshot_uri(const CdOnvifCall *call,
				const CdOnvifMediaVersion *version,
				GError **error)
{
	const CdOnvifProfile *profile = NULL;
	g_autofree gchar *uri = NULL;

	if (!cd_onvif_media_check_profile(call, TRUE, &profile, error))
		return NULL;
	uri = cd_onvif_service_url(call, profile->snapshot_path);
	return respond_with_uri(call, version, uri);
}

/*
 * GetStreamUri's reply, once the version's handler has checked the arguments. RTSP over HTTP
 * is served on the RTSP port itself (cd-rtsp-gate), and named with the http scheme, as
 * cameras name it, so that a client knows to tunnel. That tunnel is plain HTTP, so a client
 * that came over TLS is refused it rather than handed a clear-text address over a secure
 * channel: it gets rtsps:// by asking for RTSP.
 *
 * Errors: %CD_ERROR_INVALID_REQUEST for the tunnel asked for over TLS.
 */
gchar *
cd_onvif_media_respond_with_stream_uri(const CdOnvifCall *call,
				       const CdOnvifProfile *profile,
				       const CdOnvifMediaVersion *version,
				       gboolean over_http,
				       GError **error)
{
	const gchar *rtsp = profile->stream_uri;
	g_autofree gchar *http = NULL;
	g_autofree gchar *uri = NULL;

	if (over_http && call->tls) {
		g_set_error_literal(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_REQUEST,
				    "RTSP over HTTP is plain HTTP and not offered over HTTPS: ask "
				    "for RTSP, which is served over TLS (rtsps://)");
		return NULL;
	}
	if (over_http && g_str_has_prefix(rtsp, "rtsp://"))
		http = g_strconcat("http://", rtsp + strlen("rtsp://"), NULL);
	uri = cd_xml_escape(http != NULL ? http : rtsp);
	return respond_with_uri(call, version, uri);
}
