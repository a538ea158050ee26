/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-onvif-media: the media service ver10 (trt) of one virtual device: its table of operations,
 * their handlers and its capabilities, in GetServices and in GetCapabilities (tt:Media). The
 * handlers check a request's arguments and answer with the shapes of cd-onvif-media-shapes, in
 * ver10's elements. Metadata queries get empty, valid answers, and so do audio ones with
 * audio=off; anything that would change a configuration is prohibited, but for CreateProfile
 * and DeleteProfile, which are answered without a login for Synology (see create_profile()).
 * Media2 is cd-onvif-media2.
 *
 * Each device lists its main profile and, unless the camera's sub=off, its sub profile: one
 * video source configuration shared by both, a video encoder configuration each, and with
 * audio on one audio source configuration and one audio encoder configuration in both. A
 * request that names no profile where one is optional is about the main profile; the lists
 * hold all.
 *
 * Threads: the handlers run on the thread of the server that calls them and keep no state.
 * Keys used: [camera] audio (through cd-onvif-media-shapes); every profile's settings come
 * with the call.
 */
#define G_LOG_DOMAIN "CdOnvifMedia"

#include "cd-onvif-media.h"

#include "cd-error.h"
#include "cd-onvif-media-shapes.h"

/* ver10: a profile always holds its configurations */
static void
append_profile(GString *out,
	       const CdOnvifCall *call,
	       const CdOnvifProfile *profile,
	       const gchar *element)
{
	cd_onvif_media_append_profile(out,
				      call,
				      profile,
				      &cd_onvif_media_version_ver10,
				      element,
				      TRUE);
}

static gchar *
get_profiles(const CdOnvifCall *call, GError **error)
{
	return cd_onvif_media_respond_with(call, NULL, "trt:Profiles", append_profile);
}

static gchar *
get_profile(const CdOnvifCall *call, GError **error)
{
	const CdOnvifProfile *profile = NULL;

	if (!cd_onvif_media_check_profile(call, TRUE, &profile, error))
		return NULL;
	return cd_onvif_media_respond_with(call, profile, "trt:Profile", append_profile);
}

static gchar *
get_video_sources(const CdOnvifCall *call, GError **error)
{
	return cd_onvif_media_respond_with_source(call,
						  "trt:VideoSources",
						  cd_onvif_media_append_video_source);
}

static gchar *
get_video_source_configurations(const CdOnvifCall *call, GError **error)
{
	return cd_onvif_media_respond_with_source(call,
						  "trt:Configurations",
						  cd_onvif_media_append_video_source_configuration);
}

static gchar *
get_video_source_configuration(const CdOnvifCall *call, GError **error)
{
	if (!cd_onvif_media_check_token(call,
					"ConfigurationToken",
					CD_ONVIF_VIDEO_SOURCE_CONFIG_TOKEN,
					error))
		return NULL;
	return cd_onvif_media_respond_with_source(call,
						  "trt:Configuration",
						  cd_onvif_media_append_video_source_configuration);
}

static gchar *
get_compatible_video_source_configurations(const CdOnvifCall *call, GError **error)
{
	if (!cd_onvif_media_check_profile(call, TRUE, NULL, error))
		return NULL;
	return cd_onvif_media_respond_with_source(call,
						  "trt:Configurations",
						  cd_onvif_media_append_video_source_configuration);
}

static gchar *
get_video_source_configuration_options(const CdOnvifCall *call, GError **error)
{
	return cd_onvif_media_respond_with_checked_source(
	    call,
	    "trt:Options",
	    cd_onvif_media_append_video_source_options,
	    error);
}

static gchar *
get_video_encoder_configurations(const CdOnvifCall *call, GError **error)
{
	return cd_onvif_media_respond_with(call,
					   NULL,
					   "trt:Configurations",
					   cd_onvif_media_append_video_encoder_ver10);
}

static gchar *
get_video_encoder_configuration(const CdOnvifCall *call, GError **error)
{
	const CdOnvifProfile *profile = NULL;

	if (!cd_onvif_media_check_encoder(call, &profile, error))
		return NULL;
	if (profile == NULL) {
		g_set_error_literal(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_REQUEST,
				    "ConfigurationToken missing");
		return NULL;
	}
	return cd_onvif_media_respond_with(call,
					   profile,
					   "trt:Configuration",
					   cd_onvif_media_append_video_encoder_ver10);
}

