/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cd-onvif-service.h"

G_BEGIN_DECLS

/* appends one profile, configuration or options element of @profile as @element */
typedef void (*CdOnvifMediaAppendFunc)(GString *out,
				       const CdOnvifCall *call,
				       const CdOnvifProfile *profile,
				       const gchar *element);

/**
 * CdOnvifAudio:
 *
 * The audio track cordon serves for a camera (its `audio` key), in ONVIF's terms.
 */
typedef struct {
	const gchar *encoding;	      /* ver10's tt:AudioEncoding: G711 or AAC */
	const gchar *encoding_media2; /* Media2's: the RTP payload format's name */
	guint bitrate_kbps;
	guint sample_rate_khz; /* ONVIF counts sample rates in kHz */
} CdOnvifAudio;

/**
 * CdOnvifMediaVersion:
 *
 * Where Media ver10 and Media2 differ in the shapes they share.
 */
typedef struct {
	const gchar *profile_name;   /* the element of a profile's Name */
	const gchar *configurations; /* holds a profile's configurations; NULL: the profile does */
	const gchar *video_source;   /* a profile's video source configuration element */
	const gchar *audio_source;   /* its audio source configuration element */
	const gchar *video_encoder;  /* a profile's video encoder configuration element */
	const gchar *audio_encoder;  /* its audio encoder configuration element */
	CdOnvifMediaAppendFunc append_video_encoder;
	CdOnvifMediaAppendFunc append_audio_encoder;
	void (*append_uri)(GString *out, const gchar *uri); /* a Get*Uri reply's content */
} CdOnvifMediaVersion;

extern const CdOnvifMediaVersion cd_onvif_media_version_ver10;
extern const CdOnvifMediaVersion cd_onvif_media_version_media2;

/* the arguments a request may carry */
gboolean
cd_onvif_media_check_token(const CdOnvifCall *call,
			   const gchar *element,
			   const gchar *expected,
			   GError **error);
gboolean
cd_onvif_media_check_profile(const CdOnvifCall *call,
			     gboolean required,
			     const CdOnvifProfile **profile,
			     GError **error);
gboolean
cd_onvif_media_check_encoder(const CdOnvifCall *call,
			     const CdOnvifProfile **profile,
			     GError **error);
gboolean
cd_onvif_media_check_choice(const CdOnvifCall *call,
			    const gchar *element,
			    const gchar *const *allowed,
			    const gchar *refusal,
			    GError **error);
gboolean
cd_onvif_media_check_source(const CdOnvifCall *call, GError **error);

/* the camera's audio as served; NULL with audio=off */
const CdOnvifAudio *
cd_onvif_media_get_audio(const CdOnvifCall *call);
gboolean
cd_onvif_media_check_audio(const CdOnvifCall *call,
			   const gchar *configuration_token,
			   gboolean required,
			   GError **error);

/* the shapes: what cordon serves, as elements named by the caller (CdOnvifMediaAppendFunc) */
void
cd_onvif_media_append_profile(GString *out,
			      const CdOnvifCall *call,
			      const CdOnvifProfile *profile,
			      const CdOnvifMediaVersion *version,
			      const gchar *element,
			      gboolean with_configurations);
void
cd_onvif_media_append_video_source(GString *out,
				   const CdOnvifCall *call,
				   const CdOnvifProfile *profile,
				   const gchar *element);
void
cd_onvif_media_append_video_source_configuration(GString *out,
						 const CdOnvifCall *call,
						 const CdOnvifProfile *profile,
						 const gchar *element);
void
cd_onvif_media_append_video_source_options(GString *out,
					   const CdOnvifCall *call,
					   const CdOnvifProfile *profile,
					   const gchar *element);
void
cd_onvif_media_append_video_encoder_ver10(GString *out,
					  const CdOnvifCall *call,
					  const CdOnvifProfile *profile,
					  const gchar *element);
void
cd_onvif_media_append_video_encoder_media2(GString *out,
					   const CdOnvifCall *call,
					   const CdOnvifProfile *profile,
					   const gchar *element);
void
cd_onvif_media_append_video_encoder_options_ver10(GString *out,
						  const CdOnvifCall *call,
						  const CdOnvifProfile *profile,
						  const gchar *element);
void
cd_onvif_media_append_video_encoder_options_media2(GString *out,
						   const CdOnvifCall *call,
						   const CdOnvifProfile *profile,
						   const gchar *element);

void
cd_onvif_media_append_audio_source(GString *out,
				   const CdOnvifCall *call,
				   const CdOnvifProfile *profile,
				   const gchar *element);
void
cd_onvif_media_append_audio_source_configuration(GString *out,
						 const CdOnvifCall *call,
						 const CdOnvifProfile *profile,
						 const gchar *element);
void
cd_onvif_media_append_audio_source_options(GString *out,
					   const CdOnvifCall *call,
					   const CdOnvifProfile *profile,
					   const gchar *element);
void
cd_onvif_media_append_audio_encoder_ver10(GString *out,
					  const CdOnvifCall *call,
					  const CdOnvifProfile *profile,
					  const gchar *element);
void
cd_onvif_media_append_audio_encoder_media2(GString *out,
					   const CdOnvifCall *call,
					   const CdOnvifProfile *profile,
					   const gchar *element);
void
cd_onvif_media_append_audio_encoder_options_ver10(GString *out,
						  const CdOnvifCall *call,
						  const CdOnvifProfile *profile,
						  const gchar *element);
void
cd_onvif_media_append_audio_encoder_options_media2(GString *out,
						   const CdOnvifCall *call,
						   const CdOnvifProfile *profile,
						   const gchar *element);

/* the replies */
gchar *
cd_onvif_media_respond_with(const CdOnvifCall *call,
			    const CdOnvifProfile *profile,
			    const gchar *element,
			    CdOnvifMediaAppendFunc func);
gchar *
cd_onvif_media_respond_with_source(const CdOnvifCall *call,
				   const gchar *element,
				   CdOnvifMediaAppendFunc func);
gchar *
cd_onvif_media_respond_with_checked_source(const CdOnvifCall *call,
					   const gchar *element,
					   CdOnvifMediaAppendFunc func,
					   GError **error);
gchar *
cd_onvif_media_respond_with_encoder_options(const CdOnvifCall *call,
					    const gchar *element,
					    CdOnvifMediaAppendFunc func,
					    GError **error);
gchar *
cd_onvif_media_respond_with_stream_uri(const CdOnvifCall *call,
				       const CdOnvifProfile *profile,
				       const CdOnvifMediaVersion *version,
				       gboolean over_http,
				       GError **error);
gchar *
cd_onvif_media_get_snapshot_uri(const CdOnvifCall *call,
				const CdOnvifMediaVersion *version,
				GError **error);
gchar *
cd_onvif_media_empty_list(const CdOnvifCall *call, GError **error);
gchar *
cd_onvif_media_get_osds(const CdOnvifCall *call, GError **error);
void
cd_onvif_media_append_osd_options(GString *out,
				  const CdOnvifCall *call,
				  const CdOnvifProfile *profile,
				  const gchar *element);
gchar *
cd_onvif_media_audio_not_supported(const CdOnvifCall *call, GError **error);
gchar *
cd_onvif_media_respond_with_audio(const CdOnvifCall *call,
				  const gchar *configuration_token,
				  gboolean required,
				  const gchar *element,
				  CdOnvifMediaAppendFunc func,
				  GError **error);
gchar *
cd_onvif_media_get_audio_source_options(const CdOnvifCall *call,
					const gchar *element,
					GError **error);

G_END_DECLS
