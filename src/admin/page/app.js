// SPDX-License-Identifier: LGPL-2.1-or-later
//
// cordon's status page: polls the admin API (/api/v1/cameras and /api/v1/daemon) every
// POLL_MS, keeps one card per camera up to date in place, loads each visible live camera's
// thumbnail (/api/v1/cameras/NAME/snapshot.jpg?profile=sub) every THUMB_MS, and posts a
// camera restart on request. No framework, no build step, nothing from another origin.
//
// Every string from the API (names, locations, errors, users) is data: it reaches the page
// through textContent, an attribute or a URL path segment, never through innerHTML.
// The login is the browser's own HTTP Digest/Basic prompt on the page itself; fetch() sends
// the same credentials (credentials: 'same-origin'). No credential is held here.
// A module (index.html loads it with type="module"): strict, deferred, and nothing global.

const POLL_MS = 2000;
const REQUEST_TIMEOUT_MS = 5000;
const THUMB_MS = 4000;
const THUMB_PARALLEL = 3;
const THUMB_TIMEOUT_MS = 8000;

// severity, for "problems first": lower sorts first
const STATES = {
	'auth-failed': {label: 'auth failed', severity: 0, problem: true},
	'rejected': {label: 'rejected', severity: 0, problem: true},
	'stalled': {label: 'stalled', severity: 1, problem: true},
	'backoff': {label: 'backoff', severity: 1, problem: true},
	'connecting': {label: 'connecting', severity: 2, problem: true},
	'live': {label: 'live', severity: 3, problem: false},
	'disabled': {label: 'disabled', severity: 4, problem: false},
};
const UNKNOWN_STATE = {label: 'unknown', severity: 2, problem: true};

const $ = (id) => document.getElementById(id);
const grid = $('grid');
const template = $('card-template');
const cards = new Map(); // camera name -> Card, in no order
const view = {
	problemsOnly: false,
	compact: false,
	search: '',
};
const connection = {
	lastOk: null,       // Date of the last good poll
	fetchedAt: 0,       // performance.now() of the last good poll
	failingSince: null, // Date of the first failed poll in a row
	retryAt: 0,         // performance.now() before which nothing is asked (429)
};
let cameraOrder = []; // names in file order, as the API lists them
let thumbsInFlight = 0;
let thumbSerial = 0; // makes each thumbnail's URL new

// ---- formatting ----

const isNumber = (value) => typeof value === 'number' && Number.isFinite(value);

function formatDuration(seconds) {
	if (!isNumber(seconds) || seconds < 0)
		return '–';
	const s = Math.floor(seconds);
	if (s < 60)
		return `${s}${NBSP}s`;
	const minutes = Math.floor(s / 60);
	if (minutes < 60)
		return `${minutes}${NBSP}min`;
	const hours = Math.floor(minutes / 60);
	if (hours < 24)
		return `${hours}${NBSP}h ${minutes % 60}${NBSP}min`;
	return `${Math.floor(hours / 24)}${NBSP}d ${hours % 24}${NBSP}h`;
}

function formatBitrate(bps) {
	if (!isNumber(bps))
		return '–';
	const mbit = bps / 1e6;
	if (mbit === 0)
		return `0${NBSP}Mbit/s`;
	if (mbit >= 10)
		return `${mbit.toFixed(1)}${NBSP}Mbit/s`;
	if (mbit >= 0.1)
		return `${mbit.toFixed(2)}${NBSP}Mbit/s`;
	return `${(bps / 1e3).toFixed(0)}${NBSP}kbit/s`;
}

function formatFps(fps) {
	if (!isNumber(fps))
		return `–${NBSP}fps`;
	return `${fps >= 10 ? fps.toFixed(0) : fps.toFixed(1)}${NBSP}fps`;
}

function formatSize(width, height) {
	if (!isNumber(width) || !isNumber(height) || width <= 0 || height <= 0)
		return '–×–';
	return `${width}×${height}`;
}

