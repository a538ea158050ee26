// SPDX-License-Identifier: LGPL-2.1-or-later
//
// cordon's web status page in Debian's headless Chromium, driven by playwright-core, for
// test-status-page.c, which runs cordon and its emulator cameras and spawns this script.
//
//   node check-page.js URL SHOT_DIR UP_CAMERA DOWN_CAMERA
//   environment: CORDON_ADMIN_USER, CORDON_ADMIN_PASSWORD (never on the command line);
//   CORDON_VIEWER_USER, the user of the one RTSP viewer (over TCP) the C side keeps on UP_CAMERA
//
// A line protocol with the C side: this script prints one line per phase on stdout and waits
// for the C side's next command on stdin:
//
//   -> READY live=2            the page shows both cameras live, thumbnails loaded, the viewer,
//                              screenshots
//   <- CAMERA_DOWN             the C side stopped DOWN_CAMERA's emulator
//   -> SAW_DOWN state=S        the page shows DOWN_CAMERA not live (S), UP_CAMERA still live
//   <- CAMERA_UP               the emulator is back
//   -> SAW_UP                  the page shows DOWN_CAMERA live again, with a new thumbnail
//   -> SAW_RESTART             the restart button of UP_CAMERA was answered 202, and the page
//                              shows one more reconnect and the camera live
//   <- CORDON_DOWN             the C side stopped cordon
//   -> SAW_BANNER              the page shows its "connection lost" banner
//   -> FAIL reason             (any time) an assertion failed; exit status 1
//
// Every wait is page.waitForFunction() with a deadline, never a sleep. Everything else
// (progress, the page's console) goes to stderr, which the C side shows on failure.
'use strict';

const path = require('path');
const readline = require('readline');
const {chromium} = require('playwright-core');

const WAIT_MS = 30000;
const CHROMIUM = process.env.CORDON_CHROMIUM || '/usr/bin/chromium';

const [url, shotDir, upCamera, downCamera] = process.argv.slice(2);
const credentials = {
	username: process.env.CORDON_ADMIN_USER || '',
	password: process.env.CORDON_ADMIN_PASSWORD || '',
};
const viewerUser = process.env.CORDON_VIEWER_USER || '';

class CheckFailed extends Error {}

function fail(message) {
	throw new CheckFailed(message);
}

function say(line) {
	process.stdout.write(`${line}\n`);
}

function note(line) {
	process.stderr.write(`check-page: ${line}\n`);
}

// ---- commands from the C side, one a line ----

const commands = [];
const commandWaiters = [];
let stdinClosed = false;

readline.createInterface({input: process.stdin}).on('line', (line) => {
	const waiter = commandWaiters.shift();
	if (waiter)
		waiter(line.trim());
	else
		commands.push(line.trim());
}).on('close', () => {
	stdinClosed = true;
	for (const waiter of commandWaiters.splice(0))
		waiter(null);
});

async function expectCommand(expected) {
	const line = commands.length > 0 ? commands.shift() :
		stdinClosed ? null : await new Promise((resolve) => commandWaiters.push(resolve));
	if (line !== expected)
		fail(`expected "${expected}" from the test, got ` +
		     (line === null ? 'end of input' : `"${line}"`));
}

// ---- what the page must never do ----

// phase: which errors are expected now (a camera down, cordon gone)
const watch = {phase: 'load', consoleErrors: [], foreignRequests: [], tolerated: 0};

function watchPage(page, origin) {
	page.on('request', (request) => {
		const requestUrl = new URL(request.url());
		// blob: URLs are the page's own thumbnails, of its own origin
		if (requestUrl.origin !== origin || requestUrl.username || requestUrl.password)
			watch.foreignRequests.push(request.url());
	});
	page.on('console', (message) => {
		note(`console ${message.type()}: ${message.text()}`);
		if (message.type() !== 'error')
			return;
		const where = message.location().url || '';
		// a thumbnail may be refused with 503, as the API says: before the camera's first
		// picture, while too many are being made, as its camera falls or restarts
		const busy = where.includes('/snapshot.jpg') && message.text().includes('503');
		const expected = busy || watch.phase === 'cordon-down';
		if (expected)
			watch.tolerated++;
		else
			watch.consoleErrors.push(`${message.text()} (${where})`);
	});
	page.on('pageerror', (error) => watch.consoleErrors.push(`uncaught: ${error.message}`));
}