static gchar *
get_compatible_video_encoder_configurations(const CdOnvifCall *call, GError **error)
{
	const CdOnvifProfile *profile = NULL;

	if (!cd_onvif_media_check_profile(call, TRUE, &profile, error))
		return NULL;
	return cd_onvif_media_respond_with(call,
					   profile,
					   "trt:Configurations",
					   cd_onvif_media_append_video_encoder_ver10);
}

static gchar *
get_video_encoder_configuration_options(const CdOnvifCall *call, GError **error)
{
	return cd_onvif_media_respond_with_encoder_options(
	    call,
	    "trt:Options",
	    cd_onvif_media_append_video_encoder_options_ver10,
	    error);
}

static gchar *
get_guaranteed_number_of_video_encoder_instances(const CdOnvifCall *call, GError **error)
{
	if (!cd_onvif_media_check_token(call,
					"ConfigurationToken",
					CD_ONVIF_VIDEO_SOURCE_CONFIG_TOKEN,
					error))
		return NULL;
	/* one encoder per profile, all H.264 */
	return g_strdup_printf("<trt:GetGuaranteedNumberOfVideoEncoderInstancesResponse>"
			       "<trt:TotalNumber>%u</trt:TotalNumber><trt:H264>%u</trt:H264>"
			       "</trt:GetGuaranteedNumberOfVideoEncoderInstancesResponse>",
			       call->n_profiles,
			       call->n_profiles);
}

static gchar *
get_osd_options(const CdOnvifCall *call, GError **error)
{
	return cd_onvif_media_respond_with_checked_source(call,
							  "trt:OSDOptions",
							  cd_onvif_media_append_osd_options,
							  error);
}

static gchar *
get_audio_sources(const CdOnvifCall *call, GError **error)
{
	if (cd_onvif_media_get_audio(call) == NULL)
		return cd_onvif_media_empty_list(call, error);
	return cd_onvif_media_respond_with_source(call,
						  "trt:AudioSources",
						  cd_onvif_media_append_audio_source);
}

static gchar *
get_audio_source_configurations(const CdOnvifCall *call, GError **error)
{
	return cd_onvif_media_respond_with_audio(call,
						 CD_ONVIF_AUDIO_SOURCE_CONFIG_TOKEN,
						 FALSE,
						 "trt:Configurations",
						 cd_onvif_media_append_audio_source_configuration,
						 error);
}

static gchar *
get_audio_source_configuration(const CdOnvifCall *call, GError **error)
{
	return cd_onvif_media_respond_with_audio(call,
						 CD_ONVIF_AUDIO_SOURCE_CONFIG_TOKEN,
						 TRUE,
						 "trt:Configuration",
						 cd_onvif_media_append_audio_source_configuration,
						 error);
}

static gchar *
get_compatible_audio_source_configurations(const CdOnvifCall *call, GError **error)
{
	if (!cd_onvif_media_check_profile(call, TRUE, NULL, error))
		return NULL;
	return get_audio_source_configurations(call, error);
}

static gchar *
get_audio_source_configuration_options(const CdOnvifCall *call, GError **error)
{
	return cd_onvif_media_get_audio_source_options(call, "trt:Options", error);
}

static gchar *
get_audio_encoder_configurations(const CdOnvifCall *call, GError **error)
{
	return cd_onvif_media_respond_with_audio(call,
						 CD_ONVIF_AUDIO_ENCODER_CONFIG_TOKEN,
						 FALSE,
						 "trt:Configurations",
						 cd_onvif_media_append_audio_encoder_ver10,
						 error);
}

static gchar *
get_audio_encoder_configuration(const CdOnvifCall *call, GError **error)
{
	return cd_onvif_media_respond_with_audio(call,
						 CD_ONVIF_AUDIO_ENCODER_CONFIG_TOKEN,
						 TRUE,
						 "trt:Configuration",
						 cd_onvif_media_append_audio_encoder_ver10,
						 error);
}

static gchar *
get_compatible_audio_encoder_configurations(const CdOnvifCall *call, GError **error)
{
	if (!cd_onvif_media_check_profile(call, TRUE, NULL, error))
		return NULL;
	return get_audio_encoder_configurations(call, error);
}