function formatBytes(bytes) {
	if (!isNumber(bytes))
		return '–';
	const units = ['B', 'kB', 'MB', 'GB', 'TB'];
	let value = bytes;
	let unit = 0;
	while (value >= 1000 && unit < units.length - 1) {
		value /= 1000;
		unit++;
	}
	return `${unit === 0 ? value : value.toFixed(value >= 100 ? 0 : 1)}${NBSP}${units[unit]}`;
}

function formatClock(date) {
	return date.toLocaleTimeString([], {hour: '2-digit', minute: '2-digit',
					    second: '2-digit', hourCycle: 'h23'});
}

// figures and their units stay on one line: a card wraps between figures only
const NBSP = '\u00a0';

function plural(count, one, many) {
	return `${count}${NBSP}${count === 1 ? one : many}`;
}

// seconds since an RFC 3339 time, by this browser's clock; null when unknown
function secondsSince(stamp) {
	const at = Date.parse(stamp);
	return Number.isNaN(at) ? null : Math.max(0, (Date.now() - at) / 1000);
}

// how long a state has lasted now: the server's figure plus the time since it was taken,
// so that a skewed browser clock does not matter
function stateSeconds(camera) {
	if (!isNumber(camera.state_seconds))
		return secondsSince(camera.state_since);
	return camera.state_seconds + (performance.now() - connection.fetchedAt) / 1000;
}

const stateOf = (camera) => STATES[camera.state] || UNKNOWN_STATE;

// ---- the API ----

class ApiError extends Error {
	constructor(kind, message, status = 0) {
		super(message);
		this.kind = kind; // 'network', 'auth', 'busy', 'http'
		this.status = status;
	}
}

async function errorMessage(response) {
	try {
		const body = await response.json();
		if (body && body.error && typeof body.error.message === 'string')
			return body.error.message;
	} catch (e) {
		// not JSON: the status line says enough
	}
	return `HTTP ${response.status} ${response.statusText}`.trim();
}

function retryAfterMs(response) {
	const seconds = Number.parseInt(response.headers.get('Retry-After') || '', 10);
	return (Number.isNaN(seconds) ? 5 : Math.min(Math.max(seconds, 1), 60)) * 1000;
}

async function request(path, options = {}) {
	const abort = new AbortController();
	const timer = setTimeout(() => abort.abort(), options.timeout || REQUEST_TIMEOUT_MS);
	let response;
	try {
		response = await fetch(path, {
			method: options.method || 'GET',
			headers: options.headers || {'Accept': 'application/json'},
			body: options.body,
			credentials: 'same-origin',
			cache: 'no-store',
			redirect: 'error',
			signal: abort.signal,
		});
	} catch (e) {
		throw new ApiError('network', abort.signal.aborted ? 'no answer' : 'unreachable');
	} finally {
		clearTimeout(timer);
	}
	if (response.status === 401)
		throw new ApiError('auth', await errorMessage(response), 401);
	if (response.status === 429) {
		connection.retryAt = performance.now() + retryAfterMs(response);
		throw new ApiError('busy', await errorMessage(response), 429);
	}
	if (!response.ok)
		throw new ApiError('http', await errorMessage(response), response.status);
	return response;
}

async function getJson(path) {
	const response = await request(path);
	try {
		return await response.json();
	} catch (e) {
		throw new ApiError('http', `${path}: not JSON`, response.status);
	}
}

// a path segment; cordon's camera names need no escaping, but a name is data all the same
const cameraPath = (name) => `/api/v1/cameras/${encodeURIComponent(name)}`;

// ---- one card per camera ----

