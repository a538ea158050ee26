/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-onvif-device: the ONVIF device service (http://www.onvif.org/ver10/device/wsdl) of one
 * virtual device: who it is (cordon's identity, never the camera's), which services it has and
 * where, its clock, scopes and the recorder-side network interface it is reached on. Every
 * answer is read-only and describes cordon; nothing here changes anything or talks to a camera.
 * Operations that would change the device are listed as prohibited so that they get
 * ter:OperationProhibited rather than ter:ActionNotSupported. It only formats: the other
 * services describe themselves through the list each call carries (GetServices,
 * GetCapabilities), and what the host says about its network comes from cd-host-info.
 *
 * Threads: the handlers run on the thread of the server that calls them and keep no state.
 * Keys used: [server] discovery (what GetDiscoveryMode and the capabilities say).
 */
#define G_LOG_DOMAIN "CdOnvifDevice"

#include "cd-onvif-device.h"

#include "cd-host-info.h"
#include "cd-onvif-identity.h"

#define WSDL_URL	"http://www.onvif.org/Documents/Specifications.aspx"
#define MAX_DNS_SERVERS 3

static void
append_version(GString *out, const gchar *element)
{
	g_string_append_printf(out,
			       "<%s><tt:Major>%d</tt:Major><tt:Minor>%d</tt:Minor></%s>",
			       element,
			       CD_ONVIF_VERSION_MAJOR,
			       CD_ONVIF_VERSION_MINOR,
			       element);
}

static void
append_capabilities(GString *out, const CdOnvifCall *call)
{
	g_string_append_printf(
	    out,
	    "<tds:Capabilities>"
	    "<tds:Network IPFilter=\"false\" ZeroConfiguration=\"false\" IPVersion6=\"false\" "
	    "DynDNS=\"false\" Dot11Configuration=\"false\" HostnameFromDHCP=\"false\" NTP=\"0\"/>"
	    "<tds:Security TLS1.0=\"false\" TLS1.1=\"false\" TLS1.2=\"%s\" "
	    "OnboardKeyGeneration=\"false\" AccessPolicyConfig=\"false\" "
	    "DefaultAccessPolicy=\"false\" Dot1X=\"false\" RemoteUserHandling=\"false\" "
	    "X.509Token=\"false\" SAMLToken=\"false\" KerberosToken=\"false\" "
	    "UsernameToken=\"true\" HttpDigest=\"true\" RELToken=\"false\"/>"
	    "<tds:System DiscoveryResolve=\"false\" DiscoveryBye=\"%s\" RemoteDiscovery=\"false\" "
	    "SystemBackup=\"false\" SystemLogging=\"false\" FirmwareUpgrade=\"false\" "
	    "HttpFirmwareUpgrade=\"false\" HttpSystemBackup=\"false\" HttpSystemLogging=\"false\" "
	    "HttpSupportInformation=\"false\"/>"
	    "</tds:Capabilities>",
	    call->serves_tls ? "true" : "false",
	    call->config->discovery_enabled ? "true" : "false");
}

/*
 * The clock is the host's: cordon never sets it, so SetSystemDateAndTime is prohibited. NTP
 * only when the kernel says a time daemon keeps it synchronised, Manual otherwise: a VMS that
 * reads NTP and then finds no server in GetNTP reports the device as misconfigured. Clients
 * use the answer to compute their offset for WS-Security Created.
 */
static gchar *
get_system_date_and_time(const CdOnvifCall *call, GError **error)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	g_autofree gchar *date_time =
	    g_strdup_printf("<tt:Time><tt:Hour>%d</tt:Hour><tt:Minute>%d</tt:Minute>"
			    "<tt:Second>%d</tt:Second></tt:Time>"
			    "<tt:Date><tt:Year>%d</tt:Year><tt:Month>%d</tt:Month>"
			    "<tt:Day>%d</tt:Day></tt:Date>",
			    g_date_time_get_hour(now),
			    g_date_time_get_minute(now),
			    g_date_time_get_second(now),
			    g_date_time_get_year(now),
			    g_date_time_get_month(now),
			    g_date_time_get_day_of_month(now));

	return g_strdup_printf("<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime>"
			       "<tt:DateTimeType>%s</tt:DateTimeType>"
			       "<tt:DaylightSavings>false</tt:DaylightSavings>"
			       "<tt:TimeZone><tt:TZ>UTC0</tt:TZ></tt:TimeZone>"
			       "<tt:UTCDateTime>%s</tt:UTCDateTime>"
			       "<tt:LocalDateTime>%s</tt:LocalDateTime>"
			       "</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>",
			       cd_host_clock_synchronized() ? "NTP" : "Manual",
			       date_time,
			       date_time);
}