/*
 * The one encoding cordon makes. trt:Options is required, and tt:AudioEncoderConfigurationOptions
 * may list no option: with audio=off it is empty.
 */
static gchar *
get_audio_encoder_configuration_options(const CdOnvifCall *call, GError **error)
{
	if (cd_onvif_media_get_audio(call) != NULL)
		return cd_onvif_media_respond_with_audio(
		    call,
		    CD_ONVIF_AUDIO_ENCODER_CONFIG_TOKEN,
		    FALSE,
		    "trt:Options",
		    cd_onvif_media_append_audio_encoder_options_ver10,
		    error);
	if (!cd_onvif_media_check_profile(call, FALSE, NULL, error))
		return NULL;
	return g_strdup("<trt:GetAudioEncoderConfigurationOptionsResponse><trt:Options/>"
			"</trt:GetAudioEncoderConfigurationOptionsResponse>");
}

/*
 * Synology Surveillance Station, when it adds a camera, asks CreateProfile "SynoTestProfile"
 * and then DeleteProfile, the second without credentials, and shows any ter:NotAuthorized as a
 * wrong password, so the camera is never added (roleoroleo/yi-hack-MStar#88 and #540,
 * roleoroleo/yi-hack-Allwinner-v2#843). onvif_simple_server's Synology mode answers
 * CreateProfile with ter:MaxNVTProfiles whatever the login, and Synology then goes on with
 * the profiles it has. So both are answered without a login, and neither changes anything
 * (the profiles are fixed): CreateProfile says no more profiles can be made; DeleteProfile of a
 * profile that does not exist (SynoTestProfile: it was never made) succeeds, for after it the
 * profile is gone as asked, where ONVIF's ter:NoProfile would stop Synology again; deleting
 * one of cordon's profiles gets ter:DeletionOfFixedProfile. Neither reveals more than GetServices
 * (which names the profile count) does to anyone.
 */
static gchar *
create_profile(const CdOnvifCall *call, GError **error)
{
	g_set_error_literal(error,
			    CD_ONVIF_FAULT,
			    CD_ONVIF_FAULT_MAX_PROFILES,
			    "the device has its fixed profiles and makes no other");
	return NULL;
}

static gchar *
delete_profile(const CdOnvifCall *call, GError **error)
{
	g_autofree gchar *token = cd_soap_request_get_text(call->request, "ProfileToken");

	if (token == NULL) {
		g_set_error_literal(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_REQUEST,
				    "ProfileToken missing");
		return NULL;
	}
	if (g_strcmp0(token, CD_ONVIF_PROFILE_TOKEN) == 0 ||
	    g_strcmp0(token, CD_ONVIF_SUB_PROFILE_TOKEN) == 0) {
		g_set_error_literal(error,
				    CD_ONVIF_FAULT,
				    CD_ONVIF_FAULT_FIXED_PROFILE,
				    "the profile is fixed");
		return NULL;
	}
	return g_strdup("<trt:DeleteProfileResponse/>");
}

/*
 * RTP unicast over UDP, over the RTSP connection (TCP, RTSP) all use the same RTSP URL; the
 * client picks the transport in SETUP (rtsps:// for a client that came over TLS). HTTP gets the
 * same path on the same port with the http scheme: the RTSP port serves the tunnel; not over
 * TLS (see cd_onvif_media_respond_with_stream_uri()). Multicast is not served.
 */
static gchar *
get_stream_uri(const CdOnvifCall *call, GError **error)
{
	static const gchar *const streams[] = {"RTP-Unicast", NULL};
	static const gchar *const protocols[] = {"RTSP", "UDP", "TCP", "HTTP", NULL};
	g_autofree gchar *protocol = cd_soap_request_get_text(call->request, "Protocol");
	const CdOnvifProfile *profile = NULL;

	if (!cd_onvif_media_check_profile(call, TRUE, &profile, error) ||
	    !cd_onvif_media_check_choice(call,
					 "Stream",
					 streams,
					 "only RTP-Unicast streams are served",
					 error) ||
	    !cd_onvif_media_check_choice(call,
					 "Protocol",
					 protocols,
					 "only the RTSP, UDP, TCP and HTTP transports are served",
					 error))
		return NULL;
	return cd_onvif_media_respond_with_stream_uri(call,
						      profile,
						      &cd_onvif_media_version_ver10,
						      g_strcmp0(protocol, "HTTP") == 0,
						      error);
}