class Card {
	constructor(name) {
		const root = template.content.firstElementChild.cloneNode(true);
		const find = (selector) => root.querySelector(selector);

		this.name = name;
		this.camera = null;
		this.root = root;
		this.img = find('.thumb img');
		this.placeholder = find('.thumb-placeholder');
		this.thumbState = find('.thumb-state');
		this.nameEl = find('.name');
		this.locationEl = find('.location');
		this.stateEl = find('.state');
		this.sinceEl = find('.since');
		this.errorEl = find('.error');
		this.inputEl = find('.input');
		this.qualityEl = find('.quality');
		this.profilesEl = find('.profiles');
		this.countersEl = find('.counters');
		this.viewersEl = find('.viewers');
		this.viewersSummary = find('.viewers-summary');
		this.viewersBody = find('.viewers tbody');
		this.restartButton = find('.restart');
		this.resultEl = find('.result');

		this.visible = false;
		this.thumbLoading = false;
		this.thumbAt = -Infinity; // performance.now() of the last load's start
		this.hasPicture = false;  // this.img shows a picture
		this.restarting = false;

		root.dataset.camera = name;
		this.nameEl.textContent = name;
		this.nameEl.title = name; // in full, where the compact view cuts it
		this.restartButton.setAttribute('aria-label', `Restart camera ${name}`);
		this.restartButton.addEventListener('click', () => this.restart());
		// an empty list does not open
		this.viewersSummary.addEventListener('click', (event) => {
			if (this.viewersEl.classList.contains('none'))
				event.preventDefault();
		});
		thumbObserver.observe(root);
	}

	update(camera) {
		const state = stateOf(camera);
		const label = state.label;

		this.camera = camera;
		this.root.dataset.state = STATES[camera.state] ? camera.state : 'unknown';
		this.root.classList.toggle('problem', state.problem);
		setText(this.locationEl, camera.location);
		this.stateEl.textContent = label;
		this.sinceEl.textContent = `${label} for ${formatDuration(stateSeconds(camera))}`;
		this.sinceEl.title = camera.state_since ? `since ${camera.state_since}` : '';
		const error = camera.last_error;
		setText(this.errorEl, error ? `Last error: ${error}` : null);
		this.updateInput(camera.input);
		this.updateProfiles(camera.profiles);
		this.countersEl.textContent = [
			plural(camera.reconnects || 0, 'reconnect', 'reconnects'),
			plural(camera.stalls || 0, 'stall', 'stalls'),
			`slate${NBSP}${formatDuration(camera.slate_seconds || 0)}`,
		].join(' · ');
		this.updateViewers(Array.isArray(camera.viewers) ? camera.viewers : []);
		this.updateThumbState(camera, label);
		this.restartButton.disabled = this.restarting || camera.enabled === false;
	}

	updateInput(input) {
		if (!input || (!input.codec && !input.width)) {
			this.inputEl.textContent = 'nothing received yet';
			this.qualityEl.textContent = '–';
			return;
		}
		this.inputEl.textContent = [
			input.codec || '–',
			formatSize(input.width, input.height),
			formatFps(input.fps),
			formatBitrate(input.bitrate_bps),
		].join(' · ');
		const packets = input.rtp_packets || 0;
		const lost = input.rtp_packets_lost || 0;
		const loss = packets + lost > 0 ? (100 * lost) / (packets + lost) : 0;
		const jitterMs = input.rtp_jitter_ms;
		const jitter = isNumber(jitterMs) ? jitterMs.toFixed(1) : '–';
		this.qualityEl.textContent = [
			`loss${NBSP}${loss.toFixed(loss > 0 && loss < 0.1 ? 2 : 1)}${NBSP}%`,
			`jitter${NBSP}${jitter}${NBSP}ms`,
			plural(input.damaged_frames || 0, 'damaged frame', 'damaged frames'),
		].join(' · ');
	}

	// two items at most, and nothing in them to keep: made anew each time
	updateProfiles(profiles) {
		const list = Array.isArray(profiles) ? profiles : [];
		const items = list.map((profile) => {
			const item = document.createElement('li');
			const name = document.createElement('span');
			const figures = document.createElement('span');
			const output = profile.output || {};

			item.dataset.profile = String(profile.profile);
			name.className = 'profile-name';
			name.textContent = String(profile.profile);
			figures.className = 'profile-figures';
			figures.textContent = [
				formatSize(profile.width, profile.height),
				formatFps(output.fps),
				formatBitrate(output.bitrate_bps),
				plural(profile.viewers || 0, 'viewer', 'viewers'),
			].join(' · ');
			item.append(name, figures);
			return item;
		});
		if (items.length === 0) {
			const item = document.createElement('li');
			item.textContent = 'not served';
			items.push(item);
		}
		this.profilesEl.replaceChildren(...items);
	}

