#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Offline encoder sweep: the benchmark clip encoded with each x264enc setting given.

The clip is decoded once to raw I420 (in /dev/shm), then for each setting gst-launch
encodes it (rawvideoparse ! x264enc ... ! filesink) with the benchmark's rate control: 1
thread, zero-latency, 4000 kbit/s, a keyframe every 60 frames, High profile. It reports the
encoder's CPU (user+sys of gst-launch, less reading the file, the lower of two encodes) as
cores at 30 fps, and SSIM and PSNR against the raw source, frame for frame. ffmpeg's libx264
at the benchmark's settings is the reference line. No network, no cordon: this answers "what
does this setting cost and give", the full benchmark answers "what does cordon cost".

    /usr/bin/python3 bench/encoder-sweep.py --clip build/bench/clips/clip-...h264 \\
        'speed-preset=veryfast' 'speed-preset=veryfast me=umh subme=1'
"""
import argparse
import os
import re
import resource
import subprocess
import tempfile

WIDTH, HEIGHT, FPS = 1920, 1080, 30
ENCODER = "x264enc tune=zerolatency bitrate=4000 key-int-max=60 threads=1"
RAW_CAPS = ["rawvideoparse", f"width={WIDTH}", f"height={HEIGHT}", "format=i420",
            f"framerate={FPS}/1"]


def child_cpu(argv):
    """user+sys seconds of one child run to completion"""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def quality(encoded, raw):
    """(SSIM all, PSNR average) of @encoded against @raw, frame i with frame i"""
    retime = f"setpts=N/({FPS}*TB)"
    proc = subprocess.run(
        ["ffmpeg", "-nostdin", "-hide_banner", "-framerate", str(FPS), "-i", encoded,
         "-f", "rawvideo", "-pix_fmt", "yuv420p", "-video_size", f"{WIDTH}x{HEIGHT}",
         "-framerate", str(FPS), "-i", raw,
         "-lavfi", f"[0:v]{retime},split[a][b];[1:v]{retime},split[c][d];[a][c]ssim;[b][d]psnr",
         "-f", "null", "-"], capture_output=True, text=True, check=True)
    ssim = re.search(r"SSIM .*All:([\d.]+)", proc.stderr)
    psnr = re.search(r"PSNR .*average:([\d.]+)", proc.stderr)
    return float(ssim.group(1)), float(psnr.group(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clip", required=True,
                        help="the benchmark's H.264 clip (run-bench.py makes it)")
    parser.add_argument("settings", nargs="+", help="x264enc properties added to: " + ENCODER)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir="/dev/shm" if os.path.isdir("/dev/shm") else None) as tmp:
        raw = os.path.join(tmp, "clip.yuv")
        subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-i", args.clip,
                        "-f", "rawvideo", "-pix_fmt", "yuv420p", "-y", raw], check=True)
        frames = os.path.getsize(raw) // (WIDTH * HEIGHT * 3 // 2)
        seconds = frames / FPS
        read = child_cpu(["gst-launch-1.0", "-q", "filesrc", f"location={raw}", "!"] + RAW_CAPS +
                         ["!", "fakesink"])

        out = os.path.join(tmp, "ffmpeg.h264")
        cpu = child_cpu(["ffmpeg", "-nostdin", "-loglevel", "error", "-f", "rawvideo",
                         "-pix_fmt", "yuv420p", "-video_size", f"{WIDTH}x{HEIGHT}",
                         "-framerate", str(FPS), "-i", raw, "-c:v", "libx264",
                         "-preset", "veryfast", "-tune", "zerolatency", "-profile:v", "high",
                         "-b:v", "4000k", "-maxrate", "4000k", "-bufsize", "2400k", "-g", "60",
                         "-y", out])
        ssim, psnr = quality(out, raw)
        print(f"{frames} frames; cores at {FPS} fps, SSIM (all), PSNR (dB), kbit/s")
        print(f"{cpu / seconds:5.3f}  {ssim:.4f}  {psnr:5.2f}  "
              f"{os.path.getsize(out) * 8 / seconds / 1000:5.0f}  "
              "ffmpeg libx264 veryfast (its threads)")
        for setting in args.settings:
            out = os.path.join(tmp, "x264enc.h264")
            argv = (["gst-launch-1.0", "-q", "filesrc", f"location={raw}", "!"] + RAW_CAPS +
                    ["!"] + f"{ENCODER} {setting}".split() +
                    ["!", "video/x-h264,profile=high,stream-format=byte-stream", "!",
                     "filesink", f"location={out}"])
            cpu = min(child_cpu(argv), child_cpu(argv)) - read
            ssim, psnr = quality(out, raw)
            print(f"{cpu / seconds:5.3f}  {ssim:.4f}  {psnr:5.2f}  "
                  f"{os.path.getsize(out) * 8 / seconds / 1000:5.0f}  {setting}", flush=True)


if __name__ == "__main__":
    main()