function assertClean(when) {
	if (watch.consoleErrors.length > 0)
		fail(`${when}: console errors: ${watch.consoleErrors.join(' | ')}`);
	if (watch.foreignRequests.length > 0)
		fail(`${when}: requests to another origin: ${watch.foreignRequests.join(' ')}`);
}

// ---- what the page shows ----

// waits for fn(arg) in the page to be true; says what was on the page if it never is
async function waitInPage(page, what, fn, arg) {
	try {
		await page.waitForFunction(fn, arg, {timeout: WAIT_MS, polling: 200});
	} catch (error) {
		const cards = await page.evaluate(() => [...document.querySelectorAll('.card')].map(
			(card) => `${card.dataset.camera}: ${card.dataset.state}: ` +
				  card.querySelector('.card-body').innerText.replace(/\s+/g, ' ')))
			.catch(() => []);
		const banner = await page.evaluate(() => {
			const element = document.getElementById('banner');
			return element.hidden ? '(hidden)' : element.textContent;
		}).catch(() => '?');
		fail(`${what}: not within ${WAIT_MS} ms (${error.message.split('\n')[0]}); ` +
		     `banner: ${banner}; cards: ${cards.join(' || ')}`);
	}
}

// the card shows the state, and for a live camera the input's codec, size and rate
function cardShows({name, states, input}) {
	const card = document.querySelector(`.card[data-camera="${CSS.escape(name)}"]`);
	if (!card || card.hidden)
		return false;
	const state = card.querySelector('.state').textContent;
	if (!states.includes(card.dataset.state) || !states.includes(state))
		return false;
	const figures = /^H\.26[45] · \d+×\d+ · \d+(\.\d)?\sfps · /;
	return !input || figures.test(card.querySelector('.input').textContent);
}

// the URL of the thumbnail the card shows
function thumbSource(name) {
	const card = document.querySelector(`.card[data-camera="${CSS.escape(name)}"]`);
	const img = card && card.querySelector('.thumb img');
	return img ? img.src : '';
}

// the card's thumbnail is a decoded picture
function thumbLoaded(name) {
	const card = document.querySelector(`.card[data-camera="${CSS.escape(name)}"]`);
	const img = card && card.querySelector('.thumb img');
	return Boolean(img && !img.hidden && img.complete && img.naturalWidth > 0);
}

async function waitLive(page, names, thumbnails) {
	for (const name of names) {
		await waitInPage(page, `${name} shown live with its input`, cardShows,
				 {name, states: ['live'], input: true});
		if (thumbnails)
			await waitInPage(page, `${name}'s thumbnail loaded`, thumbLoaded, name);
	}
}

// the card lists the viewer: its user, a loopback address, TCP, and bytes sent
function viewerShown({name, user}) {
	const card = document.querySelector(`.card[data-camera="${CSS.escape(name)}"]`);
	if (!card)
		return false;
	const rows = [...card.querySelectorAll('.viewers tbody tr')];
	return card.querySelector('.viewers-summary').textContent === '1\u00a0viewer' &&
	       rows.length === 1 && rows.some((row) => {
		       const cells = [...row.children].map((cell) => cell.textContent);
		       return cells[0] === user && cells[1].startsWith('127.0.0.1:') &&
			      cells[2].startsWith('tcp') && /^[1-9][\d.]*\s[kMG]?B$/.test(cells[4]);
	       });
}

// the reconnects the card counts, -1 without a count
function reconnectsShown(name) {
	const card = document.querySelector(`.card[data-camera="${CSS.escape(name)}"]`);
	const match = card && /(\d+)\sreconnect/.exec(card.querySelector('.counters').textContent);
	return match ? Number(match[1]) : -1;
}

