#!/usr/bin/env node
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Drives one ONVIF device with the npm `onvif` client (agsh/onvif), the way a Node VMS or a
// home-automation bridge does, and prints what it learned. Used by tests/e2e/test-onvif-clients.c.
//
//   node onvif-probe.js HOSTNAME PORT USER PASSWORD [ws-security|http-digest] [--pin CERT.pem]
//
// ws-security (the default) lets the library sign every SOAP request with a WS-Security
// UsernameToken (PasswordDigest); http-digest turns that off, so the device challenges with
// HTTP Digest and the library answers it. The snapshot is fetched with HTTP Digest in both
// modes, with the library's own challenge parser and answer (Cam.digestAuth).
//
// --pin CERT.pem talks HTTPS (the library's useSecure), as a VMS that pinned the device's
// self-signed certificate: CERT.pem is the one trust anchor, and the peer's certificate must
// be that very one (its SHA-256 fingerprint) whatever names it carries; TLS 1.2 at least. The
// snapshot is fetched over HTTPS the same way. RTSP over HTTP is plain HTTP, which cordon does
// not hand to a client that came over TLS: that refusal is reported, not an error.
//
// Output on stdout, in the GLib key-file format (the C test reads it with GKeyFile; GLib has no
// JSON parser and the project takes no JSON library for one test):
//
//   [client]      library, node, auth
//   [device]      manufacturer, model, firmware, serial, hardware, media2 (GetServices said so),
//                 device-service, media-service, media2-service
//   [media2 N]    profile N as seen through Media2 (when the device offers it), then
//   [media N]     the same through Media (ver10): token, name, encoding, width, height, fps,
//                 bitrate, gov, stream-uri, stream-uri-http (or stream-uri-http-refused over
//                 TLS), snapshot-uri, snapshot-status, snapshot-type, snapshot-bytes,
//                 snapshot-jpeg (starts with FF D8 and ends with FF D9), and over TLS
//                 snapshot-tls (the protocol) and snapshot-fingerprint (the peer's); when the
//                 profile holds an audio encoder configuration: audio-token, audio-encoding,
//                 audio-bitrate, audio-samplerate
//   [audio]       when a Media ver10 profile has audio: what GetAudioSources,
//                 GetAudioEncoderConfigurations, GetAudioEncoderConfiguration and
//                 GetAudioEncoderConfigurationOptions say (sources, channels, configurations,
//                 token, encoding, bitrate, samplerate, options-encoding, options-bitrates,
//                 options-samplerates)
//   [tls]         with --pin: pinned (the fingerprint CERT.pem has)
//   [error]       stage, message: the first call that failed (the exit status is then 1)
//
// Only the address given is contacted, plus the snapshot URI the device hands out. Every call has
// a timeout, and the whole run is bounded by a watchdog.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const https = require('https');
const { Cam } = require('onvif');
const { getDigestHeaders } = require('onvif/lib/utils');
const onvifPackage = require('onvif/package.json');

const CALL_TIMEOUT_MS = 10000;
const RUN_TIMEOUT_MS = 60000;
const MAX_SNAPSHOT_BYTES = 8 * 1024 * 1024;

const groups = []; // [name, [[key, value], ...]] in order

function group(name) {
	const entries = [];
	groups.push([name, entries]);
	return (key, value) => entries.push([key, value]);
}

// GKeyFile value escapes: \\ \n \r \t, and \s for a leading space
function escapeValue(value) {
	const text = String(value === undefined || value === null ? '' : value)
		.replace(/\\/g, '\\\\')
		.replace(/\n/g, '\\n')
		.replace(/\r/g, '\\r')
		.replace(/\t/g, '\\t');
	return text.startsWith(' ') ? '\\s' + text.slice(1) : text;
}

function printReport() {
	let out = '';
	for (const [name, entries] of groups) {
		out += `[${name}]\n`;
		for (const [key, value] of entries)
			out += `${key}=${escapeValue(value)}\n`;
		out += '\n';
	}
	process.stdout.write(out);
}

class StageError extends Error {
	constructor(stage, cause) {
		super(cause && cause.message ? cause.message : String(cause));
		this.stage = stage;
	}
}

// the library's callback API as a promise; `stage` names the call in an error
function call(cam, stage, method, ...args) {
	return new Promise((resolve, reject) => {
		cam[method](...args, (err, result) => {
			if (err)
				reject(new StageError(stage, err));
			else
				resolve(result);
		});
	});
}

// --pin: trust CERT.pem alone, and check that the peer's certificate is it (by fingerprint,
// rather than by the names in it: a pinned self-signed certificate is known by its key)
function pinnedOptions(path) {
	const pem = fs.readFileSync(path, 'utf8');
	const pinned = new crypto.X509Certificate(pem).fingerprint256;
	return {
		pinned,
		options: {
			ca: pem,
			rejectUnauthorized: true,
			minVersion: 'TLSv1.2',
			checkServerIdentity: (host, cert) => cert.fingerprint256 === pinned ? undefined
				: new Error(`certificate ${cert.fingerprint256} is not the pinned ${pinned}`),
		},
	};
}

