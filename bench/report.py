# SPDX-License-Identifier: LGPL-2.1-or-later
"""Turns run-bench.py's figures into bench/RESULTS.md. The section between the analysis
markers of an existing RESULTS.md is written by hand and kept as it is."""

import datetime
import os
import platform
import re
import statistics
import subprocess

ANALYSIS_BEGIN = "<!-- analysis: kept when the benchmark rewrites this file -->"
ANALYSIS_END = "<!-- end of analysis -->"
FULL_RATE = 29.5
OBSERVE_SETTLE = 2.0  # run-bench.py's OBSERVE_SETTLE_S
ENDED_THREADS = "(ended threads)"  # run-bench.py's
# what run-bench.py runs by default: anything else is a partial run
ALL_PHASES = "cost,session,max,memory,h265,quality,identity,observe,extras"
OBSERVE_HEADING = "## Watching cordon: a status page and a Prometheus scrape"
EXTRAS_HEADING = "## Audio and motion: what they cost per camera"
# the issue 20 target: audio and motion together at most this share of a camera's CPU
EXTRAS_TARGET = 0.05

CONTENDERS = {
    "floor": "gst-launch-1.0 rtspsrc ! cordon's decode template ! x264enc ! fakesink",
    "ffmpeg": "ffmpeg -rtsp_transport tcp ... -c:v libx264 ... -f null",
    "cordon-identical": "cordon, encoder settings identical to the floor's",
    "cordon-default": "cordon, default settings (pipelines/encode-x264.pipeline), main profile "
                      "alone (sub=off)",
    "cordon-sub": "cordon-default with the sub profile on (640x360, at most 15 fps, 512 kbit/s): "
                  "one decode, two encodes",
    "cordon-proposed": "cordon, default settings but the next step down x264's speed/quality "
                       "curve from the default: motion search range 12 instead of 16 "
                       "(`option-string=partitions=none:merange=12`, else as default)",
}


def median_range(values, fmt="{:.3f}"):
    values = [v for v in values if v is not None]
    if not values:
        return "n/a"
    text = fmt.format(statistics.median(values))
    if len(values) > 1:
        text += f" ({fmt.format(min(values))}–{fmt.format(max(values))})"
    return text


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def shell(argv):
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=20).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def machine():
    model = ""
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as meminfo:
        mem = int(meminfo.readline().split()[1]) / 1024 / 1024
    debian = ""
    if os.path.exists("/etc/debian_version"):
        with open("/etc/debian_version") as version:
            debian = version.read().strip()
    packages = shell(["dpkg-query", "-W", "-f", "${Package} ${Version}\\n", "libx264-164",
                      "libx265-199", "gstreamer1.0-plugins-ugly", "gstreamer1.0-libav",
                      "libgstrtspserver-1.0-0", "ffmpeg"])
    return (f"{os.cpu_count()} × {model}, {mem:.1f} GiB RAM, Linux {platform.release()}, "
            f"Debian {debian}"), packages.replace("\n", "; ")


def window_values(results, key, field, index=0):
    return [w[field][index] for w in results["windows"].get(key, [])
            if w[field] and len(w[field]) > index]


def fps_text(results, key):
    values = [min((f for f in w["fps"] if f is not None), default=None)
              for w in results["windows"].get(key, [])]
    return median_range(values, "{:.1f}")


def cost_table(results, codec, names, ssim):
    rows = ["| contender | CPU cores per camera | RSS MiB | frames/s | SSIM (all / Y) | "
            "pictures lost / repeated | foreign load, cores |",
            "|---|---|---|---|---|---|---|"]
    for name in names:
        key = f"{codec}/{name}"
        if key not in results["windows"]:
            continue
        quality = ssim.get(name) if codec == "h264" else None
        if quality and "all" in quality:
            quality_text = f"{quality['all']:.4f} / {quality['y']:.4f}"
        else:
            quality_text = "n/a" if not quality else quality.get("error", "n/a")
        identity_text = identity_cell(quality)
        foreign = [w["foreign_cores"] for w in results["windows"][key]]
        rows.append(f"| {name} | {median_range(window_values(results, key, 'cores'))} | "
                    f"{median_range(window_values(results, key, 'rss'), '{:.0f}')} | "
                    f"{fps_text(results, key)} | {quality_text} | {identity_text} | "
                    f"{median_range(foreign, '{:.2f}')} |")
    return rows


def identity_cell(figures):
    """pictures lost / repeated over one loop of the clip, from a recording's counters"""
    if not figures or "lost" not in figures:
        return "n/a"
    return f"{figures['lost']} / {figures['repeated']} of {figures['frames']}"


def identity_section(results):
    identity = results.get("identity_jitter")
    if not identity:
        return []
    rows = ["## Picture identity, jittery camera",
            "",
            "The same clip from a camera whose frames leave 0–40 ms late (RTP timestamps exact, "
            "as on a busy network), recorded through each contender for one whole loop of the "
            "clip and read back by the frame counter. Output rate = camera rate, so every "
            "camera picture should come out exactly once.",
            "",
            "| contender | pictures lost / repeated | unreadable |",
            "|---|---|---|"]
    for name, figures in identity.items():
        rows.append(f"| {name} | {identity_cell(figures)} | "
                    f"{figures.get('unreadable', figures.get('error', 'n/a'))} |")
    rows.append("")
    return rows