static gchar *
get_device_information(const CdOnvifCall *call, GError **error)
{
	g_autofree gchar *serial = cd_onvif_serial_number(call->config, call->camera);
	g_autofree gchar *firmware = cd_xml_escape(cd_onvif_firmware_version());

	return g_strdup_printf("<tds:GetDeviceInformationResponse>"
			       "<tds:Manufacturer>" CD_ONVIF_MANUFACTURER "</tds:Manufacturer>"
			       "<tds:Model>" CD_ONVIF_MODEL "</tds:Model>"
			       "<tds:FirmwareVersion>%s</tds:FirmwareVersion>"
			       "<tds:SerialNumber>%s</tds:SerialNumber>"
			       "<tds:HardwareId>" CD_ONVIF_HARDWARE_ID "</tds:HardwareId>"
			       "</tds:GetDeviceInformationResponse>",
			       firmware,
			       serial);
}

/* GetCapabilities' tt:Device */
static void
append_category_capabilities(GString *out, const CdOnvifCall *call, const gchar *xaddr)
{
	g_string_append_printf(out,
			       "<tt:Device><tt:XAddr>%s</tt:XAddr>"
			       "<tt:Network><tt:IPFilter>false</tt:IPFilter>"
			       "<tt:ZeroConfiguration>false</tt:ZeroConfiguration>"
			       "<tt:IPVersion6>false</tt:IPVersion6><tt:DynDNS>false</tt:DynDNS>"
			       "</tt:Network>"
			       "<tt:System><tt:DiscoveryResolve>false</tt:DiscoveryResolve>"
			       "<tt:DiscoveryBye>%s</tt:DiscoveryBye>"
			       "<tt:RemoteDiscovery>false</tt:RemoteDiscovery>"
			       "<tt:SystemBackup>false</tt:SystemBackup>"
			       "<tt:SystemLogging>false</tt:SystemLogging>"
			       "<tt:FirmwareUpgrade>false</tt:FirmwareUpgrade>",
			       xaddr,
			       call->config->discovery_enabled ? "true" : "false");
	append_version(out, "tt:SupportedVersions");
	g_string_append_printf(out,
			       "</tt:System>"
			       "<tt:Security><tt:TLS1.1>false</tt:TLS1.1><tt:TLS1.2>%s</tt:TLS1.2>"
			       "<tt:OnboardKeyGeneration>false</tt:OnboardKeyGeneration>"
			       "<tt:AccessPolicyConfig>false</tt:AccessPolicyConfig>"
			       "<tt:X.509Token>false</tt:X.509Token>"
			       "<tt:SAMLToken>false</tt:SAMLToken>"
			       "<tt:KerberosToken>false</tt:KerberosToken>"
			       "<tt:RELToken>false</tt:RELToken>"
			       "</tt:Security></tt:Device>",
			       call->serves_tls ? "true" : "false");
}

static gboolean
category_wanted(const CdOnvifService *service, const gchar *category)
{
	if (service->category == NULL)
		return FALSE;
	return category == NULL || g_strcmp0(category, "All") == 0 ||
	       g_strcmp0(category, service->category) == 0;
}