let secureOptions = null; // with --pin

function get(url, headers) {
	const lib = url.protocol === 'https:' ? https : http;
	const options = { headers, timeout: CALL_TIMEOUT_MS, agent: false };
	if (url.protocol === 'https:') {
		if (secureOptions === null)
			return Promise.reject(new Error(`${url.href}: https without --pin`));
		Object.assign(options, secureOptions);
	}
	return new Promise((resolve, reject) => {
		const req = lib.get(url, options, (res) => {
			const chunks = [];
			let length = 0;
			res.on('data', (chunk) => {
				length += chunk.length;
				if (length > MAX_SNAPSHOT_BYTES) {
					req.destroy(new Error(`more than ${MAX_SNAPSHOT_BYTES} bytes`));
					return;
				}
				chunks.push(chunk);
			});
			res.on('end', () => resolve({ res, body: Buffer.concat(chunks) }));
			res.on('error', reject);
		});
		req.on('timeout', () => req.destroy(new Error('timeout')));
		req.on('error', reject);
	});
}

// GET with HTTP Digest, answered by the library's own Cam.digestAuth
async function fetchSnapshot(cam, uri) {
	const url = new URL(uri);
	let { res, body } = await get(url, {});
	if (res.statusCode === 401) {
		const challenges = getDigestHeaders(res.rawHeaders);
		if (challenges.length === 0)
			throw new Error('401 without a Digest challenge');
		const authorization = cam.digestAuth(challenges, {
			method: 'GET',
			path: url.pathname + url.search,
		});
		({ res, body } = await get(url, { Authorization: authorization }));
	}
	const tls = typeof res.socket.getProtocol === 'function' ? res.socket.getProtocol() : null;
	const peer = tls !== null ? res.socket.getPeerCertificate().fingerprint256 : null;
	return { status: res.statusCode, type: res.headers['content-type'], body, tls, peer };
}

function isJpeg(body) {
	return body.length > 4 && body[0] === 0xff && body[1] === 0xd8 &&
		body[body.length - 2] === 0xff && body[body.length - 1] === 0xd9;
}

function text(value) {
	// xml2js leaves an element with attributes as {_: text, $: {...}}
	if (value && typeof value === 'object' && '_' in value)
		return value._;
	return value;
}

async function describeProfiles(cam, media) {
	const profiles = await call(cam, `${media} GetProfiles`, 'getProfiles');
	for (let i = 0; i < (profiles || []).length; i++) {
		const profile = profiles[i];
		const token = profile.$ && profile.$.token;
		const set = group(`${media} ${i}`);
		const encoder = profile.videoEncoderConfiguration || {};
		const resolution = encoder.resolution || {};
		const rate = encoder.rateControl || {};
		set('token', token);
		set('name', text(profile.name));
		set('encoding', text(encoder.encoding));
		set('width', resolution.width);
		set('height', resolution.height);
		set('fps', rate.frameRateLimit);
		set('bitrate', rate.bitrateLimit);
		// Media2 has GovLength as an attribute, Media ver10 in <H264>
		set('gov', (encoder.$ && encoder.$.GovLength) || (encoder.H264 && encoder.H264.govLength));
		const audio = profile.audioEncoderConfiguration;
		if (audio) {
			set('audio-token', audio.$ && audio.$.token);
			set('audio-encoding', text(audio.encoding));
			set('audio-bitrate', audio.bitrate);
			set('audio-samplerate', audio.sampleRate);
		}
		const stream = await call(cam, `${media} GetStreamUri ${token}`, 'getStreamUri',
			{ protocol: 'RTSP', profileToken: token });
		set('stream-uri', stream && stream.uri);
		// RTSP over HTTP: the library asks RtspOverHttp of Media2 and HTTP of Media ver10
		try {
			const tunnel = await call(cam, `${media} GetStreamUri HTTP ${token}`,
				'getStreamUri', { protocol: 'HTTP', profileToken: token });
			set('stream-uri-http', tunnel && tunnel.uri);
		} catch (err) {
			if (secureOptions === null)
				throw err;
			set('stream-uri-http-refused', err.message);
		}
		const snapshot = await call(cam, `${media} GetSnapshotUri ${token}`, 'getSnapshotUri',
			{ profileToken: token });
		set('snapshot-uri', snapshot && snapshot.uri);
		let picture;
		try {
			picture = await fetchSnapshot(cam, snapshot.uri);
		} catch (err) {
			throw new StageError(`${media} snapshot GET ${token}`, err);
		}
		set('snapshot-status', picture.status);
		set('snapshot-type', picture.type);
		set('snapshot-bytes', picture.body.length);
		set('snapshot-jpeg', isJpeg(picture.body));
		if (picture.tls !== null) {
			set('snapshot-tls', picture.tls);
			set('snapshot-fingerprint', picture.peer);
		}
	}
}