// it counts more reconnects than @before, and shows the camera live
function reconnectedLive({name, before}) {
	const card = document.querySelector(`.card[data-camera="${CSS.escape(name)}"]`);
	const match = card && /(\d+)\sreconnect/.exec(card.querySelector('.counters').textContent);
	return match !== null && Number(match[1]) > before && card.dataset.state === 'live';
}

async function assertHeader(page, live, total) {
	await waitInPage(page, `the header counting ${live}/${total} live`, ([l, t]) =>
		document.getElementById('daemon-live').textContent === `${l}/${t}` &&
		document.getElementById('updated').textContent !== 'never' &&
		document.getElementById('banner').hidden, [live, total]);
	const version = await page.textContent('#daemon-version');
	if (!version || version === '–')
		fail('the header shows no version');
}

async function screenshot(page, name) {
	const file = path.join(shotDir, `status-page-${name}.png`);
	await page.screenshot({path: file});
	note(`screenshot ${file}`);
}

// a phone: one column, no sideways scrolling, touch targets of at least 44 px
async function checkPhone(browser) {
	const context = await browser.newContext({
		viewport: {width: 390, height: 844},
		deviceScaleFactor: 2,
		isMobile: true,
		hasTouch: true,
		colorScheme: 'dark',
		httpCredentials: credentials,
	});
	const page = await context.newPage();
	watchPage(page, new URL(url).origin);
	await page.goto(url);
	await waitLive(page, [upCamera, downCamera], true);
	const layout = await page.evaluate(() => ({
		scrollWidth: document.documentElement.scrollWidth,
		lefts: [...document.querySelectorAll('.card')].map(
			(c) => c.getBoundingClientRect().left),
		buttons: [...document.querySelectorAll('button')].map(
			(b) => b.getBoundingClientRect().height),
	}));
	if (layout.scrollWidth > 390)
		fail(`phone: the page is ${layout.scrollWidth} px wide on a 390 px screen`);
	if (new Set(layout.lefts).size !== 1)
		fail(`phone: cards side by side (left edges ${layout.lefts.join(', ')})`);
	if (Math.min(...layout.buttons) < 44)
		fail(`phone: a button is ${Math.min(...layout.buttons)} px high, under 44`);
	await screenshot(page, 'phone');
	await context.close();
}