/* ver10's way of asking: the services that have a category, in tt: elements */
static gchar *
get_capabilities(const CdOnvifCall *call, GError **error)
{
	g_autofree gchar *category = cd_soap_request_get_text(call->request, "Category");
	g_autoptr(GString) out = g_string_new("<tds:GetCapabilitiesResponse><tds:Capabilities>");
	gboolean found = FALSE;

	for (guint i = 0; call->services[i] != NULL; i++) {
		const CdOnvifService *service = call->services[i];
		g_autofree gchar *xaddr = NULL;

		if (!category_wanted(service, category))
			continue;
		xaddr = cd_onvif_service_url(call, service->path);
		service->append_category_capabilities(out, call, xaddr);
		found = TRUE;
	}
	if (!found) {
		g_set_error_literal(error,
				    G_IO_ERROR,
				    G_IO_ERROR_NOT_SUPPORTED,
				    "no such service: cordon has device and media services only");
		return NULL;
	}
	g_string_append(out, "</tds:Capabilities></tds:GetCapabilitiesResponse>");
	return g_string_free(g_steal_pointer(&out), FALSE);
}

static void
append_service(GString *out,
	       const CdOnvifCall *call,
	       const CdOnvifService *service,
	       gboolean with_capabilities)
{
	g_autofree gchar *url = cd_onvif_service_url(call, service->path);

	g_string_append_printf(out,
			       "<tds:Service><tds:Namespace>%s</tds:Namespace>"
			       "<tds:XAddr>%s</tds:XAddr>",
			       service->ns,
			       url);
	if (with_capabilities) {
		g_string_append(out, "<tds:Capabilities>");
		service->append_capabilities(out, call);
		g_string_append(out, "</tds:Capabilities>");
	}
	append_version(out, "tds:Version");
	g_string_append(out, "</tds:Service>");
}

static gchar *
get_services(const CdOnvifCall *call, GError **error)
{
	g_autofree gchar *include = cd_soap_request_get_text(call->request, "IncludeCapability");
	gboolean with_capabilities =
	    g_strcmp0(include, "true") == 0 || g_strcmp0(include, "1") == 0;
	g_autoptr(GString) out = g_string_new("<tds:GetServicesResponse>");

	for (guint i = 0; call->services[i] != NULL; i++)
		append_service(out, call, call->services[i], with_capabilities);
	g_string_append(out, "</tds:GetServicesResponse>");
	return g_string_free(g_steal_pointer(&out), FALSE);
}

static gchar *
get_scopes(const CdOnvifCall *call, GError **error)
{
	g_auto(GStrv) scopes = cd_onvif_scopes(call->camera);
	g_autoptr(GString) out = g_string_new("<tds:GetScopesResponse>");

	for (guint i = 0; scopes[i] != NULL; i++) {
		g_autofree gchar *scope = cd_xml_escape(scopes[i]);
		g_string_append_printf(out,
				       "<tds:Scopes><tt:ScopeDef>Fixed</tt:ScopeDef>"
				       "<tt:ScopeItem>%s</tt:ScopeItem></tds:Scopes>",
				       scope);
	}
	g_string_append(out, "</tds:GetScopesResponse>");
	return g_string_free(g_steal_pointer(&out), FALSE);
}

static gchar *
get_hostname(const CdOnvifCall *call, GError **error)
{
	g_autofree gchar *name = cd_xml_escape(cd_host_name());

	return g_strdup_printf("<tds:GetHostnameResponse><tds:HostnameInformation>"
			       "<tt:FromDHCP>false</tt:FromDHCP><tt:Name>%s</tt:Name>"
			       "</tds:HostnameInformation></tds:GetHostnameResponse>",
			       name);
}

static void
append_interface_address(GString *out, const CdHostInterface *iface)
{
	g_autofree gchar *text = g_inet_address_to_string(iface->address);

	if (g_inet_address_get_family(iface->address) == G_SOCKET_FAMILY_IPV4)
		g_string_append_printf(out,
				       "<tt:IPv4><tt:Enabled>true</tt:Enabled><tt:Config>"
				       "<tt:Manual><tt:Address>%s</tt:Address>"
				       "<tt:PrefixLength>%u</tt:PrefixLength></tt:Manual>"
				       "<tt:DHCP>false</tt:DHCP></tt:Config></tt:IPv4>",
				       text,
				       iface->prefix_length);
	else
		g_string_append_printf(out,
				       "<tt:IPv6><tt:Enabled>true</tt:Enabled><tt:Config>"
				       "<tt:DHCP>Off</tt:DHCP>"
				       "<tt:Manual><tt:Address>%s</tt:Address>"
				       "<tt:PrefixLength>%u</tt:PrefixLength></tt:Manual>"
				       "</tt:Config></tt:IPv6>",
				       text,
				       iface->prefix_length);
}