	updateViewers(viewers) {
		this.viewersSummary.textContent = plural(viewers.length, 'viewer', 'viewers');
		this.viewersEl.classList.toggle('none', viewers.length === 0);
		if (viewers.length === 0)
			this.viewersEl.open = false;
		const rows = viewers.map((viewer) => {
			const row = document.createElement('tr');
			const since = secondsSince(viewer.since);
			const how = [viewer.transport, viewer.profile].filter(Boolean).join(', ');
			const cells = [
				viewer.user || '(not logged in)',
				viewerAddress(viewer),
				how || '–',
				since === null ? '–' : formatDuration(since),
				formatBytes(viewer.bytes_sent),
			];
			for (const text of cells) {
				const cell = document.createElement('td');
				cell.textContent = text;
				row.append(cell);
			}
			if (viewer.since)
				row.children[3].title = viewer.since;
			return row;
		});
		this.viewersBody.replaceChildren(...rows);
	}

	// over the picture: nothing while live, else the state (over the last picture, dimmed)
	updateThumbState(camera, label) {
		const live = camera.state === 'live';
		this.root.classList.toggle('stale-picture', !live && this.hasPicture);
		setText(this.thumbState, live ? null : label);
		if (!this.hasPicture)
			this.placeholder.textContent = live ? 'Loading picture…' : 'No picture';
	}

	async restart() {
		const name = this.name;
		if (!window.confirm(`Restart camera "${name}"?\n\nIts viewers lose the picture ` +
				    'for a few seconds while cordon connects to it again.'))
			return;
		this.restarting = true;
		this.restartButton.disabled = true;
		this.showResult('Restarting…', 'pending');
		try {
			await request(`${cameraPath(name)}/restart`, {
				method: 'POST',
				headers: {'Accept': 'application/json',
					  'Content-Type': 'application/json'},
				body: '{}',
			});
			this.showResult(`Restart requested at ${formatClock(new Date())}`, 'ok');
		} catch (e) {
			this.showResult(`Restart failed: ${e.message}`, 'failed');
		} finally {
			this.restarting = false;
			this.restartButton.disabled = this.camera && this.camera.enabled === false;
		}
	}

	showResult(text, kind) {
		this.resultEl.textContent = text;
		this.resultEl.dataset.kind = kind;
	}

	// ---- the thumbnail ----

	wantsThumb(now) {
		return this.visible && !this.thumbLoading && this.camera !== null &&
		       this.camera.state === 'live' && now - this.thumbAt >= THUMB_MS;
	}

	// a new URL each time (the server lets the extra parameter be): a fresh picture, never
	// the browser's cached one
	snapshotPath() {
		const profiles = Array.isArray(this.camera.profiles) ? this.camera.profiles : [];
		const sub = profiles.some((profile) => profile.profile === 'sub');
		thumbSerial++;
		return `${cameraPath(this.name)}/snapshot.jpg?${sub ? 'profile=sub&' : ''}` +
		       `t=${thumbSerial}`;
	}

	// loaded and decoded off screen, then swapped in: a failed or bad picture never
	// replaces a good one, nor shows as a broken image. An <img>, not fetch(): the
	// Content-Security-Policy allows images from 'self' only, not blob: URLs
	async loadThumb() {
		const next = new Image();
		let timer = 0;

		this.thumbLoading = true;
		this.thumbAt = performance.now();
		thumbsInFlight++;
		next.alt = '';
		next.decoding = 'async';
		try {
			next.src = this.snapshotPath();
			await Promise.race([next.decode(), new Promise((resolve, reject) => {
				timer = setTimeout(() => reject(new Error('no answer')),
						   THUMB_TIMEOUT_MS);
			})]);
			if (next.naturalWidth > 0)
				this.showPicture(next);
		} catch (e) {
			// no picture this time (not live any more, busy, gone): keep the last one
			next.removeAttribute('src');
		} finally {
			clearTimeout(timer);
			this.thumbLoading = false;
			thumbsInFlight--;
		}
	}

	showPicture(next) {
		this.img.replaceWith(next);
		this.img = next;
		this.hasPicture = true;
		this.placeholder.hidden = true;
		if (this.camera !== null)
			this.updateThumbState(this.camera, stateOf(this.camera).label);
	}

