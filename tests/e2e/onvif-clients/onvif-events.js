#!/usr/bin/env node
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Drives one ONVIF device's event service with a third-party client library, the way a VMS
// that records on motion does, and prints what it saw line by line. Used by
// tests/e2e/test-onvif-events.c, which cuts and restores the camera as the stages come.
//
//   node onvif-events.js LIBRARY HOSTNAME PORT USER PASSWORD motion|nomotion
//
// LIBRARY: `onvif` (agsh/onvif: Cam, createPullPointSubscription, pullMessages, renew,
// unsubscribe) or `onvif-nvt` (OnvifManager.connect, then the camera's events module: its own
// SOAP, WS-Security and HTTP Digest, and its own XML parser). The two share no code.
//
// Lines on stdout, one fact each, flushed as they come:
//   library NAME VERSION
//   topics TOPIC...                  what GetEventProperties announced (concrete topics)
//   address URL                      the subscription's address
//   message TOPIC ITEM=VALUE OPERATION   every notification pulled, as the library parsed it
//   stage live                       video loss is false (and, with `motion`, motion was seen):
//                                    the test now cuts the camera
//   stage lost                       video loss became true: the test restores the camera
//   stage back                       video loss is false again
//   sync N                           messages after SetSynchronizationPoint
//   renew TIME                       the termination time Renew gave
//   unsubscribed
//   gone FAULT                       a pull after Unsubscribe: the fault the device gave
//   done
//   error STAGE MESSAGE              then the exit status is 1
//
// Only the address given is contacted, plus the subscription address the device hands out.
// Every call has a timeout, and the whole run is bounded by a watchdog.
'use strict';

const RUN_TIMEOUT_MS = 110000;
const CALL_TIMEOUT_MS = 70000;

function out(line) {
	process.stdout.write(line + '\n');
}

function fail(stage, error) {
	let text = error && error.message ? error.message : String(error);
	if (error && error.fault)
		text += ' ' + JSON.stringify(error.fault);
	out(`error ${stage} ${text.replace(/\s+/g, ' ')}`);
	process.exit(1);
}

// the notifications of a PullMessagesResponse, from its XML: topic, data item, operation
function messagesOf(xml) {
	const messages = [];
	for (const part of String(xml).split(/<[A-Za-z0-9_-]*:?NotificationMessage>/).slice(1)) {
		const topic = /<[^>]*Topic[^>]*>([^<]*)</.exec(part);
		const operation = /PropertyOperation="([A-Za-z]+)"/.exec(part);
		const data = /<[^>]*Data>\s*<[^>]*SimpleItem Name="([^"]+)" Value="([^"]+)"/.exec(part);
		if (topic && data)
			messages.push({
				topic: topic[1].trim(),
				item: `${data[1]}=${data[2]}`,
				operation: operation ? operation[1] : '',
			});
	}
	return messages;
}

function topicsOf(xml) {
	const found = [];
	for (const topic of ['tns1:VideoSource/SignalLoss', 'tns1:VideoSource/MotionAlarm',
			     'tns1:RuleEngine/CellMotionDetector/Motion']) {
		const leaf = topic.split('/').pop();
		if (new RegExp(`<[^>]*${leaf} [^>]*topic="true"`).test(String(xml)))
			found.push(topic);
	}
	return found;
}

// follows the stages from what is pulled, and says when one is reached
function tracker(expectMotion) {
	let stage = 'start';
	let live = false;
	let motion = false;
	return (messages) => {
		for (const m of messages) {
			out(`message ${m.topic} ${m.item} ${m.operation}`);
			if (m.topic.endsWith('/MotionAlarm') && m.item === 'State=true')
				motion = true;
			if (!m.topic.endsWith('/SignalLoss'))
				continue;
			const loss = m.item === 'State=true';
			if (stage === 'start') {
				live = !loss;
			} else if (stage === 'live' && loss) {
				stage = 'lost';
				out('stage lost');
			} else if (stage === 'lost' && !loss) {
				stage = 'back';
				out('stage back');
			}
		}
		if (stage === 'start' && live && (motion || !expectMotion)) {
			stage = 'live';
			out('stage live');
		}
		return stage;
	};
}

// ---- agsh/onvif ----

function promisify(cam, method, ...args) {
	return new Promise((resolve, reject) => {
		cam[method](...args, (error, result, xml) => (error ? reject(error) : resolve({ result, xml })));
	});
}