// a list as xml2js and linerase leave it: one item alone, more as an array
function items(list) {
	if (list === undefined || list === null)
		return '';
	const values = Array.isArray(list.items) ? list.items : [list.items];
	return values.map(text).join(' ');
}

// the library's Media ver10 audio calls; only asked of a device whose profiles have audio, for
// the library reads an empty list as an error of its own
async function describeAudio(cam) {
	const set = group('audio');
	const sources = await call(cam, 'GetAudioSources', 'getAudioSources');
	const source = Array.isArray(sources) ? sources[0] : sources;
	set('sources', Array.isArray(sources) ? sources.length : 1);
	set('channels', source && source.channels);
	const configs = await call(cam, 'GetAudioEncoderConfigurations',
		'getAudioEncoderConfigurations');
	const list = Array.isArray(configs) ? configs : [configs];
	set('configurations', list.length);
	const token = list[0] && list[0].$ && list[0].$.token;
	const config = await call(cam, `GetAudioEncoderConfiguration ${token}`,
		'getAudioEncoderConfiguration', token);
	set('token', config.$ && config.$.token);
	set('encoding', text(config.encoding));
	set('bitrate', config.bitrate);
	set('samplerate', config.sampleRate);
	const options = await call(cam, `GetAudioEncoderConfigurationOptions ${token}`,
		'getAudioEncoderConfigurationOptions', token);
	const option = options && options.options;
	set('options-encoding', option && text(option.encoding));
	set('options-bitrates', option && items(option.bitrateList));
	set('options-samplerates', option && items(option.sampleRateList));
}

async function main() {
	const [hostname, port, username, password, auth = 'ws-security', flag, pin] =
		process.argv.slice(2);
	if (password === undefined || !['ws-security', 'http-digest'].includes(auth) ||
	    (flag !== undefined && (flag !== '--pin' || pin === undefined))) {
		process.stderr.write('usage: onvif-probe.js HOSTNAME PORT USER PASSWORD ' +
			'[ws-security|http-digest] [--pin CERT.pem]\n');
		process.exit(2);
	}
	const client = group('client');
	client('library', `onvif ${onvifPackage.version}`);
	client('node', process.version);
	client('auth', auth);
	if (pin !== undefined) {
		const pinning = pinnedOptions(pin);
		secureOptions = pinning.options;
		group('tls')('pinned', pinning.pinned);
	}

	const cam = new Cam({
		hostname,
		port: Number(port),
		username,
		password,
		timeout: CALL_TIMEOUT_MS,
		autoconnect: false,
		useWSSecurity: auth === 'ws-security',
		useSecure: secureOptions !== null,
		secureOpts: secureOptions || {},
	});
	// connect() swallows media errors (a wrong password among them) into a warning
	const warnings = [];
	cam.on('warning', (warning) => warnings.push(String(warning)));
	await call(cam, 'connect', 'connect');
	const info = await call(cam, 'GetDeviceInformation', 'getDeviceInformation');
	const device = group('device');
	device('manufacturer', info.manufacturer);
	device('model', info.model);
	device('firmware', info.firmwareVersion);
	device('serial', info.serialNumber);
	device('hardware', info.hardwareId);
	device('media2', Boolean(cam.media2Support));
	for (const service of ['device', 'media', 'media2']) {
		const scheme = secureOptions !== null ? 'https' : 'http';
		const address = service === 'device' ? `${scheme}://${hostname}:${port}${cam.path}`
			: cam.uri && cam.uri[service] && cam.uri[service].href;
		device(`${service}-service`, address);
	}
	if (warnings.length > 0)
		device('warnings', warnings.join('; '));

	// through Media2 when the device offers it (what the library prefers), then through Media
	const media2 = Boolean(cam.media2Support);
	if (media2)
		await describeProfiles(cam, 'media2');
	cam.media2Support = false;
	await describeProfiles(cam, 'media');
	if ((cam.profiles || []).some((profile) => profile.audioEncoderConfiguration))
		await describeAudio(cam);
	cam.media2Support = media2;
}

const watchdog = setTimeout(() => {
	const error = group('error');
	error('stage', 'watchdog');
	error('message', `not done after ${RUN_TIMEOUT_MS} ms`);
	printReport();
	process.exit(1);
}, RUN_TIMEOUT_MS);

main().then(() => {
	clearTimeout(watchdog);
	printReport();
}, (err) => {
	clearTimeout(watchdog);
	const error = group('error');
	error('stage', err.stage || 'script');
	error('message', err.message);
	printReport();
	process.stderr.write(`onvif-probe: ${err.stage || 'script'}: ${err.stack || err}\n`);
	process.exitCode = 1;
});