	remove() {
		thumbObserver.unobserve(this.root);
		this.root.remove();
	}
}

function viewerAddress(viewer) {
	if (!viewer.address)
		return '–';
	const address = String(viewer.address);
	if (!viewer.port)
		return address;
	return address.includes(':') ? `[${address}]:${viewer.port}` : `${address}:${viewer.port}`;
}

// text, or hidden when there is none
function setText(element, text) {
	const has = text !== null && text !== undefined && text !== '';
	element.textContent = has ? String(text) : '';
	element.hidden = !has;
}

const thumbObserver = new IntersectionObserver((entries) => {
	for (const entry of entries) {
		const card = cards.get(entry.target.dataset.camera);
		if (card)
			card.visible = entry.isIntersecting;
	}
	pumpThumbs();
}, {rootMargin: '200px 0px'});

// starts the loads that are due, oldest first, at most THUMB_PARALLEL at once and never two
// for one camera
function pumpThumbs() {
	const now = performance.now();
	if (document.hidden || now < connection.retryAt || connection.failingSince !== null)
		return;
	const due = [...cards.values()].filter((card) => card.wantsThumb(now));
	due.sort((a, b) => a.thumbAt - b.thumbAt);
	for (const card of due) {
		if (thumbsInFlight >= THUMB_PARALLEL)
			break;
		card.loadThumb().then(pumpThumbs);
	}
}

// ---- the whole page ----

function matchesView(camera) {
	if (view.problemsOnly && !stateOf(camera).problem)
		return false;
	if (view.search === '')
		return true;
	const haystack = `${camera.name} ${camera.location || ''}`.toLowerCase();
	return haystack.includes(view.search);
}

// problems first (worst first), then file order
function sortedCameras(cameras) {
	const index = new Map(cameraOrder.map((name, i) => [name, i]));
	return [...cameras].sort((a, b) => (stateOf(a).severity - stateOf(b).severity) ||
					   (index.get(a.name) - index.get(b.name)));
}

function renderCameras(cameras) {
	const names = new Set(cameras.map((camera) => camera.name));
	for (const [name, card] of cards) {
		if (!names.has(name)) {
			card.remove();
			cards.delete(name);
		}
	}
	cameraOrder = cameras.map((camera) => camera.name);
	const sorted = sortedCameras(cameras);
	sorted.forEach((camera, i) => {
		let card = cards.get(camera.name);
		if (!card) {
			card = new Card(camera.name);
			cards.set(camera.name, card);
		}
		card.update(camera);
		card.root.hidden = !matchesView(camera);
		// moved only when out of place: a moved node keeps its picture and open lists
		if (grid.children[i] !== card.root)
			grid.insertBefore(card.root, grid.children[i] || null);
	});
	renderEmpty(cameras);
	pumpThumbs();
}

function renderEmpty(cameras) {
	const shown = cameras.filter(matchesView).length;
	const empty = $('empty');
	if (cameras.length === 0)
		setText(empty, 'No camera is configured.');
	else if (shown > 0)
		setText(empty, null);
	else if (view.problemsOnly && view.search === '')
		setText(empty, `No problems: all ${plural(cameras.length, 'camera', 'cameras')} ` +
			       'are live or disabled.');
	else
		setText(empty, 'No camera matches.');
}

function renderDaemon(daemon, cameras) {
	const problems = cameras.filter((camera) => stateOf(camera).problem).length;
	const live = isNumber(daemon.live) ? daemon.live :
		cameras.filter((camera) => camera.state === 'live').length;
	const total = isNumber(daemon.cameras) ? daemon.cameras : cameras.length;

	$('daemon-live').textContent = `${live}/${total}`;
	$('daemon-problems').textContent = String(problems);
	$('figure-problems').classList.toggle('bad', problems > 0);
	$('figure-live').classList.toggle('good', total > 0 && live === total);
	$('daemon-viewers').textContent = isNumber(daemon.viewers) ? String(daemon.viewers) : '–';
	$('daemon-uptime').textContent = formatDuration(daemon.uptime_seconds);
	$('daemon-version').textContent = daemon.version ? String(daemon.version) : '–';
	// [server] site, when the API names it
	$('host').textContent = typeof daemon.site === 'string' && daemon.site !== '' ?
		`${daemon.site} · ${window.location.host}` : window.location.host;
	const warning = problems > 0 ? `⚠ ${problems} · ` : '';
	document.title = `${warning}${live}/${total} live · cordon`;
}