async function runOnvif(hostname, port, username, password, expectMotion) {
	const { Cam } = require('onvif');
	out(`library onvif ${require('onvif/package.json').version}`);
	const cam = new Cam({ hostname, port: Number(port), username, password,
			      timeout: CALL_TIMEOUT_MS, autoconnect: false });
	await promisify(cam, 'connect').catch((e) => fail('connect', e));
	const properties = await promisify(cam, 'getEventProperties')
		.catch((e) => fail('GetEventProperties', e));
	out(`topics ${topicsOf(properties.xml).join(' ')}`);
	const subscription = await promisify(cam, 'createPullPointSubscription')
		.catch((e) => fail('CreatePullPointSubscription', e));
	out(`address ${subscription.result.subscriptionReference.address.href}`);
	const track = tracker(expectMotion);
	let stage = 'start';
	while (stage !== 'back') {
		const pulled = await promisify(cam, 'pullMessages', { messageLimit: 10 })
			.catch((e) => fail('PullMessages', e));
		const messages = messagesOf(pulled.xml);
		const parsed = pulled.result && pulled.result.notificationMessage;
		const count = parsed === undefined ? 0 : Array.isArray(parsed) ? parsed.length : 1;
		if (count !== messages.length)
			fail('PullMessages', `the library parsed ${count} messages, the XML has ${messages.length}`);
		stage = track(messages);
	}
	const renewed = await promisify(cam, 'renew', {}).catch((e) => fail('Renew', e));
	out(`renew ${new Date(renewed.result.terminationTime).toISOString()}`);
	await promisify(cam, 'unsubscribe').catch((e) => fail('Unsubscribe', e));
	out('unsubscribed');
	// the library forgets the subscription on Unsubscribe: ask at its address by hand
	cam.events.subscription = subscription.result;
	await promisify(cam, 'pullMessages', { messageLimit: 1 })
		.then(() => fail('gone', 'a pull after Unsubscribe was answered'))
		.catch((e) => out(`gone ${String(e.message).replace(/\s+/g, ' ')}`));
}

// ---- onvif-nvt ----

async function runNvt(hostname, port, username, password, expectMotion) {
	const OnvifManager = require('onvif-nvt');
	out(`library onvif-nvt ${require('onvif-nvt/package.json').version}`);
	const camera = await OnvifManager.connect(hostname, Number(port), username, password)
		.catch((e) => fail('connect', e));
	const events = camera.events;
	if (!events)
		fail('connect', 'the library found no event service');
	const properties = await events.getEventProperties().catch((e) => fail('GetEventProperties', e));
	out(`topics ${topicsOf(properties.soap).join(' ')}`);
	const created = await events.createPullPointSubscription(null, '60000') // ms, as a string: the library's own check
		.catch((e) => fail('CreatePullPointSubscription', e));
	const reference = created.data.CreatePullPointSubscriptionResponse.SubscriptionReference;
	const subscription = { Address: reference.Address };
	out(`address ${subscription.Address}`);
	const track = tracker(expectMotion);
	let stage = 'start';
	while (stage !== 'back') {
		const pulled = await events.pullMessages(subscription, 'PT5S', 10)
			.catch((e) => fail('PullMessages', e));
		const response = pulled.data.PullMessagesResponse;
		const parsed = response.NotificationMessage;
		const count = parsed === undefined ? 0 : Array.isArray(parsed) ? parsed.length : 1;
		const messages = messagesOf(pulled.soap);
		if (count !== messages.length)
			fail('PullMessages', `the library parsed ${count} messages, the XML has ${messages.length}`);
		stage = track(messages);
	}
	// the library's own requests, addressed with wsa:To to the subscription
	await events.buildRequest('SetSynchronizationPoint', null, subscription)
		.catch((e) => fail('SetSynchronizationPoint', e));
	const synced = await events.pullMessages(subscription, 'PT1S', 10)
		.catch((e) => fail('PullMessages', e));
	out(`sync ${messagesOf(synced.soap).filter((m) => m.operation === 'Initialized').length}`);
	const renewed = await events.buildRequest('Renew', '<tev:TerminationTime>PT120S</tev:TerminationTime>',
						  subscription).catch((e) => fail('Renew', e));
	out(`renew ${renewed.data.RenewResponse.TerminationTime}`);
	await events.buildRequest('Unsubscribe', null, subscription).catch((e) => fail('Unsubscribe', e));
	out('unsubscribed');
	await events.pullMessages(subscription, 'PT1S', 1)
		.then(() => fail('gone', 'a pull after Unsubscribe was answered'))
		.catch((e) => out(`gone ${e && e.statusCode ? e.statusCode : e.message}`));
}

async function main() {
	const [library, hostname, port, username, password, motion] = process.argv.slice(2);
	setTimeout(() => fail('watchdog', `still running after ${RUN_TIMEOUT_MS} ms`), RUN_TIMEOUT_MS).unref();
	const run = library === 'onvif-nvt' ? runNvt : runOnvif;
	await run(hostname, port, username, password, motion === 'motion');
	out('done');
	process.exit(0);
}

main().catch((e) => fail('run', e));
