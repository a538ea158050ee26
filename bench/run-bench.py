#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""cordon's benchmark (issue 5): cost per camera, fan-out, fast start, latency, memory, and
what watching cordon (its status page, API and metrics) costs.

Run by `meson compile -C build bench`. Every contender pulls the same looped clip from the
same camera process (cordon-bench camera, the emulator in clip mode) over RTSP on 127.0.0.1:

  floor   gst-launch-1.0 rtspsrc ! <cordon's decode template> ! x264enc ... ! fakesink
  ffmpeg  ffmpeg -rtsp_transport tcp -i URL -c:v libx264 ... -f null -
  cordon  build/src/cordon --config FILE in its own process, real RTSP viewers pulling
          (cordon-bench viewer, another process)

CPU is read from /proc/PID/stat (utime + stime) over a fixed window after warm-up, memory
from /proc/PID/status (VmRSS, median of samples in the window). Repeats are interleaved
(floor, ffmpeg, cordon, cordon, floor, ...) so a change in background load hits all alike,
and the CPU that other processes used in each window is recorded. Nothing is asserted: the
script writes bench/RESULTS.md (keeping its hand-written analysis section) and the raw
figures to BUILD/bench/results.json. Every wait and every child is bounded in time.
"""

import argparse
import base64
import collections
import json
import os
import queue
import random
import re
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import report  # bench/report.py, beside this file

CLK_TCK = os.sysconf("SC_CLK_TCK")
FPS = 30
# the jittery camera of the identity phase: frames leave up to this late
IDENTITY_JITTER_MS = 40
BITRATE = 4000
GOP = 60
THREADS = 1  # what cordon uses for a 1080p30 camera (DECODER_THREADS, encoder_threads())
CLIP_FRAMES = 300
CLIP_GRAIN = 3
USER = "bench"
PASSWORD = "bench-pw-5"
# started as root, cordon refuses to run without a [server] user= to drop to (cd-service)
RUN_AS_USER = "nobody"
# the observe phase's [admin NAME]: the status page's and Prometheus's login
ADMIN_USER = "observer"
ADMIN_PASSWORD = "observe-pw-8"
# the observe phase's traffic, as README.md and src/admin/page/app.js describe it: a Prometheus
# scrape every METRICS_S; the status page's two API polls every POLL_S (app.js POLL_MS) and a
# thumbnail of each camera every THUMB_S (THUMB_MS)
METRICS_S = 1.0
POLL_S = 2.0
THUMB_S = 4.0
# between starting or stopping that traffic and the next window
OBSERVE_SETTLE_S = 2.0
# a window in which other processes used more than this many cores is disturbed
OBSERVE_FOREIGN_MAX = 0.1
# the extras phase's cameras send this audio beside the clip (cordon decodes and encodes it)
EXTRAS_CAMERA_AUDIO = "aac"
# the CPU of threads that ended inside a window, under this name (report.py knows it)
ENDED_THREADS = "(ended threads)"
FULL_RATE = 29.5  # a camera is held when it gets at least this many fresh frames a second

# the floor's encoder, also given to cordon as encoder=floor: identical settings
FLOOR_ENCODER = ("x264enc tune=zerolatency speed-preset=veryfast bitrate={bitrate} "
                 "key-int-max={gop} threads={threads} ! capsfilter caps=video/x-h264,profile=high")
# the next step down x264's speed/quality curve from cordon's default: a motion search
# range of 12 pixels instead of 16, measured against the default to show how much of the
# 0.005 SSIM allowance is left (see RESULTS.md)
PROPOSED_ENCODER = ("x264enc tune=zerolatency speed-preset=veryfast me=umh subme=1 "
                    "option-string=partitions=none:merange=12 "
                    "bitrate={bitrate} key-int-max={gop} threads=1 ! "
                    "capsfilter caps=video/x-h264,profile=high")

children = []


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# ---------------------------------------------------------------------------------- /proc

def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def machine_busy():
    with open("/proc/stat") as stat:
        fields = [int(x) for x in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields) - idle) / CLK_TCK


def thread_cpu(pid):
    """{thread name: cpu seconds}, threads of the same name added up"""
    result = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return result
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as stat:
                data = stat.read()
        except OSError:
            continue
        name = data[data.index("(") + 1:data.rindex(")")]
        fields = data.rsplit(")", 1)[1].split()
        result[name] = result.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / CLK_TCK
    return result


def process_cpu_ns(pid):
    """CPU time of a whole process in ns, threads that ended included: its CPU-time clock
    (clock_getcpuclockid(): CPUCLOCK_SCHED of the process, as glibc makes the id)"""
    return time.clock_gettime_ns(((~pid) << 3) | 2)


def thread_cpu_ns(pid):
    """{tid: (name, ns on a CPU)} of a process's threads now, from schedstat (exact, where
    /proc/PID/task/TID/stat counts clock ticks)"""
    result = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return result
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as comm, \
                    open(f"/proc/{pid}/task/{tid}/schedstat") as schedstat:
                result[tid] = (comm.read().strip(), int(schedstat.read().split()[0]))
        except (OSError, ValueError, IndexError):
            continue
    return result


def thread_delta(before, after, seconds):
    """cores per thread name between two (process_cpu_ns, thread_cpu_ns) snapshots, and the
    threads that ended in between as ENDED_THREADS (the process's CPU clock counts them).
    GStreamer's numbered element names are folded: "appsrc12:src" counts as "appsrc*:src"."""
    names = {}
    for tid, (name, ns) in after[1].items():
        name = re.sub(r"\d+:", "*:", name)
        names[name] = names.get(name, 0) + ns - before[1].get(tid, (name, 0))[1]
    names[ENDED_THREADS] = after[0] - before[0] - sum(names.values())
    return {name: ns / 1e9 / seconds for name, ns in names.items()}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_port(port, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


# ---------------------------------------------------------------------------------- children

class Child:
    """A process of ours: stdout lines to a queue (and an optional parser), stderr to a log."""

    def __init__(self, name, argv, logdir, stdin=False, parser=None, env=None):
        self.name = name
        self.parser = parser
        self.lines = queue.Queue()
        self.progress = []  # (monotonic time, frames so far) from the parser
        self.log_path = os.path.join(logdir, f"{name}.log")
        self.log = open(self.log_path, "w")
        self.log.write("$ " + shlex.join(argv) + "\n")
        self.log.flush()
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self.log,
                                     stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                                     text=True, start_new_session=True, env=env)
        self.pid = self.proc.pid
        children.append(self)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            if self.parser is not None:
                frames = self.parser(line)
                if frames is not None:
                    self.progress.append((time.monotonic(), frames))
                    continue
            self.lines.put(line)

    def alive(self):
        return self.proc.poll() is None

    def stop(self, sig=signal.SIGINT, timeout=8):
        if self.alive():
            try:
                os.kill(self.pid, sig)
                self.proc.wait(timeout)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                pass
        if self.alive():
            self.proc.kill()
            self.proc.wait(5)
        self.log.close()
        if self in children:
            children.remove(self)

    def fps_between(self, t0, t1):
        """frames per second between two times, from the parser's progress lines"""
        before = [p for p in self.progress if p[0] <= t0]
        upto = [p for p in self.progress if p[0] <= t1]
        if not before or not upto or upto[-1][0] <= before[-1][0]:
            return None
        return (upto[-1][1] - before[-1][1]) / (upto[-1][0] - before[-1][0])


class Viewer(Child):
    """cordon-bench viewer: one command line in, one JSON line out."""

    def __init__(self, name, bench, logdir, shm, codec="h264"):
        super().__init__(name, [bench, "viewer", "--codec", codec, "--user", USER,
                                "--password", PASSWORD, "--shm", shm, "--max-seconds", "900"],
                         logdir, stdin=True)

    def cmd(self, line, timeout=40):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        try:
            answer = json.loads(self.lines.get(timeout=timeout))
        except queue.Empty:
            raise RuntimeError(f"{self.name}: no answer to {line!r} in {timeout} s")
        if "error" in answer and "clients" not in answer:
            raise RuntimeError(f"{self.name}: {line!r}: {answer['error']}")
        return answer

    def stop(self, sig=signal.SIGINT, timeout=8):
        if self.alive():
            try:
                self.proc.stdin.write("quit\n")
                self.proc.stdin.flush()
                self.proc.wait(timeout)
            except (OSError, subprocess.TimeoutExpired):
                pass
        super().stop(sig, timeout)


def gst_progress(line):
    match = re.search(r"rendered: (\d+)", line)
    return int(match.group(1)) if match else None


def ffmpeg_progress(line):
    match = re.match(r"frame=(\d+)", line.strip())
    return int(match.group(1)) if match else None


# ---------------------------------------------------------------------------------- windows

class RssTrace:
    """RSS of one process once a second, in a thread, for the memory-flatness figure."""

    def __init__(self, pid):
        self.pid = pid
        self.samples = []
        self.running = True
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        start = time.monotonic()
        while self.running:
            try:
                self.samples.append((time.monotonic() - start, rss_mib(self.pid)))
            except OSError:
                return
            time.sleep(1.0)

    def stop(self):
        self.running = False


class Watcher:
    """Someone watching cordon, from threads of this process, to 127.0.0.1 only: a Prometheus
    scrape of /metrics every METRICS_S, and a status page: GET /api/v1/cameras and
    /api/v1/daemon every POLL_S, and one thumbnail per camera every THUMB_S, the cameras
    staggered over that interval (as the page's 1 s pump spreads them). Three threads, as
    they are three independent loops in reality (Prometheus, the page's poll, its thumbnail
    pump); each waits for its answer before the next request, and a late one does not
    catch up. HTTP Basic, sent with every request as Prometheus does (so no 401 round trip).
    Bounded: every request times out after 5 s and every loop stops after max_seconds or
    max_requests requests in all, whichever comes first."""

    def __init__(self, port, cameras, sub=True, max_seconds=60.0, max_requests=2000):
        self.base = f"http://127.0.0.1:{port}"
        credentials = f"{ADMIN_USER}:{ADMIN_PASSWORD}".encode()
        self.auth = "Basic " + base64.b64encode(credentials).decode()
        # no proxy from the environment: everything goes straight to 127.0.0.1
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        self.cameras = list(cameras)
        self.sub = sub
        self.max_seconds = max_seconds
        self.max_requests = max_requests
        self.records = []  # (monotonic start, kind, seconds, status, body bytes)
        self.lock = threading.Lock()
        self.serial = 0
        self.stopping = threading.Event()
        self.threads = []

    def thumb_path(self, camera):
        # a new URL each time, as the page makes (t=): never a cached answer
        with self.lock:
            self.serial += 1
            serial = self.serial
        return (f"/api/v1/cameras/{camera}/snapshot.jpg?"
                f"{'profile=sub&' if self.sub else ''}t={serial}")

    def get(self, kind, path):
        request = urllib.request.Request(self.base + path,
                                         headers={"Authorization": self.auth})
        start = time.monotonic()
        status, size = None, 0
        try:
            with self.opener.open(request, timeout=5) as response:
                status = response.status
                size = len(response.read())
        except urllib.error.HTTPError as error:
            status = error.code
            size = len(error.read())
            error.close()
        except (OSError, ValueError) as error:  # refused, reset, timed out
            status = type(error).__name__
        with self.lock:
            self.records.append((start, kind, time.monotonic() - start, status, size))
        return status

    def get_json(self, path):
        request = urllib.request.Request(self.base + path,
                                         headers={"Authorization": self.auth})
        with self.opener.open(request, timeout=5) as response:
            return json.loads(response.read())

    def jobs(self):
        """(first offset, period, requests) for each of the three loops"""
        spread = THUMB_S / max(1, len(self.cameras))
        return {
            "prometheus": [(0.0, METRICS_S, lambda: [("metrics", "/metrics")])],
            "page-poll": [(0.0, POLL_S, lambda: [("cameras", "/api/v1/cameras"),
                                                 ("daemon", "/api/v1/daemon")])],
            "page-thumbnails": [(index * spread, THUMB_S,
                                 lambda camera=camera: [("thumbnail", self.thumb_path(camera))])
                                for index, camera in enumerate(self.cameras)],
        }

    def once(self):
        """every request once, one after the other"""
        for jobs in self.jobs().values():
            for _, _, requests in jobs:
                for kind, path in requests():
                    self.get(kind, path)

    def _loop(self, jobs):
        start = time.monotonic()
        deadline = start + self.max_seconds
        due = [start + offset for offset, _, _ in jobs]
        while not self.stopping.is_set():
            index = min(range(len(jobs)), key=lambda i: due[i])
            if due[index] > deadline or len(self.records) >= self.max_requests:
                return
            if self.stopping.wait(max(0.0, due[index] - time.monotonic())):
                return
            for kind, path in jobs[index][2]():
                self.get(kind, path)
            due[index] = max(due[index] + jobs[index][1], time.monotonic())

    def start(self):
        for name, jobs in self.jobs().items():
            thread = threading.Thread(target=self._loop, args=(jobs,), name=name, daemon=True)
            thread.start()
            self.threads.append(thread)

    def stop(self):
        self.stopping.set()
        for thread in self.threads:
            thread.join(12)  # a request in flight times out after 5 s

    def summary(self, t0, t1):
        """per kind of request started between t0 and t1: how many, answers, time, size"""
        with self.lock:
            records = [r for r in self.records if t0 <= r[0] < t1]
        kinds = {}
        for _, kind, seconds, status, size in records:
            entry = kinds.setdefault(kind, {"count": 0, "status": collections.Counter(),
                                            "ms": [], "bytes": []})
            entry["count"] += 1
            entry["status"][str(status)] += 1
            entry["ms"].append(seconds * 1000)
            entry["bytes"].append(size)
        return {kind: {"count": e["count"], "status": dict(e["status"]),
                       "median_ms": statistics.median(e["ms"]), "max_ms": max(e["ms"]),
                       "median_bytes": statistics.median(e["bytes"])}
                for kind, e in kinds.items()}


def measure(subjects, seconds, others=(), progress=(), viewer=None, threads_of=None):
    """CPU (cores) and RSS (MiB) of each subject pid over a window, the frame rate of each
    progress child, the viewer's report for the same window and what the rest of the
    machine used meanwhile (foreign load)."""
    ours = list(subjects) + list(others)
    if viewer is not None:
        viewer.cmd("mark")
    t0 = time.monotonic()
    cpu0 = {pid: cpu_seconds(pid) for pid in ours}
    busy0 = machine_busy()
    threads0 = thread_cpu(threads_of) if threads_of else {}
    rss = {pid: [] for pid in subjects}
    while time.monotonic() - t0 < seconds:
        for pid in subjects:
            rss[pid].append(rss_mib(pid))
        time.sleep(min(0.5, max(0.0, seconds - (time.monotonic() - t0))))
    t1 = time.monotonic()
    cpu1 = {pid: cpu_seconds(pid) for pid in ours}
    busy1 = machine_busy()
    threads1 = thread_cpu(threads_of) if threads_of else {}
    report = viewer.cmd("report") if viewer is not None else None
    span = t1 - t0
    cores = {pid: (cpu1[pid] - cpu0[pid]) / span for pid in ours}
    result = {
        "seconds": span,
        "cores": [cores[pid] for pid in subjects],
        "rss": [statistics.median(rss[pid]) for pid in subjects],
        "ours_cores": sum(cores.values()),
        "foreign_cores": max(0.0, (busy1 - busy0) / span - sum(cores.values())),
        "fps": [child.fps_between(t0, t1) for child in progress],
        "report": report,
    }
    if threads_of:
        result["threads"] = sorted(((name, (threads1.get(name, 0) - cpu) / span)
                                    for name, cpu in threads0.items()),
                                   key=lambda item: -item[1])[:12]
    return result


# ---------------------------------------------------------------------------------- the bench

class Bench:
    def __init__(self, args):
        self.args = args
        self.build = os.path.abspath(args.build_dir)
        self.source = os.path.abspath(args.source_dir)
        self.tool = os.path.join(self.build, "bench", "cordon-bench")
        self.cordon = os.path.abspath(args.cordon) if args.cordon else \
            os.path.join(self.build, "src", "cordon")
        self.out = os.path.join(self.build, "bench")
        self.work = os.path.join(self.out, "run")
        self.logs = os.path.join(self.work, "logs")
        self.pipelines = os.path.join(self.work, "pipelines")
        os.makedirs(self.logs, exist_ok=True)
        os.makedirs(self.pipelines, exist_ok=True)
        self.results = {"windows": {}}
        self.cameras = {}
        self.started = time.monotonic()
        self.started_wall = time.time()

    # ------------------------------------------------------------------ set-up

    def clip(self, codec):
        path = os.path.join(self.out, "clips",
                            f"clip-1080p{FPS}-{BITRATE}k-gop{GOP}-grain{CLIP_GRAIN}.{codec}")
        if not os.path.exists(path):
            os.makedirs(os.path.dirname(path), exist_ok=True)
            log(f"generating the {codec} clip (cached in {os.path.dirname(path)})")
            subprocess.run([self.tool, "gen-clip", "--codec", codec, "--out", path + ".tmp",
                            "--frames", str(CLIP_FRAMES), "--fps", str(FPS),
                            "--bitrate", str(BITRATE), "--gop", str(GOP),
                            "--grain", str(CLIP_GRAIN)],
                           check=True, timeout=600, stdout=subprocess.DEVNULL)
            os.rename(path + ".tmp", path)
        return path

    def templates(self):
        """the repo's templates as they are now, and the bench's own encoders beside them"""
        repo = os.path.join(self.source, "pipelines")
        for name in os.listdir(repo):
            if name.endswith(".pipeline"):
                with open(os.path.join(repo, name)) as src, \
                        open(os.path.join(self.pipelines, name), "w") as dst:
                    dst.write(src.read())
        with open(os.path.join(self.pipelines, "encode-floor.pipeline"), "w") as dst:
            dst.write("# the floor's encoder settings, for the proxy-overhead run\n"
                      + FLOOR_ENCODER + "\n")
        for name, line in self.args.candidate or []:
            with open(os.path.join(self.pipelines, f"encode-{name}.pipeline"), "w") as dst:
                dst.write(f"# a candidate default encoder, written by bench/run-bench.py\n{line}\n")

    def template(self, name, **values):
        with open(os.path.join(self.pipelines, name + ".pipeline")) as src:
            text = " ".join(line.strip() for line in src
                            if line.strip() and not line.strip().startswith("#"))
        for key, value in values.items():
            text = text.replace("{" + key + "}", str(value))
        return text

    def start_camera(self, codec, paths, jitter_ms=0, audio="none"):
        """the clip on @paths paths; with @jitter_ms, each frame leaves up to that late (its
        RTP timestamp unchanged), kept as camera "CODEC-jitter" beside the steady one; with
        @audio (pcma, pcmu, aac), a live audio track beside the clip, kept as camera
        "CODEC-AUDIO"
        """
        key = codec if jitter_ms == 0 else f"{codec}-jitter"
        if audio != "none":
            key = f"{key}-{audio}"
        shm = os.path.join(self.work, f"sent-{key}.bin")
        child = Child(f"camera-{key}", [self.tool, "camera", "--codec", codec,
                                        "--clip", self.clip(codec), "--paths", str(paths),
                                        "--fps", str(FPS), "--shm", shm,
                                        "--jitter-ms", str(jitter_ms), "--audio", audio,
                                        "--max-seconds", "1200"], self.logs)
        try:
            info = json.loads(child.lines.get(timeout=60))
        except queue.Empty:
            raise RuntimeError(f"camera {codec} did not start, see {child.log_path}")
        self.cameras[key] = {"child": child, "port": info["port"], "shm": shm,
                             "frames": info["frames"]}
        return self.cameras[key]

    def camera_url(self, codec, index):
        suffix = "" if index == 0 else str(index + 1)
        return f"rtsp://127.0.0.1:{self.cameras[codec]['port']}/stream{suffix}"

    # ------------------------------------------------------------------ contenders

    def floor_argv(self, codec, index, record=None):
        decode = self.template(f"decode-{codec}", threads=THREADS)
        encode = FLOOR_ENCODER.format(bitrate=BITRATE, gop=GOP, threads=THREADS)
        if record:
            sink = f"h264parse ! video/x-h264,stream-format=byte-stream,alignment=au ! " \
                   f"filesink location={record}"
        else:
            sink = ("fpsdisplaysink video-sink=fakesink text-overlay=false sync=false "
                    "fps-update-interval=500")
        line = (f"rtspsrc location={self.camera_url(codec, index)} latency=0 protocols=tcp ! "
                f"{decode} ! {encode} ! {sink}")
        return ["gst-launch-1.0", "-e"] + (["-q"] if record else ["-v"]) + shlex.split(line)

    def floor_multi_argv(self, count):
        """one gst-launch decoding and encoding @count cameras: what one more decoder and
        encoder cost in memory, with nothing of cordon around them"""
        decode = self.template("decode-h264", threads=THREADS)
        encode = FLOOR_ENCODER.format(bitrate=BITRATE, gop=GOP, threads=THREADS)
        line = " ".join(f"rtspsrc location={self.camera_url('h264', i)} latency=0 "
                        f"protocols=tcp ! {decode} ! {encode} ! "
                        f"fpsdisplaysink video-sink=fakesink text-overlay=false sync=false "
                        f"fps-update-interval=500" for i in range(count))
        return ["gst-launch-1.0", "-e", "-v"] + shlex.split(line)

    def phase_memory(self):
        """the baseline of the memory target: RSS of one gst-launch with 1, 2, 3 cameras"""
        args = self.args
        memory = {}
        for count in range(1, args.max_cameras + 1):
            log(f"floor, one process, {count} camera(s)")
            result = self.run_processes(f"floor-mem-x{count}", [self.floor_multi_argv(count)],
                                        gst_progress, args.warmup, args.window)
            memory[count] = result["rss"][0]
            log(f"  RSS {memory[count]:.0f} MiB")
        self.results["floor_memory"] = memory

    def ffmpeg_argv(self, codec, index, record=None, camera=None):
        argv = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error",
                "-rtsp_transport", "tcp", "-i", self.camera_url(camera or codec, index),
                "-map", "0:v:0", "-an",
                "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency",
                "-profile:v", "high", "-b:v", f"{BITRATE}k", "-maxrate", f"{BITRATE}k",
                # x264enc's default VBV: 600 ms of the bitrate
                "-bufsize", f"{BITRATE * 6 // 10}k", "-g", str(GOP)]
        if record:
            return argv + ["-t", str(self.args.record_seconds + 1), "-f", "h264", "-y", record]
        return argv + ["-f", "null", "-", "-progress", "pipe:1", "-stats_period", "0.5"]

    def run_processes(self, name, argvs, parser, warmup, window):
        procs = [Child(f"{name}-{i}", argv, self.logs, parser=parser)
                 for i, argv in enumerate(argvs)]
        try:
            time.sleep(warmup)
            for proc in procs:
                if not proc.alive():
                    raise RuntimeError(f"{proc.name} exited, see {proc.log_path}")
            camera = [c["child"].pid for c in self.cameras.values()]
            return measure([p.pid for p in procs], window, others=camera, progress=procs)
        finally:
            for proc in procs:
                proc.stop()

    def write_cordon_config(self, name, codec, cameras, encoder=None, extra=None, camera=None,
                            admin_port=None):
        """with @admin_port, the management server on 127.0.0.1:admin_port and an [admin];
        without, no [admin]: the management server does not start (as in every other run)"""
        port = free_port()
        path = os.path.join(self.work, f"{name}.conf")
        lines = ["[server]", "listen-address=127.0.0.1", f"rtsp-port={port}",
                 f"pipelines-dir={self.pipelines}", "onvif=false", "discovery=false",
                 # the certificate and audit trail cordon keeps, per run, never /var/lib/cordon
                 f"state-dir={os.path.join(self.work, 'state-' + name)}", "rtsps-port=0"]
        if os.geteuid() == 0:
            lines.append(f"user={RUN_AS_USER}")
        if admin_port:
            lines += ["admin-address=127.0.0.1", f"admin-port={admin_port}", "",
                      f"[admin {ADMIN_USER}]", f"password={ADMIN_PASSWORD}"]
        lines += ["", f"[user {USER}]", f"password={PASSWORD}", ""]
        for index in range(cameras):
            lines += [f"[camera cam{index + 1}]",
                      f"url={self.camera_url(camera or codec, index)}",
                      f"bitrate={BITRATE}", f"gop={GOP}"]
            if encoder:
                lines.append(f"encoder={encoder}")
            # the main profile alone unless a contender asks for the sub profile: the ffmpeg
            # comparison and the figures of earlier runs are for one encode per camera
            for key, value in {"sub": "off", **(extra or {})}.items():
                lines.append(f"{key}={value}")
            lines.append("")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as config:
            config.write("\n".join(lines))
        return path, port

    def start_cordon(self, name, codec, cameras, encoder=None, extra=None, camera=None,
                     admin_port=None):
        path, port = self.write_cordon_config(name, codec, cameras, encoder, extra, camera,
                                              admin_port)
        env = dict(os.environ)
        for item in self.args.cordon_env or []:
            key, _, value = item.partition("=")
            env[key] = value
        child = Child(name, [self.cordon, "--config", path], self.logs, env=env)
        if not wait_port(port, 15) or (admin_port and not wait_port(admin_port, 15)):
            child.stop()
            raise RuntimeError(f"{name} does not listen, see {child.log_path}")
        return child, port

    def cordon_window(self, name, codec, cameras, encoder, warmup, window, extra=None,
                      record=None):
        """cordon with one counting viewer per camera; optionally a recording after"""
        child, port = self.start_cordon(name, codec, cameras, encoder, extra)
        viewer = Viewer(f"{name}-viewers", self.tool, self.logs, self.cameras[codec]["shm"])
        try:
            for index in range(cameras):
                viewer.cmd(f"add count=1 mode=count url=rtsp://127.0.0.1:{port}/cam{index + 1} "
                           f"path={index}")
            time.sleep(warmup)
            camera = [c["child"].pid for c in self.cameras.values()]
            result = measure([child.pid], window, others=camera + [viewer.pid], viewer=viewer,
                             threads_of=child.pid)
            result["fps"] = [c["fresh_fps"] for c in result["report"]["clients"]]
            result["all_fps"] = [c["fps"] for c in result["report"]["clients"]]
            if record:
                viewer.cmd(f"add count=1 mode=record url=rtsp://127.0.0.1:{port}/cam1 "
                           f"file={record}")
                time.sleep(self.args.record_seconds)
                viewer.cmd("remove count=1")
            return result
        finally:
            viewer.stop()
            child.stop()

    # ------------------------------------------------------------------ phases

    def keep(self, key, result):
        self.results["windows"].setdefault(key, []).append(result)
        cores = ", ".join(f"{c:.3f}" for c in result["cores"])
        fps = ", ".join("-" if f is None else f"{f:.1f}" for f in result["fps"])
        log(f"  {key}: cores {cores}; rss {result['rss'][0]:.0f} MiB; fps {fps}; "
            f"foreign load {result['foreign_cores']:.2f} cores")

    def phase_cost(self, codec, repeats, window, suffix=""):
        args = self.args
        contenders = [("floor", lambda: self.run_processes(
                           "floor", [self.floor_argv(codec, 0)], gst_progress, args.warmup,
                           window)),
                      ("ffmpeg", lambda: self.run_processes(
                           "ffmpeg", [self.ffmpeg_argv(codec, 0)], ffmpeg_progress,
                           args.warmup, window)),
                      ("cordon-identical", lambda record: self.cordon_window(
                           "cordon-identical", codec, 1, "floor", args.warmup, window,
                           record=record)),
                      ("cordon-default", lambda record: self.cordon_window(
                           "cordon-default", codec, 1, None, args.warmup, window,
                           record=record)),
                      # the sub profile too (the camera's default): its cost over main alone,
                      # and the main profile's quality and rate beside it
                      ("cordon-sub", lambda record: self.cordon_window(
                           "cordon-sub", codec, 1, None, args.warmup, window,
                           extra={"sub": "on"}, record=record))]
        for name, line in args.candidate or []:
            contenders.append((f"cordon-{name}", lambda record, name=name: self.cordon_window(
                f"cordon-{name}", codec, 1, name, args.warmup, window, record=record)))
        if codec == "h265":
            # the output encoder is the same: the decoder is what changes
            contenders = [c for c in contenders if c[0] in ("floor", "ffmpeg", "cordon-default")]
        if args.contenders:
            contenders = [c for c in contenders if c[0] in args.contenders.split(",")]
        for repeat in range(repeats):
            order = contenders if repeat % 2 == 0 else list(reversed(contenders))
            for name, run in order:
                log(f"{codec} {name}, run {repeat + 1} of {repeats}")
                if not name.startswith("cordon"):
                    self.keep(f"{codec}/{name}{suffix}", run())
                    continue
                # cordon's output for SSIM: recorded after the window of its last run
                record = None
                if codec == "h264" and repeat == repeats - 1 and "quality" in args.phases \
                        and (name != "cordon-default" or "session" not in args.phases):
                    record = os.path.join(self.work, f"record-{name}.h264")
                self.keep(f"{codec}/{name}{suffix}", run(record))

    def phase_session(self):
        """one cordon (default settings): fan-out, joins, latency; RSS traced throughout"""
        args = self.args
        log("cordon session: fan-out, joins, latency, recording for SSIM")
        child, port = self.start_cordon("cordon-session", "h264", 1)
        trace = RssTrace(child.pid)
        viewer = Viewer("session-viewers", self.tool, self.logs, self.cameras["h264"]["shm"])
        camera_pid = self.cameras["h264"]["child"].pid
        url = f"rtsp://127.0.0.1:{port}/cam1"
        session = {}
        try:
            viewer.cmd(f"add count=1 mode=count url={url}")
            time.sleep(args.warmup)
            # fan-out: 1, 4, 16 viewers of one camera, cycled so that drift hits all levels
            fanout = {1: [], 4: [], 16: []}
            clients = 1
            for cycle in range(args.fanout_cycles):
                for level in (1, 4, 16):
                    if level > clients:
                        viewer.cmd(f"add count={level - clients} mode=count url={url}")
                    elif level < clients:
                        viewer.cmd(f"remove count={clients - level}")
                    clients = level
                    time.sleep(2)
                    result = measure([child.pid], args.fanout_window,
                                     others=[camera_pid, viewer.pid], viewer=viewer)
                    result["fps"] = [c["fresh_fps"] for c in result["report"]["clients"]]
                    result["all_fps"] = [c["fps"] for c in result["report"]["clients"]]
                    fanout[level].append(result)
                    self.keep(f"fanout/{level}", result)
            viewer.cmd(f"remove count={clients - 1}")
            session["fanout"] = fanout

            # joins: PLAY to first decoded frame, one at a time at random GOP phases
            joins = []
            for _ in range(args.joins):
                time.sleep(1.2 + random.random() * 0.8)
                joins.append(viewer.cmd(f"join url={url}")["clients"][0])
            session["joins"] = joins
            log("  joins via cordon, PLAY to frame ms: "
                + " ".join(str(j["play_to_frame_ms"]) for j in joins))
            # a burst of 4 joins: how many keyframes did the holder see?
            time.sleep(1.5)
            viewer.cmd("mark")
            burst = viewer.cmd(f"burst count=4 url={url}")["clients"]
            time.sleep(0.5)
            holder = viewer.cmd("report")["clients"][0]
            plays = [j["play_since_mark_ms"] for j in burst if j.get("play_since_mark_ms")]
            frames = [j["play_since_mark_ms"] + j["play_to_frame_ms"] for j in burst
                      if j.get("play_since_mark_ms") and j.get("play_to_frame_ms")]
            # keyframes the holder got between the first PLAY and the last joiner's picture
            forced = [t for t in holder["keyframes_since_mark_ms"]
                      if plays and frames and min(plays) <= t <= max(frames) + 50]
            session["burst"] = {"joins": burst, "holder_keyframes": len(forced),
                                "holder_keyframe_ms": holder["keyframes_since_mark_ms"],
                                "plays_ms": plays, "frames_ms": frames}
            log(f"  burst of 4: PLAYs at {plays} ms, holder keyframes at "
                f"{holder['keyframes_since_mark_ms']} ms: {len(forced)} in the burst")
            # the same joins straight to the camera, as through a passthrough proxy
            direct = []
            camera_url = self.camera_url("h264", 0)
            for _ in range(args.joins):
                time.sleep(0.3 + random.random() * 0.5)
                direct.append(viewer.cmd(f"join url={camera_url}")["clients"][0])
            session["direct_joins"] = direct
            log("  joins straight to the camera, PLAY to frame ms: "
                + " ".join(str(j["play_to_frame_ms"]) for j in direct))

            # latency: a decoding viewer reads the counter; straight from the camera first
            latency = {}
            for name, target in (("direct", camera_url), ("cordon", url)):
                viewer.cmd(f"add count=1 mode=decode url={target} path=0")
                time.sleep(2)
                viewer.cmd("mark")
                time.sleep(args.latency_window)
                report = viewer.cmd("report")["clients"][-1]
                viewer.cmd("remove count=1")
                latency[name] = report
                log(f"  latency {name}: {report.get('latency_ms')}; repeats "
                    f"{report['repeats']}, skipped {report['skipped']} of {report['frames']}")
            session["latency"] = latency

            # a recording of cordon's output for SSIM
            record = os.path.join(self.work, "record-cordon-default.h264")
            viewer.cmd(f"add count=1 mode=record url={url} file={record}")
            time.sleep(args.record_seconds)
            viewer.cmd("remove count=1")
            session["record"] = record

            # the rest of the soak: one viewer, RSS still traced
            soak_end = time.monotonic() + args.soak
            while time.monotonic() < soak_end and child.alive():
                time.sleep(1)
        finally:
            trace.stop()
            viewer.stop()
            child.stop()
        session["rss_trace"] = trace.samples
        self.results["session"] = session

    def phase_max_cameras(self):
        """N cameras at once, from 2 up while every one is held at full frame rate"""
        args = self.args
        results = {}
        names = ["floor", "ffmpeg", "cordon-default"]
        if not args.no_proposed:
            names.append("cordon-proposed")
        for name in names:
            results[name] = {}
            for count in range(2, args.max_cameras + 1):
                log(f"{name} with {count} cameras")
                if name == "floor":
                    result = self.run_processes(f"floor-x{count}",
                                                [self.floor_argv("h264", i) for i in range(count)],
                                                gst_progress, args.warmup, args.window)
                elif name == "ffmpeg":
                    result = self.run_processes(f"ffmpeg-x{count}",
                                                [self.ffmpeg_argv("h264", i)
                                                 for i in range(count)],
                                                ffmpeg_progress, args.warmup, args.window)
                else:
                    encoder = "proposed" if name == "cordon-proposed" else None
                    result = self.cordon_window(f"{name}-x{count}", "h264", count, encoder,
                                                args.warmup, args.window)
                self.keep(f"max/{name}/{count}", result)
                results[name][count] = result
                if not all(f is not None and f >= FULL_RATE for f in result["fps"]):
                    break
        self.results["max_cameras"] = results

    def phase_quality(self):
        """recordings of the floor and ffmpeg (cordon's are made in their own runs)"""
        args = self.args
        records = {}
        for name in ("floor", "ffmpeg"):
            path = os.path.join(self.work, f"record-{name}.h264")
            if os.path.exists(path):
                os.unlink(path)
            argv = self.floor_argv("h264", 0, path) if name == "floor" else \
                self.ffmpeg_argv("h264", 0, path)
            log(f"recording {name} for SSIM")
            proc = Child(f"record-{name}", argv, self.logs)
            deadline = time.monotonic() + args.warmup + args.record_seconds
            while proc.alive() and time.monotonic() < deadline:
                time.sleep(0.2)
            proc.stop()
            records[name] = path
        records["cordon-identical"] = os.path.join(self.work, "record-cordon-identical.h264")
        records["cordon-sub"] = os.path.join(self.work, "record-cordon-sub.h264")
        records["cordon-default"] = self.results.get("session", {}).get("record") or \
            os.path.join(self.work, "record-cordon-default.h264")
        for name, path in records.items():
            if path and os.path.exists(path) and os.path.getmtime(path) < self.started_wall:
                records[name] = None  # left over from an earlier run
        for name, line in self.args.candidate or []:
            records[f"cordon-{name}"] = os.path.join(self.work, f"record-cordon-{name}.h264")
        ssim = {}
        for name, path in records.items():
            if path and os.path.exists(path):
                ssim[name] = self.ssim(path)
                log(f"  SSIM {name}: {ssim[name]}")
        self.results["ssim"] = ssim

    def phase_identity(self):
        """every camera picture exactly once? ffmpeg and cordon-default record a camera whose
        frames leave up to IDENTITY_JITTER_MS late (network jitter, RTP timestamps exact)"""
        args = self.args
        self.start_camera("h264", 1, jitter_ms=IDENTITY_JITTER_MS)
        identity = {}
        for name in ("ffmpeg", "cordon-default"):
            path = os.path.join(self.work, f"record-jitter-{name}.h264")
            if os.path.exists(path):
                os.unlink(path)
            log(f"recording {name} from the jittery camera")
            if name == "ffmpeg":
                proc = Child(f"jitter-{name}",
                             self.ffmpeg_argv("h264", 0, path, camera="h264-jitter"), self.logs)
                deadline = time.monotonic() + args.warmup + args.record_seconds
                while proc.alive() and time.monotonic() < deadline:
                    time.sleep(0.2)
                proc.stop()
            else:
                child, port = self.start_cordon(f"jitter-{name}", "h264", 1,
                                                camera="h264-jitter")
                viewer = Viewer(f"jitter-{name}-viewer", self.tool, self.logs,
                                self.cameras["h264-jitter"]["shm"])
                try:
                    time.sleep(args.warmup)
                    viewer.cmd(f"add count=1 mode=record url=rtsp://127.0.0.1:{port}/cam1 "
                               f"file={path}")
                    time.sleep(args.record_seconds)
                    viewer.cmd("remove count=1")
                finally:
                    viewer.stop()
                    child.stop()
            identity[name] = self.identity(path)
            log(f"  {name}: {identity[name]}")
        self.results["identity_jitter"] = identity

    def phase_observe(self):
        """what watching cordon costs: one cordon serving N cameras (default settings, the
        sub profile on as the page's thumbnails ask for it, one counting viewer each), its
        CPU and RSS in windows with its management server configured but idle (baseline) and
        with a Prometheus scrape and a status page at work (observed, a Watcher), alternated
        as baseline, observed, observed, baseline, ... in the same process"""
        args = self.args
        count, repeats, window = args.observe_cameras, args.observe_repeats, args.observe_window
        admin_port = free_port()
        names = [f"cam{index + 1}" for index in range(count)]
        log(f"cordon with {count} cameras, watched and not, {repeats} × 2 windows of {window} s")
        observe = {"cameras": count, "repeats": repeats, "window": window,
                   "load_before": load_snapshot()["uptime"],
                   "schedule": {"metrics_s": METRICS_S, "poll_s": POLL_S, "thumb_s": THUMB_S}}
        child, port = self.start_cordon("cordon-observe", "h264", count, extra={"sub": "on"},
                                        admin_port=admin_port)
        viewer = Viewer("observe-viewers", self.tool, self.logs, self.cameras["h264"]["shm"])
        # the watcher's threads are this process: its CPU is ours, not foreign load
        others = [c["child"].pid for c in self.cameras.values()] + [viewer.pid, os.getpid()]
        watcher = None
        try:
            for index in range(count):
                viewer.cmd(f"add count=1 mode=count url=rtsp://127.0.0.1:{port}/cam{index + 1} "
                           f"path={index}")
            time.sleep(args.warmup)
            # every camera live (asked the way the page asks), then every request once: the
            # first thumbnail loads the JPEG encoder and starts a worker thread
            probe = Watcher(admin_port, names, max_seconds=30)
            deadline = time.monotonic() + 30
            while True:
                try:
                    states = [c.get("state") for c in
                              probe.get_json("/api/v1/cameras").get("cameras", [])]
                except (OSError, ValueError) as error:
                    states = [str(error)]
                if states.count("live") == count or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            observe["states"] = states
            probe.once()
            observe["first"] = probe.summary(0, time.monotonic() + 1)
            log(f"  cameras {states}; first requests: "
                + ", ".join(f"{kind} {s['status']} {s['max_ms']:.0f} ms"
                            for kind, s in observe["first"].items()))
            time.sleep(args.warmup)  # the viewers past their first burst, cordon settled
            # a pair of windows that other processes disturbed is measured again, up to
            # `repeats` times in all: the effect looked for is far smaller than their noise
            observe["disturbed"] = []
            repeat = 0
            while repeat < repeats:
                order = ("baseline", "observed") if repeat % 2 == 0 else ("observed", "baseline")
                pair = {}
                for kind in order:
                    log(f"observe {kind}, run {repeat + 1} of {repeats}")
                    if kind == "observed":
                        watcher = Watcher(admin_port, names,
                                          max_seconds=OBSERVE_SETTLE_S + window + 30)
                        watcher.start()
                    time.sleep(OBSERVE_SETTLE_S)
                    t0 = time.monotonic()
                    before = (process_cpu_ns(child.pid), thread_cpu_ns(child.pid))
                    result = measure([child.pid], window, others=others, viewer=viewer)
                    after = (process_cpu_ns(child.pid), thread_cpu_ns(child.pid))
                    t1 = time.monotonic()
                    # exact, per thread name: which threads the requests cost
                    result["threads"] = thread_delta(before, after, t1 - t0)
                    result["fps"] = [c["fresh_fps"] for c in result["report"]["clients"]]
                    result["all_fps"] = [c["fps"] for c in result["report"]["clients"]]
                    if watcher is not None:
                        watcher.stop()
                        result["requests"] = watcher.summary(t0, t1)
                        watcher = None
                        log("  requests: " + ", ".join(
                            f"{k} {s['count']} × {s['median_ms']:.1f} ms (max {s['max_ms']:.0f})"
                            f" {s['status']}" for k, s in result["requests"].items()))
                    if not child.alive():
                        raise RuntimeError(f"cordon-observe exited, see {child.log_path}")
                    pair[kind] = result
                disturbed = [kind for kind, w in pair.items()
                             if w["foreign_cores"] > OBSERVE_FOREIGN_MAX
                             or any(f is None or f < FULL_RATE for f in w["fps"])]
                if disturbed and len(observe["disturbed"]) < repeats:
                    observe["disturbed"].append(pair)
                    log("  disturbed: " + ", ".join(
                        f"{kind} {pair[kind]['cores'][0]:.3f} cores, foreign load "
                        f"{pair[kind]['foreign_cores']:.2f}, fps " + ", ".join(
                            "-" if f is None else f"{f:.1f}" for f in pair[kind]["fps"])
                        for kind in disturbed) + "; this pair again")
                    wait_foreign_quiet(others + [child.pid], OBSERVE_FOREIGN_MAX, 120)
                    continue
                for kind in order:
                    self.keep(f"observe/{kind}", pair[kind])
                repeat += 1
        finally:
            if watcher is not None:
                watcher.stop()
            viewer.stop()
            child.stop()
        observe["load_after"] = load_snapshot()["uptime"]
        observe["date"] = time.strftime("%Y-%m-%d %H:%M %Z")
        self.results["observe"] = observe

    def phase_extras(self):
        """what audio and motion cost: the same cameras (the clip with an AAC track beside it,
        the sub profile on, as motion is computed on its pictures; one counting viewer each,
        which takes the audio too), cordon as plain (audio=off, motion=off) and as extras
        (audio=aac, motion=on), a fresh process per window, alternated plain, extras, extras,
        plain, ...; a pair that other processes disturbed is measured again"""
        args = self.args
        count, repeats, window = args.extras_cameras, args.extras_repeats, args.extras_window
        camera = f"h264-{EXTRAS_CAMERA_AUDIO}"
        kinds = {"plain": {"sub": "on", "audio": "off", "motion": "off"},
                 "extras": {"sub": "on", "audio": "aac", "motion": "on"}}
        log(f"audio and motion: {count} cameras, {repeats} × 2 windows of {window} s")
        extras = {"cameras": count, "repeats": repeats, "window": window,
                  "camera_audio": EXTRAS_CAMERA_AUDIO, "keys": kinds,
                  "load_before": load_snapshot()["uptime"], "disturbed": []}
        if camera not in self.cameras:
            self.start_camera("h264", count, audio=EXTRAS_CAMERA_AUDIO)
        repeat = 0
        while repeat < repeats:
            order = ("plain", "extras") if repeat % 2 == 0 else ("extras", "plain")
            pair = {}
            for kind in order:
                log(f"extras {kind}, run {repeat + 1} of {repeats}")
                pair[kind] = self.extras_window(f"cordon-{kind}", count, kinds[kind], camera,
                                                window)
            disturbed = [kind for kind, w in pair.items()
                         if w["foreign_cores"] > OBSERVE_FOREIGN_MAX
                         or any(f is None or f < FULL_RATE for f in w["fps"])]
            if disturbed and len(extras["disturbed"]) < repeats:
                extras["disturbed"].append(pair)
                log("  disturbed: " + ", ".join(
                    f"{kind} {pair[kind]['cores'][0]:.3f} cores, foreign load "
                    f"{pair[kind]['foreign_cores']:.2f}" for kind in disturbed)
                    + "; this pair again")
                wait_foreign_quiet([c["child"].pid for c in self.cameras.values()],
                                   OBSERVE_FOREIGN_MAX, 120)
                continue
            for kind in order:
                self.keep(f"extras/{kind}", pair[kind])
            repeat += 1
        extras["load_after"] = load_snapshot()["uptime"]
        extras["date"] = time.strftime("%Y-%m-%d %H:%M %Z")
        self.results["extras"] = extras

    def extras_window(self, name, count, extra, camera, window):
        """one cordon with @extra keys on every camera, a counting viewer each; its CPU (the
        whole process, and exactly per thread) and RSS over @window after the warm-up"""
        child, port = self.start_cordon(name, "h264", count, extra=extra, camera=camera)
        viewer = Viewer(f"{name}-viewers", self.tool, self.logs, self.cameras[camera]["shm"])
        try:
            for index in range(count):
                viewer.cmd(f"add count=1 mode=count url=rtsp://127.0.0.1:{port}/cam{index + 1} "
                           f"path={index}")
            # the encoders past their start, motion past its learning of the background
            time.sleep(self.args.warmup * 2)
            others = [c["child"].pid for c in self.cameras.values()] + [viewer.pid]
            t0 = time.monotonic()
            before = (process_cpu_ns(child.pid), thread_cpu_ns(child.pid))
            result = measure([child.pid], window, others=others, viewer=viewer)
            after = (process_cpu_ns(child.pid), thread_cpu_ns(child.pid))
            result["threads"] = thread_delta(before, after, time.monotonic() - t0)
            result["fps"] = [c["fresh_fps"] for c in result["report"]["clients"]]
            result["all_fps"] = [c["fps"] for c in result["report"]["clients"]]
            if not child.alive():
                raise RuntimeError(f"{name} exited, see {child.log_path}")
            return result
        finally:
            viewer.stop()
            child.stop()

    def counters(self, recording):
        return [int(c) for c in subprocess.run([self.tool, "counters", recording],
                                               capture_output=True, text=True,
                                               timeout=120).stdout.split()]

    def identity(self, recording):
        """pictures lost and repeated over one whole loop of the clip, from the counters"""
        if not os.path.exists(recording):
            return {"error": "no recording"}
        pairing = pair_counters(self.counters(recording), self.cameras["h264"]["frames"])
        if "error" in pairing:
            return pairing
        return {"frames": len(pairing["kept"]), "lost": len(pairing["drop_source"]),
                "repeated": pairing["repeated"], "unreadable": pairing["unreadable"]}

    def ssim(self, recording):
        """SSIM of a recording against the clip over one whole loop of it (the same 300
        pictures for every contender), paired by the frame counter: a picture shown twice is
        compared once, a source frame never shown is left out on the clip's side too"""
        clip = self.clip("h264")
        frames = self.cameras["h264"]["frames"]
        counters = self.counters(recording)
        pairing = pair_counters(counters, frames)
        if "error" in pairing:
            return pairing
        kept, drop_recorded, drop_source = \
            pairing["kept"], pairing["drop_recorded"], pairing["drop_source"]
        first, last_index = kept[0][0], kept[-1][0]
        base, span = kept[0][1], kept[-1][1] - kept[0][1] + 1

        def select(drops):
            if not drops:
                return ""
            return ",select='not(" + "+".join(f"eq(n\\,{n})" for n in drops) + ")'"

        # timestamps from the frame number: the raw H.264 demuxer's own ones can pair the
        # wrong frames in the ssim filter's frame sync
        source_first = base % frames
        graph = (f"[0:v]trim=start_frame={first}:end_frame={last_index + 1}"
                 f"{select(drop_recorded)},setpts=N/{FPS}/TB[a];"
                 f"[1:v]trim=start_frame={source_first}:end_frame={source_first + span}"
                 f"{select(drop_source)},setpts=N/{FPS}/TB[b];[a][b]ssim")
        # the clip twice over, for runs across its end (-stream_loop loses frames there)
        twice = clip + ".twice"
        if not os.path.exists(twice):
            with open(clip, "rb") as src, open(twice + ".tmp", "wb") as dst:
                data = src.read()
                dst.write(data + data)
            os.rename(twice + ".tmp", twice)
        proc = subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-i", recording,
                               "-f", "h264", "-i", twice, "-lavfi", graph,
                               "-f", "null", "-"],
                              capture_output=True, text=True, timeout=300)
        match = re.search(r"SSIM Y:([\d.]+).*All:([\d.]+)", proc.stderr)
        if not match:
            return {"error": "ffmpeg ssim failed", "recorded": len(counters)}
        return {"y": float(match.group(1)), "all": float(match.group(2)), "frames": len(kept),
                "recorded": len(counters), "first_counter": source_first,
                "lost": len(drop_source), "repeated": pairing["repeated"],
                "unreadable": pairing["unreadable"]}

    # ------------------------------------------------------------------ run

    def run(self):
        args = self.args
        self.results["load_before"] = load_snapshot()
        self.templates()
        phases = args.phases.split(",")
        # the H.265 camera (and clip) only for the phase that pulls it
        codecs = ("h264", "h265") if "h265" in phases else ("h264",)
        for codec in codecs:
            self.clip(codec)
        self.start_camera("h264", max(args.max_cameras,
                                      args.observe_cameras if "observe" in phases else 1, 1))
        if "h265" in codecs:
            self.start_camera("h265", 1)
        if "cost" in phases:
            self.phase_cost("h264", args.repeats, args.window)
        if "session" in phases:
            self.phase_session()
        if "max" in phases:
            self.phase_max_cameras()
        if "memory" in phases:
            self.phase_memory()
        if "h265" in phases and args.h265_repeats > 0:
            self.phase_cost("h265", args.h265_repeats, args.h265_window)
        if "quality" in phases:
            self.phase_quality()
        if "identity" in phases:
            self.phase_identity()
        if "observe" in phases and args.observe_repeats > 0:
            self.phase_observe()
        if "extras" in phases and args.extras_repeats > 0:
            self.phase_extras()
        self.results["load_after"] = load_snapshot()
        self.results["duration_s"] = time.monotonic() - self.started
        self.results["date"] = time.strftime("%Y-%m-%d %H:%M %Z")