async function run(browser) {
	const origin = new URL(url).origin;
	const context = await browser.newContext({
		viewport: {width: 1920, height: 1080},
		colorScheme: 'dark',
		httpCredentials: credentials,
	});
	const page = await context.newPage();
	watchPage(page, origin);

	// loaded: both cameras live with their input, thumbnails, header
	const response = await page.goto(url);
	if (!response || response.status() !== 200)
		fail(`GET ${url}: ${response ? response.status() : 'no response'}`);
	await waitLive(page, [upCamera, downCamera], true);
	await assertHeader(page, 2, 2);
	await waitInPage(page, `${upCamera}'s viewer listed`, viewerShown,
			 {name: upCamera, user: viewerUser});
	await screenshot(page, 'desktop');
	await checkPhone(browser);
	assertClean('loading');
	say('READY live=2');

	// one camera down: shown not live, sorted first, its state over the picture
	await expectCommand('CAMERA_DOWN');
	watch.phase = 'camera-down';
	await waitInPage(page, `${downCamera} shown down`, cardShows,
			 {name: downCamera, states: ['stalled', 'backoff', 'connecting'],
			  input: false});
	await waitInPage(page, `${upCamera} still live`, cardShows,
			 {name: upCamera, states: ['live'], input: true});
	const down = await page.evaluate((name) => {
		const first = document.querySelector('.card:not([hidden])');
		const card = document.querySelector(`.card[data-camera="${CSS.escape(name)}"]`);
		const overlay = card.querySelector('.thumb-state');
		const img = card.querySelector('.thumb img');
		return {
			first: first.dataset.camera,
			state: card.dataset.state,
			overlay: overlay.hidden ? null : overlay.textContent,
			broken: !img.hidden && (!img.complete || img.naturalWidth === 0),
			problems: document.getElementById('daemon-problems').textContent,
		};
	}, downCamera);
	if (down.first !== downCamera)
		fail(`the camera down is not first: ${down.first} is`);
	if (down.overlay === null || down.overlay.length === 0)
		fail('no state over the thumbnail of the camera down');
	if (down.broken)
		fail('a broken thumbnail for the camera down');
	if (down.problems !== '1')
		fail(`the header counts ${down.problems} problems, not 1`);
	await screenshot(page, 'camera-down');
	say(`SAW_DOWN state=${down.state}`);

	// back: live again, with a fresh thumbnail
	const stalePicture = await page.evaluate(thumbSource, downCamera);
	await expectCommand('CAMERA_UP');
	watch.phase = 'camera-up';
	await waitLive(page, [downCamera, upCamera], true);
	await waitInPage(page, `a new thumbnail of ${downCamera}`, ([name, before]) => {
		const card = document.querySelector(`.card[data-camera="${CSS.escape(name)}"]`);
		const img = card && card.querySelector('.thumb img');
		return img !== null && img.src !== before && img.naturalWidth > 0 &&
		       !card.classList.contains('stale-picture');
	}, [downCamera, stalePicture]);
	await assertHeader(page, 2, 2);
	say('SAW_UP');

	// the restart button: confirm, POST, the answer shown, the camera live again
	page.once('dialog', (dialog) => {
		if (dialog.type() !== 'confirm' || !dialog.message().includes(upCamera))
			note(`unexpected dialog: ${dialog.type()} ${dialog.message()}`);
		dialog.accept();
	});
	const reconnects = await page.evaluate(reconnectsShown, upCamera);
	if (reconnects < 0)
		fail(`no reconnect count on ${upCamera}'s card`);
	const posted = page.waitForResponse((r) => r.request().method() === 'POST' &&
					       r.url().endsWith('/restart'), {timeout: WAIT_MS});
	await page.click(`.card[data-camera="${upCamera}"] .restart`);
	const answer = await posted;
	if (answer.status() !== 202)
		fail(`restart answered ${answer.status()}`);
	if (answer.request().headers()['content-type'] !== 'application/json')
		fail('restart posted without Content-Type: application/json');
	await waitInPage(page, 'the restart result shown', (name) => {
		const card = document.querySelector(`.card[data-camera="${CSS.escape(name)}"]`);
		return card !== null && card.querySelector('.result').dataset.kind === 'ok';
	}, upCamera);
	await waitInPage(page, `${upCamera} reconnected after the restart, live`,
			 reconnectedLive, {name: upCamera, before: reconnects});
	await waitLive(page, [upCamera], false);
	assertClean('camera down and up, restart');
	say('SAW_RESTART');

	// cordon gone: the banner
	await expectCommand('CORDON_DOWN');
	watch.phase = 'cordon-down';
	await waitInPage(page, 'the connection-lost banner', () => {
		const banner = document.getElementById('banner');
		return !banner.hidden && banner.textContent.startsWith('Connection lost') &&
		       getComputedStyle(banner).display !== 'none' &&
		       document.body.classList.contains('disconnected');
	});
	await screenshot(page, 'connection-lost');
	if (watch.foreignRequests.length > 0)
		fail(`requests to another origin: ${watch.foreignRequests.join(' ')}`);
	note(`${watch.tolerated} expected console error(s): thumbnails refused with 503, and ` +
	     'requests to cordon once stopped');
	say('SAW_BANNER');
}

async function main() {
	if (!url || !shotDir || !upCamera || !downCamera)
		fail('usage: check-page.js URL SHOT_DIR UP_CAMERA DOWN_CAMERA');
	const browser = await chromium.launch({
		executablePath: CHROMIUM,
		// as root in CI; no GPU; and nothing of Chromium's own traffic on a closed network
		args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
		       '--disable-component-update', '--disable-sync', '--no-first-run'],
	});
	try {
		await run(browser);
	} finally {
		await browser.close();
	}
}

main().then(() => process.exit(0), (error) => {
	say(`FAIL ${error instanceof CheckFailed ? error.message : error.stack || error}`);
	process.exit(1);
});