def observe_section(results, spliced=False):
    """the observe phase: cordon's CPU and RSS with N cameras, its management server idle
    (baseline) and watched (observed), windows paired repeat by repeat"""
    observe = results.get("observe")
    base = results["windows"].get("observe/baseline", [])
    seen = results["windows"].get("observe/observed", [])
    if not observe or not base or not seen:
        return []
    count = observe["cameras"]
    schedule = observe.get("schedule", {})
    rows = [OBSERVE_HEADING, ""]
    if spliced:
        rows += [f"Measured on {observe.get('date')} in a run of this phase alone (`run-bench.py "
                 f"--phases observe --splice`; load before: `{observe.get('load_before')}`, "
                 f"after: `{observe.get('load_after')}`), put into this file beside the figures "
                 f"of the run at the top.", ""]
    rows += [f"One cordon serving {count} cameras (default settings, the sub profile on: "
             f"the page's thumbnails ask for it), one counting RTSP viewer on each camera's main "
             f"profile, `[server] admin-port` and an `[admin NAME]` configured. Its CPU and RSS "
             f"over {observe['window']:.0f} s windows, {observe['repeats']} of each kind, "
             f"alternated in the same process (baseline, observed, observed, baseline, ...), "
             f"{OBSERVE_SETTLE:.0f} s after the traffic starts or stops:",
             "",
             "- baseline: the management server configured and listening, nobody asking;",
             f"- observed: a Prometheus-like scrape of `/metrics` every "
             f"{schedule.get('metrics_s', 1):g} s, and a status-page-like client: `GET "
             f"/api/v1/cameras` and `/api/v1/daemon` every {schedule.get('poll_s', 2):g} s, one "
             f"thumbnail (`snapshot.jpg?profile=sub&t=N`) per camera every "
             f"{schedule.get('thumb_s', 4):g} s, staggered (what `src/admin/page/app.js` "
             f"does with one visible card per camera). Three Python threads of the bench "
             f"(urllib, HTTP Basic sent with every request as Prometheus does, 127.0.0.1), one "
             f"request per connection (cordon closes each).",
             "",
             "| window | cordon CPU cores | RSS MiB | requests/s | slowest camera, fresh "
             "frames/s | foreign load, cores |",
             "|---|---|---|---|---|---|"]
    for name, windows in (("baseline", base), ("observed", seen)):
        rates = [sum(k["count"] for k in w.get("requests", {}).values()) / w["seconds"]
                 for w in windows]
        slowest = [min((f for f in w["fps"] if f is not None), default=None) for w in windows]
        rows.append(f"| {name} | {median_range([w['cores'][0] for w in windows])} | "
                    f"{median_range([w['rss'][0] for w in windows], '{:.1f}')} | "
                    f"{median_range(rates, '{:.2f}')} | {median_range(slowest, '{:.1f}')} | "
                    f"{median_range([w['foreign_cores'] for w in windows], '{:.2f}')} |")
    disturbed = observe.get("disturbed") or []
    if disturbed:
        rows += ["", f"{len(disturbed)} pair(s) of windows that other processes disturbed (more "
                 f"than 0.1 cores of theirs, or a camera under {FULL_RATE} fresh frames/s) were "
                 f"measured again; the table has the pairs kept."]
    def disturbed_window(window):
        return window["foreign_cores"] > 0.1 or \
            any(f is None or f < FULL_RATE for f in window["fps"])

    kept_disturbed = [(b, o) for b, o in zip(base, seen)
                      if disturbed_window(b) or disturbed_window(o)]
    if kept_disturbed:
        foreign = max(w["foreign_cores"] for pair in kept_disturbed for w in pair)
        rows += ["", f"**Disturbed**: {len(kept_disturbed)} of the {len(base)} pairs kept "
                 f"{'was' if len(kept_disturbed) == 1 else 'were'} disturbed all the same "
                 f"(other processes up to {foreign:.2f} cores, or a camera under {FULL_RATE} "
                 f"fresh frames/s): the whole-process figures are the less reliable for it, "
                 f"the per-thread count hardly."]
    pairs = list(zip(base, seen))
    extra = [o["cores"][0] - b["cores"][0] for b, o in pairs]
    ratios = [ratio(o["cores"][0], b["cores"][0]) for b, o in pairs]
    extra_rss = [o["rss"][0] - b["rss"][0] for b, o in pairs]
    requests = [sum(k["count"] for k in o.get("requests", {}).values()) for _, o in pairs]
    per_request = [e * o["seconds"] / n * 1000 for e, (_, o), n in zip(extra, pairs, requests)
                   if n]
    # exact per thread: the main thread serves every request (HTTP, login, JSON, the metrics
    # text); a thumbnail is encoded from a GTask worker (pool-*) by a short pipeline of its
    # own (gst_video_convert_sample(): appsrcN ! ... ! jpegenc), whose thread ends with it
    def main_thread(window):
        return window.get("threads", {}).get("cordon", 0.0)

    def jpeg_threads(window):
        return sum(cores for name, cores in window.get("threads", {}).items()
                   if name.startswith("pool-") or name == "appsrc*:src"
                   or name == ENDED_THREADS)

    main = [main_thread(o) - main_thread(b) for b, o in pairs]
    jpeg = [jpeg_threads(o) - jpeg_threads(b) for b, o in pairs]
    serving = [m + j for m, j in zip(main, jpeg)]
    thumbnails = [o.get("requests", {}).get("thumbnail", {}).get("count", 0) for _, o in pairs]
    per_request_exact = [c * o["seconds"] / n * 1000 for c, (_, o), n
                         in zip(serving, pairs, requests) if n]
    main_per_request = [m * o["seconds"] / n * 1000 for m, (_, o), n
                        in zip(main, pairs, requests) if n]
    per_thumbnail = [j * o["seconds"] / n * 1000 for j, (_, o), n
                     in zip(jpeg, pairs, thumbnails) if n]
    rows += ["",
             f"- CPU ratio observed / baseline, repeat by repeat: **{median_range(ratios)}**; "
             f"extra CPU: **{median_range(extra, '{:+.4f}')} cores** "
             f"({median_range([e / count for e in extra], '{:+.4f}')} per camera)",
             f"- Per management request (all kinds together, "
             f"{median_range(requests, '{:.0f}')} a window): "
             f"{median_range(per_request, '{:+.2f}')} ms of CPU; extra RSS "
             f"{median_range(extra_rss, '{:+.1f}')} MiB",
             f"- Counted exactly, per thread (schedstat, and the process's CPU clock for "
             f"threads that ended inside the window): the threads that serve the requests, "
             f"cordon's main thread (HTTP, logins, JSON, the metrics text) and the thumbnails' "
             f"(GTask workers `pool-*` and the short-lived JPEG pipelines' `appsrc*:src`), used "
             f"**{median_range(serving, '{:+.4f}')} cores** more, "
             f"**{median_range(per_request_exact, '{:.2f}')} ms of CPU per request**: the main "
             f"thread {median_range(main_per_request, '{:.2f}')} ms per request of any kind, "
             f"the thumbnails' threads {median_range(per_thumbnail, '{:.2f}')} ms per "
             f"thumbnail",
             f"- For scale: the baseline windows alone span "
             f"{min(w['cores'][0] for w in base):.3f}–{max(w['cores'][0] for w in base):.3f} "
             f"cores; a difference within that is within the noise of the measure.",
             ""]
    kinds = {}
    for window in seen:
        for kind, figures in window.get("requests", {}).items():
            kinds.setdefault(kind, []).append(figures)
    if kinds:
        every = {"metrics": schedule.get("metrics_s", 1), "cameras": schedule.get("poll_s", 2),
                 "daemon": schedule.get("poll_s", 2),
                 "thumbnail": schedule.get("thumb_s", 4) / max(1, count)}
        rows += ["The requests of the observed windows, as the client saw them (answer time "
                 "includes the connection and Python's own time):",
                 "",
                 "| request | one every (all cameras) | per window | answer ms, median | "
                 "answer ms, max | body bytes | answers |",
                 "|---|---|---|---|---|---|---|"]
        for kind in ("metrics", "cameras", "daemon", "thumbnail"):
            figures = kinds.get(kind)
            if not figures:
                continue
            answers = {}
            for f in figures:
                for status, n in f["status"].items():
                    answers[status] = answers.get(status, 0) + n
            rows.append(f"| {kind} | {every.get(kind, 0):g} s | "
                        f"{median_range([f['count'] for f in figures], '{:.0f}')} | "
                        f"{median_range([f['median_ms'] for f in figures], '{:.1f}')} | "
                        f"{max(f['max_ms'] for f in figures):.1f} | "
                        f"{median_range([f['median_bytes'] for f in figures], '{:.0f}')} | "
                        + ", ".join(f"{n} × {status}" for status, n in sorted(answers.items()))
                        + " |")
        rows.append("")
    names = {name for w in base + seen for name in w.get("threads", {})}
    if names:
        diffs = []
        for name in names:
            b = med([w.get("threads", {}).get(name, 0.0) for w in base])
            o = med([w.get("threads", {}).get(name, 0.0) for w in seen])
            diffs.append((o - b, name, b, o))
        diffs.sort(reverse=True)
        rows += ["Where the difference goes, per thread name (median of the windows, exact; "
                 f"`{ENDED_THREADS}` is the CPU of threads that ended inside the window):",
                 "",
                 "| thread | baseline cores | observed cores | difference |",
                 "|---|---|---|---|"]
        for diff, name, b, o in diffs[:6]:
            rows.append(f"| `{name}` | {b:.4f} | {o:.4f} | {diff:+.4f} |")
        rows.append("")
    return rows