static gchar *
get_snapshot_uri(const CdOnvifCall *call, GError **error)
{
	return cd_onvif_media_get_snapshot_uri(call, &cd_onvif_media_version_ver10, error);
}

static void
append_capabilities(GString *out, const CdOnvifCall *call)
{
	g_string_append_printf(out,
			       "<trt:Capabilities SnapshotUri=\"true\" Rotation=\"false\" "
			       "VideoSourceMode=\"false\" OSD=\"false\" TemporaryOSDText=\"false\" "
			       "EXICompression=\"false\">"
			       "<trt:ProfileCapabilities MaximumNumberOfProfiles=\"%u\"/>"
			       "<trt:StreamingCapabilities RTPMulticast=\"false\" RTP_TCP=\"true\" "
			       "RTP_RTSP_TCP=\"true\" NonAggregateControl=\"false\" "
			       "NoRTSPStreaming=\"false\"/></trt:Capabilities>",
			       call->n_profiles);
}

/* GetCapabilities' tt:Media */
static void
append_category_capabilities(GString *out, const CdOnvifCall *call, const gchar *xaddr)
{
	g_string_append_printf(out,
			       "<tt:Media><tt:XAddr>%s</tt:XAddr>"
			       "<tt:StreamingCapabilities>"
			       "<tt:RTPMulticast>false</tt:RTPMulticast>"
			       "<tt:RTP_TCP>true</tt:RTP_TCP>"
			       "<tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP>"
			       "</tt:StreamingCapabilities>"
			       "<tt:Extension><tt:ProfileCapabilities>"
			       "<tt:MaximumNumberOfProfiles>%u</tt:MaximumNumberOfProfiles>"
			       "</tt:ProfileCapabilities></tt:Extension></tt:Media>",
			       xaddr,
			       call->n_profiles);
}