static void
append_interface(GString *out, const CdHostInterface *iface)
{
	g_autofree gchar *name = cd_xml_escape(iface->name);

	g_string_append_printf(out,
			       "<tds:NetworkInterfaces token=\"%s\"><tt:Enabled>%s</tt:Enabled>"
			       "<tt:Info><tt:Name>%s</tt:Name><tt:HwAddress>%s</tt:HwAddress>"
			       "</tt:Info>",
			       name,
			       iface->up ? "true" : "false",
			       name,
			       iface->hw_address);
	append_interface_address(out, iface);
	g_string_append(out, "</tds:NetworkInterfaces>");
}

/*
 * Only the interface the request arrived on: the recorder side. The camera network and any
 * other interface of the host stay unmentioned. cordon does not manage addresses, so the one
 * in use is reported as it is, read-only (SetNetworkInterfaces is prohibited).
 */
static gchar *
get_network_interfaces(const CdOnvifCall *call, GError **error)
{
	g_autoptr(GString) out = g_string_new("<tds:GetNetworkInterfacesResponse>");
	g_autoptr(CdHostInterface) iface = NULL;

	if (call->local_address != NULL)
		iface = cd_host_interface_find(call->local_address);
	if (iface != NULL)
		append_interface(out, iface);
	g_string_append(out, "</tds:GetNetworkInterfacesResponse>");
	return g_string_free(g_steal_pointer(&out), FALSE);
}

static void
append_dns_server(GString *out, GInetAddress *server)
{
	g_autofree gchar *text = g_inet_address_to_string(server);
	const gchar *type =
	    g_inet_address_get_family(server) == G_SOCKET_FAMILY_IPV4 ? "IPv4" : "IPv6";

	g_string_append_printf(out,
			       "<tt:DNSManual><tt:Type>%s</tt:Type>"
			       "<tt:%sAddress>%s</tt:%sAddress></tt:DNSManual>",
			       type,
			       type,
			       text,
			       type);
}

/* the host's resolvers, as configured; cordon changes none of them */
static gchar *
get_dns(const CdOnvifCall *call, GError **error)
{
	g_autoptr(GPtrArray) servers = cd_host_dns_servers();
	g_autoptr(GString) out = g_string_new("<tds:GetDNSResponse><tds:DNSInformation>"
					      "<tt:FromDHCP>false</tt:FromDHCP>");

	for (guint i = 0; i < servers->len && i < MAX_DNS_SERVERS; i++)
		append_dns_server(out, servers->pdata[i]);
	g_string_append(out, "</tds:DNSInformation></tds:GetDNSResponse>");
	return g_string_free(g_steal_pointer(&out), FALSE);
}

static void
append_ntp_server(GString *out, const gchar *server)
{
	g_autoptr(GInetAddress) address = g_inet_address_new_from_string(server);
	g_autofree gchar *text = cd_xml_escape(server);
	const gchar *type = "DNS";
	const gchar *element = "DNSname";

	if (address != NULL && g_inet_address_get_family(address) == G_SOCKET_FAMILY_IPV4)
		type = "IPv4", element = "IPv4Address";
	else if (address != NULL)
		type = "IPv6", element = "IPv6Address";
	g_string_append_printf(out,
			       "<tt:NTPManual><tt:Type>%s</tt:Type>"
			       "<tt:%s>%s</tt:%s></tt:NTPManual>",
			       type,
			       element,
			       text,
			       element);
}

/*
 * cordon configures no time server: the host keeps its clock, and these are the servers its
 * time daemon is configured with, as far as they can be read (none is ever made up)
 */