def extras_pairs(results):
    plain = results["windows"].get("extras/plain", [])
    extras = results["windows"].get("extras/extras", [])
    return list(zip(plain, extras))


def extras_ratios(results):
    """cordon's CPU with audio and motion over without, pair by pair"""
    return [ratio(e["cores"][0], p["cores"][0]) for p, e in extras_pairs(results)]


def extras_section(results, spliced=False):
    """the extras phase: cordon's CPU per camera with audio=off motion=off and with
    audio=aac motion=on, windows paired repeat by repeat"""
    extras = results.get("extras")
    pairs = extras_pairs(results)
    if not extras or not pairs:
        return []
    count = extras["cameras"]
    plain = [p for p, _ in pairs]
    full = [e for _, e in pairs]
    rows = [EXTRAS_HEADING, ""]
    if spliced:
        rows += [f"Measured on {extras.get('date')} in a run of this phase alone (`run-bench.py "
                 f"--phases extras --splice`; load before: `{extras.get('load_before')}`, "
                 f"after: `{extras.get('load_after')}`), put into this file beside the figures "
                 f"of the run at the top.", ""]
    keys = extras.get("keys", {})

    def keys_text(kind):
        return " ".join(f"`{k}={v}`" for k, v in keys.get(kind, {}).items())

    rows += [f"The same {count} cameras (the clip, with a live "
             f"{extras.get('camera_audio', 'aac').upper()} track beside it: 16 kHz mono, as "
             f"a camera sends it), one counting RTSP viewer on each camera's main profile (it "
             f"takes the audio stream too), served by a fresh cordon per window as plain "
             f"({keys_text('plain')}) and as extras ({keys_text('extras')}), the sub profile "
             f"on in both because motion is computed on its pictures. CPU and RSS over "
             f"{extras['window']:.0f} s windows after the warm-up, {extras['repeats']} of each "
             f"kind, alternated (plain, extras, extras, plain, ...):",
             "",
             "| window | cordon CPU cores | per camera | RSS MiB | slowest camera, fresh "
             "frames/s | foreign load, cores |",
             "|---|---|---|---|---|---|"]
    for name, windows in (("plain", plain), ("extras", full)):
        slowest = [min((f for f in w["fps"] if f is not None), default=None) for w in windows]
        rows.append(f"| {name} | {median_range([w['cores'][0] for w in windows])} | "
                    f"{median_range([w['cores'][0] / count for w in windows])} | "
                    f"{median_range([w['rss'][0] for w in windows], '{:.1f}')} | "
                    f"{median_range(slowest, '{:.1f}')} | "
                    f"{median_range([w['foreign_cores'] for w in windows], '{:.2f}')} |")
    disturbed = extras.get("disturbed") or []
    if disturbed:
        rows += ["", f"{len(disturbed)} pair(s) of windows that other processes disturbed (more "
                 f"than 0.1 cores of theirs, or a camera under {FULL_RATE} fresh frames/s) were "
                 f"measured again; the table has the pairs kept."]
    ratios = extras_ratios(results)
    extra = [e["cores"][0] - p["cores"][0] for p, e in pairs]
    extra_rss = [e["rss"][0] - p["rss"][0] for p, e in pairs]
    rows += ["",
             f"- CPU ratio extras / plain, repeat by repeat: **{median_range(ratios)}** "
             f"(target: at most {1 + EXTRAS_TARGET:.2f}); extra CPU "
             f"{median_range(extra, '{:+.4f}')} cores, "
             f"{median_range([x / count for x in extra], '{:+.4f}')} per camera; extra RSS "
             f"{median_range(extra_rss, '{:+.1f}')} MiB",
             f"- For scale: the plain windows alone span "
             f"{min(w['cores'][0] for w in plain):.3f}–{max(w['cores'][0] for w in plain):.3f} "
             f"cores; a difference within that is within the noise of the measure.",
             ""]
    names = {name for w in plain + full for name in w.get("threads", {})}
    if names:
        diffs = []
        for name in names:
            b = med([w.get("threads", {}).get(name, 0.0) for w in plain])
            o = med([w.get("threads", {}).get(name, 0.0) for w in full])
            diffs.append((o - b, name, b, o))
        diffs.sort(reverse=True)
        rows += ["Where the difference goes, per thread name (median of the windows, exact; "
                 f"`{ENDED_THREADS}` is the CPU of threads that ended inside the window):",
                 "",
                 "| thread | plain cores | extras cores | difference |",
                 "|---|---|---|---|"]
        for diff, name, b, o in diffs[:8]:
            rows.append(f"| `{name}` | {b:.4f} | {o:.4f} | {diff:+.4f} |")
        rows.append("")
    return rows