static const CdOnvifOperation media_operations[] = {
    CD_ONVIF_PRE_AUTH("GetServiceCapabilities", cd_onvif_get_service_capabilities),
    /* Synology's test profile: see create_profile() */
    CD_ONVIF_PRE_AUTH("CreateProfile", create_profile),
    CD_ONVIF_PRE_AUTH("DeleteProfile", delete_profile),
    CD_ONVIF_READ("GetProfiles", get_profiles),
    CD_ONVIF_READ("GetProfile", get_profile),
    CD_ONVIF_READ("GetVideoSources", get_video_sources),
    CD_ONVIF_READ("GetVideoSourceConfigurations", get_video_source_configurations),
    CD_ONVIF_READ("GetVideoSourceConfiguration", get_video_source_configuration),
    CD_ONVIF_READ("GetCompatibleVideoSourceConfigurations",
		  get_compatible_video_source_configurations),
    CD_ONVIF_READ("GetVideoSourceConfigurationOptions", get_video_source_configuration_options),
    CD_ONVIF_READ("GetVideoEncoderConfigurations", get_video_encoder_configurations),
    CD_ONVIF_READ("GetVideoEncoderConfiguration", get_video_encoder_configuration),
    CD_ONVIF_READ("GetCompatibleVideoEncoderConfigurations",
		  get_compatible_video_encoder_configurations),
    CD_ONVIF_READ("GetVideoEncoderConfigurationOptions", get_video_encoder_configuration_options),
    CD_ONVIF_READ("GetGuaranteedNumberOfVideoEncoderInstances",
		  get_guaranteed_number_of_video_encoder_instances),
    CD_ONVIF_READ("GetStreamUri", get_stream_uri),
    CD_ONVIF_READ("GetSnapshotUri", get_snapshot_uri),
    CD_ONVIF_READ("GetAudioSources", get_audio_sources),
    CD_ONVIF_READ("GetAudioOutputs", cd_onvif_media_empty_list),
    CD_ONVIF_READ("GetAudioSourceConfigurations", get_audio_source_configurations),
    CD_ONVIF_READ("GetAudioSourceConfiguration", get_audio_source_configuration),
    CD_ONVIF_READ("GetCompatibleAudioSourceConfigurations",
		  get_compatible_audio_source_configurations),
    CD_ONVIF_READ("GetAudioEncoderConfigurations", get_audio_encoder_configurations),
    CD_ONVIF_READ("GetAudioEncoderConfiguration", get_audio_encoder_configuration),
    CD_ONVIF_READ("GetCompatibleAudioEncoderConfigurations",
		  get_compatible_audio_encoder_configurations),
    CD_ONVIF_READ("GetAudioOutputConfigurations", cd_onvif_media_empty_list),
    CD_ONVIF_READ("GetAudioDecoderConfigurations", cd_onvif_media_empty_list),
    CD_ONVIF_READ("GetMetadataConfigurations", cd_onvif_media_empty_list),
    CD_ONVIF_READ("GetVideoAnalyticsConfigurations", cd_onvif_media_empty_list),
    CD_ONVIF_READ("GetAudioSourceConfigurationOptions", get_audio_source_configuration_options),
    CD_ONVIF_READ("GetAudioEncoderConfigurationOptions", get_audio_encoder_configuration_options),
    CD_ONVIF_READ("GetOSDs", cd_onvif_media_get_osds),
    CD_ONVIF_READ("GetOSDOptions", get_osd_options),
    CD_ONVIF_PROHIBITED("SetVideoSourceConfiguration"),
    CD_ONVIF_PROHIBITED("SetVideoEncoderConfiguration"),
    CD_ONVIF_PROHIBITED("SetAudioSourceConfiguration"),
    CD_ONVIF_PROHIBITED("SetAudioEncoderConfiguration"),
    CD_ONVIF_PROHIBITED("SetAudioOutputConfiguration"),
    CD_ONVIF_PROHIBITED("SetAudioDecoderConfiguration"),
    CD_ONVIF_PROHIBITED("SetMetadataConfiguration"),
    CD_ONVIF_PROHIBITED("SetVideoAnalyticsConfiguration"),
    CD_ONVIF_PROHIBITED("AddVideoSourceConfiguration"),
    CD_ONVIF_PROHIBITED("AddVideoEncoderConfiguration"),
    CD_ONVIF_PROHIBITED("AddAudioSourceConfiguration"),
    CD_ONVIF_PROHIBITED("AddAudioEncoderConfiguration"),
    CD_ONVIF_PROHIBITED("AddAudioOutputConfiguration"),
    CD_ONVIF_PROHIBITED("AddAudioDecoderConfiguration"),
    CD_ONVIF_PROHIBITED("AddMetadataConfiguration"),
    CD_ONVIF_PROHIBITED("AddPTZConfiguration"),
    CD_ONVIF_PROHIBITED("AddVideoAnalyticsConfiguration"),
    CD_ONVIF_PROHIBITED("RemoveVideoSourceConfiguration"),
    CD_ONVIF_PROHIBITED("RemoveVideoEncoderConfiguration"),
    CD_ONVIF_PROHIBITED("RemoveAudioSourceConfiguration"),
    CD_ONVIF_PROHIBITED("RemoveAudioEncoderConfiguration"),
    CD_ONVIF_PROHIBITED("RemoveAudioOutputConfiguration"),
    CD_ONVIF_PROHIBITED("RemoveAudioDecoderConfiguration"),
    CD_ONVIF_PROHIBITED("RemoveMetadataConfiguration"),
    CD_ONVIF_PROHIBITED("RemovePTZConfiguration"),
    CD_ONVIF_PROHIBITED("RemoveVideoAnalyticsConfiguration"),
    CD_ONVIF_PROHIBITED("StartMulticastStreaming"),
    CD_ONVIF_PROHIBITED("StopMulticastStreaming"),
    CD_ONVIF_PROHIBITED("SetVideoSourceMode"),
    CD_ONVIF_PROHIBITED("CreateOSD"),
    CD_ONVIF_PROHIBITED("SetOSD"),
    CD_ONVIF_PROHIBITED("DeleteOSD"),
};

const CdOnvifService cd_onvif_media_service = {
    .ns = CD_SOAP_NS_MEDIA,
    .prefix = "trt",
    .path = CD_ONVIF_PATH_MEDIA,
    .operations = media_operations,
    .n_operations = G_N_ELEMENTS(media_operations),
    .append_capabilities = append_capabilities,
    .category = "Media",
    .append_category_capabilities = append_category_capabilities,
};