static gchar *
get_ntp(const CdOnvifCall *call, GError **error)
{
	g_autoptr(GPtrArray) servers = cd_host_ntp_servers();
	g_autoptr(GString) out = g_string_new("<tds:GetNTPResponse><tds:NTPInformation>"
					      "<tt:FromDHCP>false</tt:FromDHCP>");

	for (guint i = 0; i < servers->len; i++)
		append_ntp_server(out, servers->pdata[i]);
	g_string_append(out, "</tds:NTPInformation></tds:GetNTPResponse>");
	return g_string_free(g_steal_pointer(&out), FALSE);
}

static void
append_network_protocol(GString *out, const gchar *name, guint port)
{
	g_string_append_printf(out,
			       "<tds:NetworkProtocols><tt:Name>%s</tt:Name>"
			       "<tt:Enabled>true</tt:Enabled><tt:Port>%u</tt:Port>"
			       "</tds:NetworkProtocols>",
			       name,
			       port);
}

/* HTTPS is on the HTTP port; ONVIF's list of protocol names has no RTSPS to give its port */
static gchar *
get_network_protocols(const CdOnvifCall *call, GError **error)
{
	g_autoptr(GString) out = g_string_new("<tds:GetNetworkProtocolsResponse>");

	append_network_protocol(out, "HTTP", call->onvif_port);
	if (call->serves_tls)
		append_network_protocol(out, "HTTPS", call->onvif_port);
	append_network_protocol(out, "RTSP", call->rtsp_port);
	g_string_append(out, "</tds:GetNetworkProtocolsResponse>");
	return g_string_free(g_steal_pointer(&out), FALSE);
}

static gchar *
get_discovery_mode(const CdOnvifCall *call, GError **error)
{
	return g_strdup_printf("<tds:GetDiscoveryModeResponse>"
			       "<tds:DiscoveryMode>%s</tds:DiscoveryMode>"
			       "</tds:GetDiscoveryModeResponse>",
			       call->config->discovery_enabled ? "Discoverable"
							       : "NonDiscoverable");
}

static gchar *
get_wsdl_url(const CdOnvifCall *call, GError **error)
{
	return g_strdup("<tds:GetWsdlUrlResponse><tds:WsdlUrl>" WSDL_URL
			"</tds:WsdlUrl></tds:GetWsdlUrlResponse>");
}

static gchar *
get_endpoint_reference(const CdOnvifCall *call, GError **error)
{
	g_autofree gchar *reference = cd_onvif_endpoint_reference(call->config, call->camera);

	return g_strdup_printf("<tds:GetEndpointReferenceResponse><tds:GUID>%s</tds:GUID>"
			       "</tds:GetEndpointReferenceResponse>",
			       reference);
}