# the phases whose section `run-bench.py --phases NAME --splice` puts into RESULTS.md alone
SPLICEABLE = {"observe": (OBSERVE_HEADING, observe_section),
              "extras": (EXTRAS_HEADING, extras_section)}


def splice(results, path, phase="observe"):
    """one phase's section into the RESULTS.md at @path, in place of an earlier one (else
    before the targets, or the analysis): everything else is kept as it is"""
    heading, section_of = SPLICEABLE[phase]
    section = "\n".join(section_of(results, spliced=True)) + "\n"
    with open(path) as existing:
        text = existing.read()
    start = text.find(heading + "\n")
    if start >= 0:
        end = len(text)
        for marker in ("\n## ", "\n" + ANALYSIS_BEGIN):
            found = text.find(marker, start + len(heading))
            if found >= 0:
                end = min(end, found + 1)
        text = text[:start] + section + text[end:]
    else:
        for marker in ("\n## Targets\n", "\n" + ANALYSIS_BEGIN):
            found = text.find(marker)
            if found >= 0:
                text = text[:found + 1] + section + text[found + 1:]
                break
        else:
            text += "\n" + section
    with open(path, "w") as out:
        out.write(text)


def ratio(a, b):
    return a / b if a is not None and b else None


def fmt(value, spec="{:.3f}"):
    return "n/a" if value is None else spec.format(value)


def verdict(ok):
    if ok is None:
        return "not measured"
    return "**met**" if ok else "**missed**"


def slope(samples, skip=30):
    points = [(t, r) for t, r in samples if t >= skip]
    if len(points) < 10:
        return None, None, None
    n = len(points)
    mean_t = sum(t for t, _ in points) / n
    mean_r = sum(r for _, r in points) / n
    var = sum((t - mean_t) ** 2 for t, _ in points)
    per_second = sum((t - mean_t) * (r - mean_r) for t, r in points) / var if var else 0
    rss = [r for _, r in points]
    return per_second * 60, min(rss), max(rss)


def read_analysis(path):
    if not os.path.exists(path):
        return None
    with open(path) as existing:
        text = existing.read()
    match = re.search(re.escape(ANALYSIS_BEGIN) + r"(.*?)" + re.escape(ANALYSIS_END), text,
                      re.S)
    return match.group(1).strip("\n") if match else None