function renderConnection(error) {
	const banner = $('banner');
	document.body.classList.toggle('disconnected', error !== null);
	if (error === null) {
		connection.failingSince = null;
		banner.hidden = true;
		banner.textContent = '';
		$('updated').textContent = formatClock(connection.lastOk);
		return;
	}
	if (connection.failingSince === null)
		connection.failingSince = new Date();
	const figures = connection.lastOk ?
		`the figures shown are from ${formatClock(connection.lastOk)}` :
		'nothing could be read yet';
	let text;
	if (error.kind === 'auth')
		text = 'Not logged in: reload the page to log in again.';
	else if (error.kind === 'busy')
		text = `cordon asks to slow down (${error.message}); ${figures}.`;
	else if (error.kind === 'network')
		text = `Connection lost: cordon has not answered since ` +
		       `${formatClock(connection.failingSince)}; ${figures}. Retrying…`;
	else
		text = `cordon answered with an error: ${error.message}; ${figures}. Retrying…`;
	// only on change: a screen reader hears it once, not every poll
	if (banner.textContent !== text)
		banner.textContent = text;
	banner.dataset.kind = error.kind;
	banner.hidden = false;
}

async function poll() {
	try {
		const [list, daemon] = await Promise.all([
			getJson('/api/v1/cameras'),
			getJson('/api/v1/daemon'),
		]);
		const named = (camera) => camera && typeof camera.name === 'string';
		const cameras = Array.isArray(list.cameras) ? list.cameras.filter(named) : [];
		connection.fetchedAt = performance.now();
		connection.lastOk = new Date();
		renderConnection(null);
		renderCameras(cameras);
		renderDaemon(daemon || {}, cameras);
	} catch (error) {
		renderConnection(error instanceof ApiError ? error :
				 new ApiError('http', String(error && error.message)));
	}
	const wait = Math.max(POLL_MS, connection.retryAt - performance.now());
	setTimeout(poll, wait);
}

// ---- the toolbar ----

// the view's choices outlive a reload; a browser that keeps no storage just forgets them
function storage(what, key, value) {
	try {
		if (what === 'get')
			return window.localStorage.getItem(key);
		window.localStorage.setItem(key, value);
	} catch (e) {
		// storage refused: nothing to keep
	}
	return null;
}

// a wall screen without keyboard opens the page as /#compact,problems
const hashFlags = new Set(window.location.hash.slice(1).split(','));

function setupToggle(id, key, flag) {
	const button = $(id);
	const stored = hashFlags.has(flag) || storage('get', `cordon.${key}`) === 'true';
	const apply = (on) => {
		view[key] = on;
		button.setAttribute('aria-pressed', String(on));
		document.body.classList.toggle(`view-${key}`, on);
	};
	apply(stored);
	button.addEventListener('click', () => {
		apply(!view[key]);
		storage('set', `cordon.${key}`, String(view[key]));
		refreshView();
	});
}

// the view changed, not the data: show and hide the cards there are
function refreshView() {
	const cameras = [...cards.values()].map((card) => card.camera).filter(Boolean);
	for (const card of cards.values()) {
		if (card.camera)
			card.root.hidden = !matchesView(card.camera);
	}
	renderEmpty(cameras);
}

function start() {
	$('host').textContent = window.location.host;
	setupToggle('problems-only', 'problemsOnly', 'problems');
	setupToggle('compact', 'compact', 'compact');
	$('search').addEventListener('input', (event) => {
		view.search = event.target.value.trim().toLowerCase();
		refreshView();
	});
	document.addEventListener('visibilitychange', pumpThumbs);
	setInterval(pumpThumbs, 1000);
	poll();
}

start();