static const CdOnvifOperation device_operations[] = {
    /* ONVIF Core's PRE_AUTH class: answered to anyone, even with a wrong token attached */
    CD_ONVIF_PRE_AUTH("GetSystemDateAndTime", get_system_date_and_time),
    CD_ONVIF_PRE_AUTH("GetCapabilities", get_capabilities),
    CD_ONVIF_PRE_AUTH("GetServices", get_services),
    CD_ONVIF_PRE_AUTH("GetServiceCapabilities", cd_onvif_get_service_capabilities),
    CD_ONVIF_PRE_AUTH("GetHostname", get_hostname),
    CD_ONVIF_PRE_AUTH("GetWsdlUrl", get_wsdl_url),
    CD_ONVIF_PRE_AUTH("GetEndpointReference", get_endpoint_reference),
    CD_ONVIF_READ("GetDeviceInformation", get_device_information),
    CD_ONVIF_READ("GetScopes", get_scopes),
    CD_ONVIF_READ("GetNetworkInterfaces", get_network_interfaces),
    CD_ONVIF_READ("GetDNS", get_dns),
    CD_ONVIF_READ("GetNTP", get_ntp),
    CD_ONVIF_READ("GetNetworkProtocols", get_network_protocols),
    CD_ONVIF_READ("GetDiscoveryMode", get_discovery_mode),
    /* users are cordon's configuration, not the device's: not even listed */
    CD_ONVIF_PROHIBITED("GetUsers"),
    CD_ONVIF_PROHIBITED("SetUser"),
    CD_ONVIF_PROHIBITED("CreateUsers"),
    CD_ONVIF_PROHIBITED("DeleteUsers"),
    CD_ONVIF_PROHIBITED("SetRemoteUser"),
    CD_ONVIF_PROHIBITED("SystemReboot"),
    CD_ONVIF_PROHIBITED("SetSystemFactoryDefault"),
    CD_ONVIF_PROHIBITED("UpgradeSystemFirmware"),
    CD_ONVIF_PROHIBITED("StartFirmwareUpgrade"),
    CD_ONVIF_PROHIBITED("StartSystemRestore"),
    CD_ONVIF_PROHIBITED("RestoreSystem"),
    CD_ONVIF_PROHIBITED("GetSystemBackup"),
    CD_ONVIF_PROHIBITED("GetSystemLog"),
    CD_ONVIF_PROHIBITED("GetSystemSupportInformation"),
    CD_ONVIF_PROHIBITED("SetSystemDateAndTime"),
    CD_ONVIF_PROHIBITED("SetNetworkInterfaces"),
    CD_ONVIF_PROHIBITED("SetNetworkProtocols"),
    CD_ONVIF_PROHIBITED("SetNetworkDefaultGateway"),
    CD_ONVIF_PROHIBITED("SetZeroConfiguration"),
    CD_ONVIF_PROHIBITED("SetIPAddressFilter"),
    CD_ONVIF_PROHIBITED("AddIPAddressFilter"),
    CD_ONVIF_PROHIBITED("RemoveIPAddressFilter"),
    CD_ONVIF_PROHIBITED("SetDynamicDNS"),
    CD_ONVIF_PROHIBITED("SetDNS"),
    CD_ONVIF_PROHIBITED("SetNTP"),
    CD_ONVIF_PROHIBITED("SetHostname"),
    CD_ONVIF_PROHIBITED("SetHostnameFromDHCP"),
    CD_ONVIF_PROHIBITED("SetScopes"),
    CD_ONVIF_PROHIBITED("AddScopes"),
    CD_ONVIF_PROHIBITED("RemoveScopes"),
    CD_ONVIF_PROHIBITED("SetDiscoveryMode"),
    CD_ONVIF_PROHIBITED("SetRemoteDiscoveryMode"),
    CD_ONVIF_PROHIBITED("SetAccessPolicy"),
    CD_ONVIF_PROHIBITED("CreateCertificate"),
    CD_ONVIF_PROHIBITED("LoadCertificates"),
    CD_ONVIF_PROHIBITED("LoadCACertificates"),
    CD_ONVIF_PROHIBITED("DeleteCertificates"),
    CD_ONVIF_PROHIBITED("SetCertificatesStatus"),
    CD_ONVIF_PROHIBITED("SetClientCertificateMode"),
    CD_ONVIF_PROHIBITED("SetRelayOutputSettings"),
    CD_ONVIF_PROHIBITED("SetRelayOutputState"),
    CD_ONVIF_PROHIBITED("SendAuxiliaryCommand"),
    CD_ONVIF_PROHIBITED("SetDot1XConfiguration"),
    CD_ONVIF_PROHIBITED("CreateDot1XConfiguration"),
    CD_ONVIF_PROHIBITED("DeleteDot1XConfiguration"),
    CD_ONVIF_PROHIBITED("SetGeoLocation"),
    CD_ONVIF_PROHIBITED("DeleteGeoLocation"),
    CD_ONVIF_PROHIBITED("SetStorageConfiguration"),
    CD_ONVIF_PROHIBITED("CreateStorageConfiguration"),
    CD_ONVIF_PROHIBITED("DeleteStorageConfiguration"),
    CD_ONVIF_PROHIBITED("SetHashingAlgorithm"),
};

const CdOnvifService cd_onvif_device_service = {
    .ns = CD_SOAP_NS_DEVICE,
    .prefix = "tds",
    .path = CD_ONVIF_PATH_DEVICE,
    .operations = device_operations,
    .n_operations = G_N_ELEMENTS(device_operations),
    .append_capabilities = append_capabilities,
    .category = "Device",
    .append_category_capabilities = append_category_capabilities,
};