def write(results, path, smoke=False):
    lines = []
    add = lines.append
    ssim = results.get("ssim", {})
    session = results.get("session", {})
    args = results.get("args", {})
    names = ["floor", "ffmpeg", "cordon-identical", "cordon-default", "cordon-sub"] + \
        [f"cordon-{c[0]}" for c in args.get("candidate") or []]
    box, packages = machine()

    cpu = {n: med(window_values(results, f"h264/{n}", "cores")) for n in names}
    rss = {n: med(window_values(results, f"h264/{n}", "rss")) for n in names}
    ssim_all = {n: ssim.get(n, {}).get("all") for n in names}

    add("# cordon benchmark results")
    add("")
    if smoke:
        add("**Smoke run (short windows, one repeat): the harness works; these figures are "
            "not the benchmark.**")
        add("")
    if args.get("phases", ALL_PHASES) != ALL_PHASES \
            or args.get("contenders") or args.get("cordon") or args.get("cordon_env"):
        add(f"**Partial or modified run** (phases {args.get('phases')}, contenders "
            f"{args.get('contenders') or 'all'}, cordon {args.get('cordon') or 'build/src/cordon'}"
            f", environment {args.get('cordon_env') or 'none'}).")
        add("")
    date = results.get("date") or \
        datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    add(f"- Date: {date}, "
        f"run took {results.get('duration_s', 0) / 60:.1f} min")
    add(f"- Machine: {box}")
    add(f"- Packages: {packages}")
    before = results.get("load_before", {})
    after = results.get("load_after", {})
    add(f"- Load before: `{before.get('uptime', '')}`; after: `{after.get('uptime', '')}`")
    foreign = [w["foreign_cores"] for ws in results["windows"].values() for w in ws]
    if foreign:
        add(f"- CPU used by other processes during the measuring windows: median "
            f"{statistics.median(foreign):.2f} cores, max {max(foreign):.2f} (of "
            f"{os.cpu_count()})")
    add(f"- Command: `meson compile -C build bench` (bench/run-bench.py; raw figures in "
        f"build/bench/results.json, logs in build/bench/run/logs)")
    add("")
    add("## Method")
    add("")
    add(f"- Camera: `cordon-bench camera`, cordon's emulator in clip mode, serving a "
        f"pre-encoded clip from memory, looped and re-timestamped live: 1920x1080, "
        f"30 fps, {args.get('clip_frames', 300)} frames (10 s), x264 medium zero-latency "
        f"(multi-slice, no B-frames) at 4 Mbit/s with a keyframe every 60 frames (2 s); "
        f"scrolling colour bars with a noise strip, a bouncing ball, a moving zone plate and "
        f"light sensor-like grain (±3 luma) over everything; an H.265 clip the same way with "
        f"x265. A frame counter (two rows of 16 black/white blocks, bits and complements) "
        f"is stamped into every picture; the camera records when each frame leaves it.")
    add("- Contenders, all pulling the same camera over RTSP/TCP on 127.0.0.1 with "
        "rtspsrc latency 0 (ffmpeg: its own RTSP client):")
    for name in names:
        add(f"  - `{name}`: {CONTENDERS.get(name, 'cordon with a candidate encoder template')}")
    add("  - Encoder settings everywhere: x264 veryfast, zero-latency, 4000 kbit/s with "
        "x264enc's default VBV (600 ms; ffmpeg `-maxrate 4000k -bufsize 2400k`), keyframe "
        "every 60 frames, High profile; the floor and cordon-identical also use 1 decoder and "
        "1 encoder thread as cordon does for a 1080p30 camera, ffmpeg its own thread defaults; "
        "cordon-default differs from cordon-identical by `me=umh subme=1` and no intra search "
        "in P frames (`partitions=none`).")
    add("  - cordon: real binary, `--config` with `onvif=false`, `discovery=false`, the "
        "camera at `bitrate=4000`, `gop=60`, every other key at its default (so output "
        "size and rate follow the camera, ingest `latency=100`). One `cordon-bench viewer` "
        "process pulls it over RTSP/TCP with digest auth (depayload and count only).")
    add(f"- CPU: utime+stime from /proc/PID/stat of the contender's process over a "
        f"{args.get('window')} s window after {args.get('warmup')} s of warm-up, in cores; "
        f"RSS: median VmRSS over the window. {args.get('repeats')} runs each, interleaved "
        f"(floor, ffmpeg, cordon, cordon, then reversed); median (min–max).")
    add("- Frames/s: the floor's fpsdisplaysink, ffmpeg's `-progress`, and for cordon the "
        "viewer's fresh access units (an access unit under 1200 bytes is a repeated picture "
        "coded as skips and does not count).")
    add(f"- SSIM: each contender's output recorded for {args.get('record_seconds')} s to a file "
        "(cordon's through an RTSP viewer), decoded, and after its first second paired with "
        "the source clip by the frame counter over one whole loop (300 source frames, the same "
        "pictures for every contender; a picture cordon showed twice is compared once, a "
        "source frame it never showed is left out), then ffmpeg's `ssim` filter; the "
        "All value is reported.")
    add("- Latency, first frames and fan-out come from one cordon process (default settings) "
        "in one session, its RSS sampled every second throughout for the flatness figure.")
    add("")

    add("## H.264 camera, 1080p30: cost per camera")
    add("")
    lines.extend(cost_table(results, "h264", names, ssim))
    add("")
    r_floor = ratio(cpu["cordon-identical"], cpu["floor"])
    r_ffmpeg = ratio(cpu["cordon-default"], cpu["ffmpeg"])
    add(f"- CPU ratio cordon-identical / floor: **{fmt(r_floor)}**; "
        f"cordon-default / ffmpeg: **{fmt(r_ffmpeg)}**; cordon-default / floor: "
        f"{fmt(ratio(cpu['cordon-default'], cpu['floor']))}")
    for cand in names[4:]:
        add(f"- CPU ratio {cand} / ffmpeg: **{fmt(ratio(cpu[cand], cpu['ffmpeg']))}**, "
            f"SSIM {fmt(ssim_all.get(cand), '{:.4f}')}")
    add(f"- RSS ratio cordon-default / floor: {fmt(ratio(rss['cordon-default'], rss['floor']))}"
        f"; cordon-default / ffmpeg: {fmt(ratio(rss['cordon-default'], rss['ffmpeg']))}")
    add("")

    threads = [w.get("threads") for w in results["windows"].get("h264/cordon-default", [])
               if w.get("threads")]
    if threads:
        add("Where cordon-default's CPU goes (per thread name, cores, from its last run):")
        add("")
        add("| thread | cores |")
        add("|---|---|")
        for name, cores in threads[-1][:10]:
            add(f"| `{name}` | {cores:.3f} |")
        add("")

    # max cameras
    maxcams = results.get("max_cameras", {})
    held = {}
    add("## Cameras held at full frame rate")
    add("")
    add(f"A camera is held when it gets at least {FULL_RATE} fresh frames/s over the "
        "window (frames/s of each camera listed, total CPU of the contender's processes in "
        "brackets). Tried up to 3 cameras.")
    add("")
    add("| contender | 1 camera | 2 cameras | 3 cameras | largest number held |")
    add("|---|---|---|---|---|")
    for name in ("floor", "ffmpeg", "cordon-default", "cordon-proposed"):
        if name not in maxcams:
            continue
        one = [min((f for f in w["fps"] if f is not None), default=0)
               for w in results["windows"].get(f"h264/{name}", [])]
        cells = [median_range(one, "{:.1f}")]
        best = 1 if one and statistics.median(one) >= FULL_RATE else 0
        runs = maxcams.get(name, {})
        for count in (2, 3):
            result = runs.get(count) or runs.get(str(count))
            if result is None:
                cells.append("–")
                continue
            fps = [f for f in result["fps"]]
            cells.append(", ".join("n/a" if f is None else f"{f:.1f}" for f in fps) +
                         f" ({sum(result['cores']):.2f} cores)")
            if best == count - 1 and all(f is not None and f >= FULL_RATE for f in fps):
                best = count
        held[name] = best
        add(f"| {name} | {' | '.join(cells)} | {best} |")
    add("")

    # fan-out
    fanout = session.get("fanout", {})
    per_viewer = []
    add("## Fan-out: one camera, more viewers (cordon-default)")
    add("")
    if fanout:
        add("| viewers | cordon CPU cores | RSS MiB | slowest viewer frames/s |")
        add("|---|---|---|---|")
        for level in ("1", "4", "16"):
            windows = fanout.get(level) or fanout.get(int(level)) or []
            slowest = [min(w["all_fps"]) for w in windows]
            add(f"| {level} | {median_range([w['cores'][0] for w in windows])} | "
                f"{median_range([w['rss'][0] for w in windows], '{:.0f}')} | "
                f"{median_range(slowest, '{:.1f}')} |")
        ones = fanout.get("1") or fanout.get(1) or []
        sixteens = fanout.get("16") or fanout.get(16) or []
        for one, sixteen in zip(ones, sixteens):
            per_viewer.append((sixteen["cores"][0] - one["cores"][0]) / 15 / one["cores"][0] * 100)
        add("")
        add(f"- Extra CPU per additional viewer, (CPU at 16 − CPU at 1) / 15 as a share of the "
            f"camera's CPU at 1 viewer, per cycle: **{median_range(per_viewer, '{:.2f} %')}**")
    add("")

    # joins
    add("## A new viewer's first frame (PLAY sent → first decoded frame)")
    add("")
    joins = [j.get("play_to_frame_ms") for j in session.get("joins", [])]
    direct = [j.get("play_to_frame_ms") for j in session.get("direct_joins", [])]
    burst = session.get("burst", {})
    if joins:
        add("| path | PLAY → first frame, ms | PLAY → first keyframe received, ms | joins |")
        add("|---|---|---|---|")
        add(f"| via cordon (asks its encoder for a keyframe) | {median_range(joins, '{:.0f}')} | "
            f"{median_range([j.get('play_to_keyframe_ms') for j in session['joins']], '{:.0f}')}"
            f" | {len(joins)} |")
        add(f"| straight from the camera (what a passthrough proxy gives) | "
            f"{median_range(direct, '{:.0f}')} | "
            f"{median_range([j.get('play_to_keyframe_ms') for j in session['direct_joins']], '{:.0f}')}"
            f" | {len(direct)} |")
        add("")
        burst_joins = [j.get("play_to_frame_ms") for j in burst.get("joins", [])]
        add(f"- A burst of 4 simultaneous joins (PLAYs within "
            f"{fmt(max(burst.get('plays_ms') or [0]) - min(burst.get('plays_ms') or [0]), '{:.0f}')}"
            f" ms): first frames after {median_range(burst_joins, '{:.0f}')} ms; the viewer "
            f"already watching got **{burst.get('holder_keyframes')}** keyframe(s) between the "
            f"first PLAY and the last joiner's first frame (rate limit: a burst should cost "
            f"one).")
    add("")

    # latency
    latency = session.get("latency", {})
    lat_direct = latency.get("direct", {}).get("latency_ms", {})
    lat_cordon = latency.get("cordon", {}).get("latency_ms", {})
    added = None
    add("## Latency camera → viewer (counter read back from decoded pictures)")
    add("")
    if lat_cordon:
        add("| path | median ms | min ms | p90 ms | max ms | frames | repeated | skipped |")
        add("|---|---|---|---|---|---|---|---|")
        for name, label in (("direct", "straight from the camera"), ("cordon", "via cordon")):
            report = latency.get(name, {})
            lat = report.get("latency_ms", {})
            add(f"| {label} | {fmt(lat.get('median'), '{:.1f}')} | {fmt(lat.get('min'), '{:.1f}')}"
                f" | {fmt(lat.get('p90'), '{:.1f}')} | {fmt(lat.get('max'), '{:.1f}')} | "
                f"{report.get('frames')} | {report.get('repeats')} | {report.get('skipped')} |")
        if lat_direct.get("median") is not None:
            added = lat_cordon["median"] - lat_direct["median"]
        add("")
        add(f"- Added by cordon (median via cordon − median direct): **{fmt(added, '{:.1f}')} "
            f"ms**. Both include the viewer's own depayload and decode; \"repeated\" and "
            f"\"skipped\" count source frames shown twice or never.")
    add("")

    # memory
    add("## Memory")
    add("")
    one_cam = rss.get("cordon-default")
    per_camera = []
    for count in (2, 3):
        result = maxcams.get("cordon-default", {}).get(count) or \
            maxcams.get("cordon-default", {}).get(str(count))
        if result and one_cam:
            per_camera.append(((result["rss"][0] - one_cam) / (count - 1), count,
                               result["rss"][0]))
    add(f"- cordon RSS with 1 camera: {fmt(one_cam, '{:.0f}')} MiB; "
        + "; ".join(f"{count} cameras: {total:.0f} MiB" for _, count, total in per_camera))
    add(f"- Additional RSS per additional transcoded 1080p camera: **"
        + (", ".join(f"{value:.1f} MiB (1→{count})" for value, count, _ in per_camera)
           or "n/a") + "**")
    floor_memory = {int(k): v for k, v in (results.get("floor_memory") or {}).items()}
    floor_per_camera = [(floor_memory[c] - floor_memory[1]) / (c - 1)
                        for c in sorted(floor_memory) if c > 1 and 1 in floor_memory]
    working_set = statistics.median(floor_per_camera) if floor_per_camera else None
    add(f"- The decoder + encoder working set, measured the same way in the same run: one "
        f"gst-launch decoding and encoding 1, 2, 3 cameras (the floor's pipeline): "
        + "; ".join(f"{c}: {floor_memory[c]:.0f} MiB" for c in sorted(floor_memory))
        + f"; **{fmt(working_set, '{:.1f}')} MiB** per additional camera. (heaptrack does "
        f"not see x264's `memalign`, so RSS is the measure on both sides.)")
    add(f"- For scale, one camera per process: floor {fmt(rss.get('floor'), '{:.0f}')} MiB, "
        f"ffmpeg {fmt(rss.get('ffmpeg'), '{:.0f}')} MiB")
    trace = session.get("rss_trace", [])
    per_minute, low, high = slope(trace)
    if trace:
        add(f"- Flatness: the session's cordon ran {trace[-1][0]:.0f} s (fan-out up to 16 "
            f"viewers, {len(session.get('joins', [])) * 2 + 4} joins, latency and recording "
            f"viewers, then {args.get('soak', 0):.0f} s of soak with one viewer); after its "
            f"first 30 s RSS stayed within {fmt(low, '{:.1f}')}–{fmt(high, '{:.1f}')} MiB, "
            f"trend **{fmt(per_minute, '{:+.2f}')} MiB/min** (least squares). "
            f"`--soak 300` runs it 5 minutes longer.")
    add("")

    # h265
    if any(k.startswith("h265/") for k in results["windows"]):
        add("## H.265 camera, 1080p30 (same output encoder)")
        add("")
        lines.extend(cost_table(results, "h265", ["floor", "ffmpeg", "cordon-default"], {}))
        cpu265 = {n: med(window_values(results, f"h265/{n}", "cores"))
                  for n in ("floor", "ffmpeg", "cordon-default")}
        add("")
        add(f"- CPU ratio cordon-default / floor: "
            f"{fmt(ratio(cpu265['cordon-default'], cpu265['floor']))}; cordon-default / "
            f"ffmpeg: {fmt(ratio(cpu265['cordon-default'], cpu265['ffmpeg']))}")
        add("")

    lines.extend(identity_section(results))
    lines.extend(observe_section(results))
    lines.extend(extras_section(results))

    # targets
    add("## Targets")
    add("")
    ssim_gap_floor = None
    if ssim_all.get("cordon-identical") is not None and ssim_all.get("floor") is not None:
        ssim_gap_floor = ssim_all["cordon-identical"] - ssim_all["floor"]
    ssim_gap_ffmpeg = None
    if ssim_all.get("cordon-default") is not None and ssim_all.get("ffmpeg") is not None:
        ssim_gap_ffmpeg = ssim_all["cordon-default"] - ssim_all["ffmpeg"]
    median_join = med(joins)
    # flat: no trend beyond 1 MiB/min and no more than 5 MiB between lowest and highest
    flat = per_minute is not None and abs(per_minute) < 1.0 and high - low <= 5.0
    add("| target | figure | verdict |")
    add("|---|---|---|")
    add(f"| proxy overhead: cordon-identical CPU ≤ 1.05 × floor, SSIM equal ±0.005 | "
        f"{fmt(r_floor)} ×, SSIM {fmt(ssim_gap_floor, '{:+.4f}')} | "
        f"{verdict(None if r_floor is None else r_floor <= 1.05 and (ssim_gap_floor is None or abs(ssim_gap_floor) <= 0.005))} |")
    add(f"| defaults that win: cordon-default CPU ≤ 0.8 × ffmpeg at SSIM ≥ ffmpeg − 0.005 | "
        f"{fmt(r_ffmpeg)} ×, SSIM {fmt(ssim_gap_ffmpeg, '{:+.4f}')} | "
        f"{verdict(None if r_ffmpeg is None else r_ffmpeg <= 0.8 and (ssim_gap_ffmpeg is None or ssim_gap_ffmpeg >= -0.005))} |")
    if "cordon-proposed" in cpu:
        r_prop = ratio(cpu["cordon-proposed"], cpu["ffmpeg"])
        gap = None
        if ssim_all.get("cordon-proposed") is not None and ssim_all.get("ffmpeg") is not None:
            gap = ssim_all["cordon-proposed"] - ssim_all["ffmpeg"]
        add(f"| (the same with the proposed encoder template, cordon-proposed) | "
            f"{fmt(r_prop)} ×, SSIM {fmt(gap, '{:+.4f}')} | "
            f"{verdict(None if r_prop is None else r_prop <= 0.8 and (gap is None or gap >= -0.005))} |")
    add(f"| two 1080p30 cameras held in real time by cordon-default | "
        f"{held.get('cordon-default', 'n/a')} held | "
        f"{verdict(None if 'cordon-default' not in held else held['cordon-default'] >= 2)} |")
    if "cordon-proposed" in held:
        add(f"| (the same with the proposed encoder template) | {held['cordon-proposed']} held | "
            f"{verdict(held['cordon-proposed'] >= 2)} |")
    if cpu.get("cordon-sub") is not None:
        r_sub = ratio(cpu["cordon-sub"], cpu["cordon-default"])
        sub_gap = None
        if ssim_all.get("cordon-sub") is not None and ssim_all.get("cordon-default") is not None:
            sub_gap = ssim_all["cordon-sub"] - ssim_all["cordon-default"]
        sub_fps = med(window_values(results, "h264/cordon-sub", "fps"))
        main_fps = med(window_values(results, "h264/cordon-default", "fps"))
        add(f"| sub profile ≤ 15 % of the camera's CPU with main alone; main's rate and quality "
            f"unchanged | {fmt(r_sub)} × (+{fmt(None if r_sub is None else (r_sub - 1) * 100, '{:.1f}')} %), "
            f"main {fmt(sub_fps, '{:.1f}')} fps beside it vs {fmt(main_fps, '{:.1f}')} alone, "
            f"SSIM {fmt(sub_gap, '{:+.4f}')} | "
            f"{verdict(None if r_sub is None else r_sub <= 1.15 and (sub_gap is None or abs(sub_gap) <= 0.002))} |")
    add(f"| extra viewer ≤ 2 % of the camera's CPU | {median_range(per_viewer, '{:.2f} %')} | "
        f"{verdict(None if not per_viewer else statistics.median(per_viewer) <= 2.0)} |")
    add(f"| first decoded frame ≤ 300 ms after PLAY (every join) | median {fmt(median_join, '{:.0f}')} ms, "
        f"max {fmt(max(joins) if joins else None, '{:.0f}')} ms | "
        f"{verdict(None if median_join is None else max(joins) <= 300)} |")
    add(f"| added latency camera → viewer ≤ 100 ms median | {fmt(added, '{:.1f}')} ms | "
        f"{verdict(None if added is None else added <= 100)} |")
    jitter = (results.get("identity_jitter") or {})
    own = jitter.get("cordon-default") or {}
    theirs = jitter.get("ffmpeg") or {}
    if "lost" in own:
        add(f"| every picture once from a jittery camera (0–40 ms): cordon-default loses and "
            f"repeats none | {identity_cell(own)} (ffmpeg {identity_cell(theirs)}) | "
            f"{verdict(own['lost'] == 0 and own['repeated'] == 0)} |")
    limit = None if working_set is None else 1.1 * working_set
    add(f"| RSS per additional 1080p camera ≤ 1.1 × the decoder + encoder working set "
        f"({fmt(limit, '{:.1f}')} MiB) | "
        + (", ".join(f"{v:.1f} MiB" for v, _, _ in per_camera) or "n/a") + " | "
        f"{verdict(None if not per_camera or limit is None else max(v for v, _, _ in per_camera) <= limit)} |")
    extras_ratio = med([r for r in extras_ratios(results) if r is not None])
    if extras_ratio is not None:
        add(f"| audio (aac) and motion together ≤ 5 % of a camera's CPU | "
            f"{fmt(extras_ratio)} × (+{fmt((extras_ratio - 1) * 100, '{:.1f}')} %) | "
            f"{verdict(extras_ratio <= 1 + EXTRAS_TARGET)} |")
    add(f"| memory flat over the run (trend < 1 MiB/min, range ≤ 5 MiB) | {fmt(per_minute, '{:+.2f}')} MiB/min over "
        f"{trace[-1][0] if trace else 0:.0f} s | {verdict(None if per_minute is None else flat)} |")
    add("")

    analysis = read_analysis(path)
    add(ANALYSIS_BEGIN)
    add(analysis if analysis else "## Analysis\n\n(not written yet)")
    add(ANALYSIS_END)
    add("")
    with open(path, "w") as out:
        out.write("\n".join(lines))