def pair_counters(counters, frames):
    """the recording's pictures paired with one whole loop of the clip by their counters,
    from the first readable one after the first second (an encoder starting, or a keyframe
    forced for this viewer): kept (index in the recording, counter unwrapped past the
    loop's end), the recording's pictures left out (drop_recorded: repeated, older or
    unreadable), the source frames never shown (drop_source: lost), and the counts of
    repeated and unreadable pictures among those left out"""
    start = next((i for i in range(FPS, len(counters)) if counters[i] >= 0), None)
    if start is None:
        return {"error": "no readable frame counter", "recorded": len(counters)}
    kept = []
    last = None
    repeated = unreadable = 0
    for index in range(start, len(counters)):
        if counters[index] < 0:
            unreadable += 1
            continue
        unwrapped = counters[index]
        if last is not None:
            unwrapped += (last - counters[index] + frames // 2) // frames * frames
            if unwrapped <= last:
                repeated += 1
                continue  # repeated (or older) picture
        if kept and unwrapped - kept[0][1] >= frames:
            break
        kept.append((index, unwrapped))
        last = unwrapped
    if len(kept) < 2 * FPS:
        return {"error": f"only {len(kept)} usable frames", "recorded": len(counters)}
    first, last_index = kept[0][0], kept[-1][0]
    base, span = kept[0][1], kept[-1][1] - kept[0][1] + 1
    kept_indices = {i for i, _ in kept}
    kept_counters = {u - base for _, u in kept}
    return {"kept": kept, "repeated": repeated, "unreadable": unreadable,
            "drop_recorded": [i - first for i in range(first, last_index + 1)
                              if i not in kept_indices],
            "drop_source": [n for n in range(span) if n not in kept_counters]}


def load_snapshot():
    with open("/proc/loadavg") as loadavg:
        load = loadavg.read().strip()
    top = subprocess.run(["ps", "-eo", "pcpu,rss,comm", "--sort=-pcpu"], capture_output=True,
                         text=True).stdout.splitlines()[:6]
    return {"loadavg": load, "uptime": subprocess.run(["uptime"], capture_output=True,
                                                       text=True).stdout.strip(), "top": top}


def wait_foreign_quiet(ours, threshold, max_wait):
    """wait (bounded) until the processes not in @ours use under @threshold cores, over 5 s"""
    deadline = time.monotonic() + max_wait
    while time.monotonic() < deadline:
        busy0, cpu0 = machine_busy(), sum(cpu_seconds(pid) for pid in ours)
        time.sleep(5)
        foreign = (machine_busy() - busy0 - sum(cpu_seconds(pid) for pid in ours) + cpu0) / 5
        if foreign < threshold:
            return
        log(f"  other processes use {foreign:.2f} cores, waiting")


def wait_for_quiet(max_wait, threshold):
    """wait (bounded) until the 1-minute load average is under threshold"""
    deadline = time.monotonic() + max_wait
    while True:
        with open("/proc/loadavg") as loadavg:
            load = float(loadavg.read().split()[0])
        if load < threshold or time.monotonic() >= deadline:
            return load
        log(f"load average {load:.2f}, waiting for a quieter moment")
        time.sleep(min(20, max(1, deadline - time.monotonic())))


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build-dir", default="build")
    parser.add_argument("--source-dir", default=os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--window", type=float, default=7.0)
    parser.add_argument("--h265-repeats", type=int, default=2)
    parser.add_argument("--h265-window", type=float, default=6.0)
    parser.add_argument("--fanout-cycles", type=int, default=2)
    parser.add_argument("--fanout-window", type=float, default=6.0)
    parser.add_argument("--joins", type=int, default=6)
    parser.add_argument("--latency-window", type=float, default=8.0)
    parser.add_argument("--record-seconds", type=float, default=11.5,
                        help="long enough for one whole loop of the clip after 1 s")
    parser.add_argument("--max-cameras", type=int, default=3)
    # 2: with the sub profile on, 3 cameras take 1.9 of the 2 cores the benchmark was made
    # on, and on a saturated machine more work displaces other work instead of adding up
    parser.add_argument("--observe-cameras", type=int, default=2,
                        help="observe phase: cameras cordon serves")
    parser.add_argument("--observe-repeats", type=int, default=3)
    parser.add_argument("--observe-window", type=float, default=20.0)
    # 2 as in the observe phase: the sub profile is on (motion is computed on it)
    parser.add_argument("--extras-cameras", type=int, default=2,
                        help="extras phase: cameras cordon serves")
    parser.add_argument("--extras-repeats", type=int, default=3)
    parser.add_argument("--extras-window", type=float, default=20.0)
    parser.add_argument("--soak", type=float, default=0.0,
                        help="extra seconds the session's cordon runs, RSS traced")
    parser.add_argument("--candidate", nargs=2, action="append", metavar=("NAME", "LINE"),
                        help="also run cordon with this encoder template line")
    parser.add_argument("--no-proposed", action="store_true",
                        help="leave out cordon-proposed (the encoder this benchmark proposes)")
    parser.add_argument("--phases", default=report.ALL_PHASES,
                        help="which parts to run (a partial run is not the benchmark)")
    parser.add_argument("--contenders", help="cost phase: only these, e.g. floor,cordon-default")
    parser.add_argument("--cordon", help="another cordon binary (a scratch build), for A/B runs")
    parser.add_argument("--cordon-env", action="append", metavar="KEY=VALUE",
                        help="environment for cordon")
    parser.add_argument("--wait-quiet", type=float, default=600,
                        help="wait up to this long for the load average to drop first")
    parser.add_argument("--quiet-load", type=float, default=1.0)
    parser.add_argument("--results", help="where to write RESULTS.md "
                        "(default: bench/RESULTS.md in the source tree)")
    parser.add_argument("--smoke", action="store_true",
                        help="short windows and one repeat, to try the harness")
    parser.add_argument("--splice", action="store_true",
                        help="observe or extras phase alone: put its section into the existing "
                        "RESULTS.md (replacing an earlier one), the rest of it kept as it is")
    args = parser.parse_args()
    if args.splice and (args.phases not in report.SPLICEABLE or args.smoke):
        parser.error("--splice is for a full run of one phase alone (--phases "
                     + " or ".join(report.SPLICEABLE) + ")")
    if not args.no_proposed:
        args.candidate = [["proposed", PROPOSED_ENCODER]] + (args.candidate or [])
    if args.smoke:
        args.repeats, args.window, args.warmup = 1, 4.0, 3.0
        args.h265_repeats, args.h265_window = 1, 4.0
        args.fanout_cycles, args.fanout_window, args.joins = 1, 3.0, 3
        args.latency_window, args.record_seconds, args.max_cameras = 3.0, 3.0, 2
        args.observe_repeats, args.observe_window = 1, 4.0
        args.extras_repeats, args.extras_window = 1, 4.0
        args.wait_quiet = min(args.wait_quiet, 0)
    results_path = args.results or os.path.join(args.source_dir, "bench", "RESULTS.md")

    load = wait_for_quiet(args.wait_quiet, args.quiet_load)
    log(f"starting at load average {load:.2f}")
    bench = Bench(args)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    try:
        bench.run()
    finally:
        for child in list(children):
            child.stop()
    bench.results["args"] = vars(args)
    with open(os.path.join(bench.out, "results.json"), "w") as raw:
        json.dump(bench.results, raw, indent=1)
    if args.splice:
        report.splice(bench.results, results_path, args.phases)
    else:
        report.write(bench.results, results_path, smoke=args.smoke)
    log(f"wrote {results_path} in {bench.results['duration_s']:.0f} s")


if __name__ == "__main__":
    sys.dont_write_bytecode = True  # no __pycache__ in the source tree
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    main()
